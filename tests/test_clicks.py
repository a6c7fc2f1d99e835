"""Linked drill-down (issue 12): a click on a start-rate gauge opens that district's page, a click on a row of any
table of communities shows that community's details and node timeline.

AppTest cannot click, and a plotly chart's selection cannot be written through session_state: `click` sends the
widget state the browser sends for a click (the element's id and its JSON value) with the page's other widget
states. tests/test_meeting_browser.py-style browser tests at the end click for real.
"""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from test_pages import AS_OF, assert_clean, db, figures, fresh_caches, markdown, open_app, sample_ledger  # noqa: F401


# ----------------------------------------------------------------------------------------------- helpers
def click(at, element, value: dict):
    """Rerun `at` as after a click on `element` (a plotly chart or a dataframe with on_select)."""
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = element.proto.id
    state.string_value = json.dumps(value)     # the frontend sends selections as JSON strings
    at._run(states)
    assert_clean(at)
    return at


def click_row(at, key: str, row: int):
    table = next(d for d in at.dataframe if d.proto.id.endswith(f"-{key}"))
    return click(at, table, {"selection": {"rows": [row], "columns": [], "cells": []}})


def shown(at, key: str) -> pd.DataFrame:
    return next(d for d in at.dataframe if d.proto.id.endswith(f"-{key}")).value


def gauge_chart(at):
    return next(c for c in at.get("plotly_chart") if any(t.get("type") == "indicator" for t in json.loads(c.proto.spec)["data"]))


def click_gauge(at, district: str):
    chart = gauge_chart(at)
    data = json.loads(chart.proto.spec)["data"]
    links = next(i for i, t in enumerate(data) if t.get("name") == "区市链接")
    index = list(data[links]["customdata"]).index(district)
    point = {"curve_number": links, "point_number": index, "point_index": index, "x": data[links]["x"][index],
             "y": data[links]["y"][index], "customdata": district}
    return click(at, chart, {"selection": {"points": [point], "point_indices": [index], "box": [], "lasso": []}})


def details(at) -> dict[str, str]:
    """The community panel's table (项目, 内容); a plain table has no element id to find it by."""
    panels = [d.value for d in at.dataframe if list(d.value.columns) == ["项目", "内容"]]
    assert len(panels) == 1, f"{len(panels)} detail tables"
    return dict(panels[0].values.tolist())


def timeline_titles(at) -> list[str]:
    return [f["layout"].get("title", {}).get("text", "") for f in figures(at)]


def assert_district_page(at, district: str, sample_ledger) -> None:
    assert "## 区市 · 分区调度" in markdown(at)
    assert at.selectbox(key="focus_district").value == district
    count = int((sample_ledger["district"] == district).sum())
    assert any(f"1个区市台账 · {count}个小区 · 2022年度 · {district}" in c.value for c in at.caption)
    assert len(shown(at, "district_communities")) == count


# -------------------------------------------------------------------------------------------------- gauges
def test_each_gauge_carries_an_invisible_link_at_the_centre_of_its_cell(db):
    at = open_app()
    data = json.loads(gauge_chart(at).proto.spec)["data"]
    gauges = [t for t in data if t["type"] == "indicator"]
    links = [t for t in data if t.get("name") == "区市链接"]
    assert len(gauges) == 10 and len(links) == 1
    link = links[0]
    assert link["type"] == "scatter" and list(link["customdata"]) == [g["name"] for g in gauges]
    for g, x, y in zip(gauges, link["x"], link["y"]):
        assert x == pytest.approx(sum(g["domain"]["x"]) / 2, abs=1e-4)
        assert y == pytest.approx(sum(g["domain"]["y"]) / 2, abs=1e-4)
    assert link["hovertext"][0] == f"点击查看{gauges[0]['name']}"
    spec = json.loads(gauge_chart(at).proto.spec)["layout"]
    assert spec["hoverdistance"] == -1 and spec["xaxis"]["visible"] is False and spec["xaxis"]["range"] == [0, 1]


def test_a_click_on_a_gauge_opens_that_districts_page_with_the_same_filters(db, sample_ledger):
    at = open_app()
    third = [t["name"] for t in json.loads(gauge_chart(at).proto.spec)["data"] if t["type"] == "indicator"][2]
    click_gauge(at, third)
    assert_district_page(at, third, sample_ledger)
    assert at.query_params["focus_district"] == third and at.query_params["date"] == AS_OF


def test_a_click_on_a_big_screen_gauge_opens_that_districts_page(db, sample_ledger):
    at = open_app("views/bigscreen.py")
    last = [t["name"] for t in json.loads(gauge_chart(at).proto.spec)["data"] if t["type"] == "indicator"][-1]
    click_gauge(at, last)
    assert_district_page(at, last, sample_ledger)


def test_the_district_pages_own_gauge_is_not_a_link(db):
    at = open_app("views/district.py")
    data = json.loads(gauge_chart(at).proto.spec)["data"]
    assert [t["type"] for t in data] == ["indicator"]


# -------------------------------------------------------------------------------------------- communities
def _assert_details(at, community_id: str, name: str) -> None:
    assert f"##### {name} · 基本情况" in markdown(at)
    info = details(at)
    assert info["小区编号"] == community_id and info["小区名称"] == name
    assert f"{name} · 项目节点计划与实际" in timeline_titles(at)


def test_a_row_of_the_districts_community_table_shows_its_details(db, sample_ledger):
    at = open_app("views/district.py", query={"focus_district": "平度市"})
    table = shown(at, "district_communities")
    click_row(at, "district_communities", 3)
    _assert_details(at, table["小区编号"].iloc[3], table["小区名称"].iloc[3])
    row = sample_ledger[sample_ledger["community_id"] == table["小区编号"].iloc[3]].iloc[0]
    assert row["district"] == "平度市" and float(details(at)["户数"].replace(",", "")) == float(row["households"])


@pytest.mark.parametrize("page,key", [("views/overview.py", "overview_alerts"), ("views/district.py", "district_alerts")])
def test_a_row_of_an_alerts_table_shows_that_communitys_details(db, sample_ledger, page, key):
    at = open_app(page)
    alerts = shown(at, key)
    assert len(alerts) > 1
    click_row(at, key, 1)
    name = alerts["小区"].iloc[1]
    match = sample_ledger[(sample_ledger["name"] == name) & (sample_ledger["district"] == alerts["区市"].iloc[1])]
    assert len(match) == 1
    _assert_details(at, match["community_id"].iloc[0], name)


def test_the_weeks_changes_show_the_community_clicked_last(db, sample_ledger):
    at = open_app("views/changes.py")
    started, completed, overdue = (shown(at, f"changes_{k}") for k in ("started", "completed", "overdue"))
    assert len(started) and len(completed) and len(overdue)
    assert not any(m.endswith(" · 基本情况") for m in markdown(at))
    click_row(at, "changes_started", 0)
    _assert_details(at, started["小区编号"].iloc[0], started["小区名称"].iloc[0])
    click_row(at, "changes_completed", 1)            # the started row stays selected: the latest click is shown
    _assert_details(at, completed["小区编号"].iloc[1], completed["小区名称"].iloc[1])
    assert f"##### {started['小区名称'].iloc[0]} · 基本情况" not in markdown(at)
    click_row(at, "changes_overdue", 0)
    name = overdue["小区"].iloc[0]
    ids = sample_ledger[(sample_ledger["name"] == name) & (sample_ledger["district"] == overdue["区市"].iloc[0])]
    _assert_details(at, ids["community_id"].iloc[0], name)
    assert sum(m.endswith(" · 基本情况") for m in markdown(at)) == 1


def test_a_row_of_the_ledger_shows_its_details(db, sample_ledger):
    at = open_app("views/ledger.py")
    table = shown(at, "ledger_table")
    click_row(at, "ledger_table", 5)
    _assert_details(at, table["小区编号"].iloc[5], table["小区名称"].iloc[5])


# ------------------------------------------------------------------------------------------------- browser
@pytest.mark.browser
def test_in_the_browser_a_gauge_opens_its_district_and_a_changed_row_its_details(sample_store_file, tmp_path):
    from loaders.store import LedgerStore
    from metrics.changes import completed_this_week
    from metrics.progress import district_progress, laggards_first
    from test_browser import SHOT_DIR, Monitor, assert_page_is_clean, settle, wait_for_visuals
    from test_meeting_browser import _click_row, chromium, fresh_server

    with fresh_server(sample_store_file, tmp_path) as server, chromium({"width": 1600, "height": 1000}) as browser:
        frame = LedgerStore(server.db).ledger_as_of(AS_OF, batch_years=[2022])
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(server.url, timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"plotly": 3, "deck": 1, "table": 2})
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / "40_zonglan_gauges.png"))
        gauges = page.locator(".js-plotly-plot").first
        gauges.scroll_into_view_if_needed()
        names = page.evaluate("() => document.querySelector('.js-plotly-plot').data"
                              ".filter(t => t.type === 'indicator').map(t => t.name)")
        cells = page.evaluate("""() => [...document.querySelector('.js-plotly-plot')
            .querySelectorAll('g.indicatorlayer g.trace')].map(g => { const r = g.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2]; })""")
        assert len(cells) == 10 and names == list(laggards_first(district_progress(frame, AS_OF))["district"])
        district = names[3]
        page.mouse.move(*cells[3])
        time.sleep(0.4)
        assert gauges.locator(".hoverlayer").text_content() == f"点击查看{district}"
        page.mouse.click(*cells[3])
        page.get_by_role("heading", name="区市 · 分区调度").wait_for(timeout=60_000)
        settle(page)
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert f"1个区市台账 · {int((frame['district'] == district).sum())}个小区 · 2022年度 · {district}" in main
        assert f"{district}开工率" in main
        assert "batch=2022" in page.url and "date=2022-05-31" in page.url
        wait_for_visuals(page, {"plotly": 2, "table": 2})
        page.screenshot(path=str(SHOT_DIR / "41_qushi_after_gauge.png"))

        page.locator('[data-testid="stSidebarNavLink"]', has_text="本周变化").click()
        page.get_by_role("heading", name="本周变化 · 两期对比").wait_for(timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"table": 4})
        assert "2022年5月20日 → 2022年5月31日" in page.locator('[data-testid="stMain"]').inner_text()
        done = completed_this_week(frame, LedgerStore(server.db).ledger_as_of("2022-05-20", batch_years=[2022]))
        name = done["name"].iloc[1]
        _click_row(page, page.locator('[data-testid="stDataFrame"]').nth(1), 1)     # 新完工小区, its second row
        settle(page)
        heading = page.locator("h5", has_text=" · 基本情况")
        heading.wait_for(timeout=60_000)
        assert heading.inner_text().strip() == f"{name} · 基本情况"
        page.locator(".js-plotly-plot", has_text=f"{name} · 项目节点计划与实际").wait_for(timeout=60_000)
        heading.scroll_into_view_if_needed()
        page.mouse.wheel(0, 300)
        time.sleep(1.0)
        page.screenshot(path=str(SHOT_DIR / "42_bianhua_after_row.png"))
        assert_page_is_clean(page, monitor, "drill-down by gauge and by row")
