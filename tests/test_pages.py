"""Every dashboard page through Streamlit's AppTest, on the sample history (conftest's `sample_db`).

Values are checked against the same metric functions the pages call, read back from what the page sent:
gauge values from the plotly spec, map points from the deck JSON, rows from the dataframes.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from auth_support import city_login

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard.py"
AS_OF = "2022-05-31"
PAGES = {  # page file -> a heading only that page shows
    "views/overview.py": "## 总览 · 周调度",
    "views/changes.py": "## 本周变化 · 两期对比",
    "views/stages.py": "## 阶段 · 项目节点进度",
    "views/map.py": "## 地图 · 小区改造状态",
    "views/district.py": "## 区市 · 分区调度",
    "views/investment.py": "## 投资 · 完成情况",
    "views/ledger.py": "## 台账 · 明细与导入",
    "views/bulletin.py": "## 通报 · 工作动态周通报",   # the bulletin's own tests check its content
}


# The sample store is the shared session fixture `sample_db` (tests/conftest.py).


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def db(sample_db, monkeypatch) -> Path:
    monkeypatch.setenv("LEDGER_DB", str(sample_db))
    return sample_db


@pytest.fixture(scope="session")
def sample_ledger(sample_db):
    from loaders.store import LedgerStore

    return LedgerStore(sample_db).ledger_as_of(AS_OF, batch_years=[2022])


# ----------------------------------------------------------------------------------------------- helpers
def open_app(page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    from ui.layout import ERROR_MESSAGE

    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if e.value.startswith(ERROR_MESSAGE)]


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _values(v):
    """Plotly 6+ may ship arrays as {"dtype": ..., "bdata": base64}."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def gauges(at: AppTest) -> dict[str, float]:
    return {t["name"]: t["value"] for fig in figures(at) for t in fig["data"] if t.get("type") == "indicator"}


def deck_points(at: AppTest, index: int = 0) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[index].proto.json)
    layer = next(layer for layer in spec["layers"] if layer.get("id") == "communities")
    return layer["data"]


TABLES = {  # st.dataframe elements carry no key in AppTest: each table is known by a header only it has
    "ranking": "开工率排名", "investment": "完成率", "alerts": "逾期天数", "communities": "小区编号",
    "history": "快照编号",
}


def dataframe(at: AppTest, table: str) -> pd.DataFrame:
    """The frame shown by the page's table of this kind."""
    for element in at.dataframe:
        if TABLES[table] in element.value.columns:
            return element.value
    raise AssertionError(f"no {table} table: {[list(e.value.columns)[:4] for e in at.dataframe]}")


def address(at: AppTest, key: str) -> list[str]:
    """A query parameter of the page address as a list (AppTest gives a lone value as a string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def metric(at: AppTest, label_start: str):
    return next(m for m in at.metric if m.label.startswith(label_start))


# ------------------------------------------------------------------------------------------------- smoke
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_and_shows_its_own_heading(db, page):
    at = open_app(page)
    texts = markdown(at)
    assert PAGES[page] in texts
    for other, heading in PAGES.items():
        if other != page:
            assert heading not in texts
    # the district page's data line names the district it shows (the first one: 市南区)
    line = "1个区市台账 · 30个小区 · 2022年度 · 市南区" if page == "views/district.py" else "10个区市台账 · 318个小区"
    assert any(c.value.startswith(f"数据截至2022年5月31日 · {line}") for c in at.caption)


def test_switching_pages_in_one_session_keeps_the_filters(db):
    at = open_app()
    at.sidebar.multiselect(key="district").set_value(["市北区"]).run()
    for page, heading in PAGES.items():
        at.switch_page(page)
        at.run()
        assert_clean(at)
        assert heading in markdown(at)
        assert at.sidebar.multiselect(key="district").value == ["市北区"]
        assert any("1个区市台账 · 75个小区" in c.value for c in at.caption)


# ----------------------------------------------------------------------------------------------- overview
def test_overview_cards_show_the_2022_batch_as_of_may_31(db, sample_ledger):
    at = open_app()
    assert metric(at, "计划改造小区").value == "318个"
    assert metric(at, "已开工小区").value == "300个"
    assert metric(at, "开工率（按小区）").value == "94.3%"
    assert "较上周（2022年5月24日）" in " ".join(c.value for c in at.caption)
    week = __import__("loaders.store", fromlist=["LedgerStore"]).LedgerStore(db).ledger_as_of("2022-05-24", [2022])
    from metrics.headline import headline

    assert metric(at, "已开工小区").delta == f"本周新开工{headline(sample_ledger, week).new_started}个"


def test_overview_gauges_equal_the_district_rates_laggards_first(db, sample_ledger):
    from metrics.numbers import round_half_up
    from metrics.progress import district_progress, laggards_first

    at = open_app()
    progress = laggards_first(district_progress(sample_ledger, AS_OF))
    shown = gauges(at)
    assert list(shown) == progress["district"].tolist()
    assert shown == {d: round_half_up(r, 1) for d, r in zip(progress["district"], progress["start_rate"])}
    titles = {t["name"]: t["title"]["text"] for fig in figures(at) for t in fig["data"] if t.get("type") == "indicator"}
    assert "已开工13个/计划20个" in titles["平度市"]     # what the meeting reads under each gauge


def test_the_lights_of_the_ranking_and_the_alerts_are_coloured_pills(db, sample_ledger):
    """红/黄/绿 cells are drawn by the grid as pills in the figures' colours (no Styler), one light per row."""
    from metrics.progress import district_progress
    from metrics.status import LIGHT_COLORS

    at = open_app()
    pills = {"type": "multiselect", "options": [{"value": k, "color": c} for k, c in LIGHT_COLORS.items()]}
    for kind in ("ranking", "alerts"):
        element = next(e for e in at.dataframe if TABLES[kind] in e.value.columns)
        assert json.loads(element.proto.columns)["预警"]["type_config"] == pills
    ranking = dataframe(at, "ranking")
    progress = district_progress(sample_ledger, AS_OF)
    lights = dict(zip(progress["district"], progress["light"]))
    assert {d: list(v) for d, v in zip(ranking["区市"], ranking["预警"])} == {d: [light] for d, light in lights.items()}
    assert list(dataframe(at, "alerts")["预警"].iloc[0]) == ["红"]      # the most overdue node first


def test_overview_trend_passes_7_0_yi_at_april_30_against_1_2_a_year_earlier(db):
    at = open_app()
    trend = next(fig for fig in figures(at) if any("累计完成投资" in (t.get("name") or "") for t in fig["data"]))
    current = next(t for t in trend["data"] if t["name"] == "2022年度累计完成投资")
    previous = next(t for t in trend["data"] if "上年同期" in t["name"])
    x = [str(v)[:10] for v in _values(current["x"])]
    i = x.index("2022-04-30")
    assert f"{_values(current['y'])[i]:.1f}" == "7.0"
    assert f"{_values(previous['y'])[[str(v)[:10] for v in _values(previous['x'])].index('2022-04-30')]:.1f}" == "1.2"


def test_overview_tables_and_map_follow_the_district_filter(db, sample_ledger):
    at = open_app()
    assert len(dataframe(at, "ranking")) == 10
    assert len(deck_points(at)) == sample_ledger[["lon", "lat"]].dropna().shape[0] == 318
    at.sidebar.multiselect(key="district").set_value(["市北区", "平度市"]).run()
    assert_clean(at)
    ranking = dataframe(at, "ranking")
    assert sorted(ranking["区市"]) == ["市北区", "平度市"]
    chosen = sample_ledger[sample_ledger["district"].isin(["市北区", "平度市"])]
    assert len(deck_points(at)) == len(chosen) == 95
    assert set(gauges(at)) == {"市北区", "平度市"}
    assert metric(at, "计划改造小区").value == f"{len(chosen)}个"
    alerts = dataframe(at, "alerts")
    assert set(alerts["区市"]) <= {"市北区", "平度市"}


def test_the_address_reopens_the_same_view(db):
    at = open_app(query={"district": "市北区", "batch": "2022", "date": "2022-05-27"})
    assert any(c.value.startswith("数据截至2022年5月27日 · 1个区市台账") for c in at.caption)
    assert at.sidebar.multiselect(key="district").value == ["市北区"]
    assert at.sidebar.selectbox(key="date").value == "2022-05-27"
    assert address(at, "date") == ["2022-05-27"] and address(at, "batch") == ["2022"]


def test_batch_and_date_are_always_written_to_the_address(db):
    at = open_app()
    assert address(at, "batch") == ["2022"]
    assert address(at, "date") == [AS_OF]
    at.sidebar.multiselect(key="batch").set_value([2021, 2022]).run()
    assert address(at, "batch") == ["2021", "2022"]


# ---------------------------------------------------------------------------------------------------- map
def test_map_points_follow_the_page_filters(db, sample_ledger):
    from metrics.status import status_group

    at = open_app("views/map.py")
    assert len(deck_points(at)) == 318
    at.multiselect(key="map_status").set_value(["施工中"]).run()
    assert_clean(at)
    expected = int((status_group(sample_ledger["node_reached"]).astype(str) == "施工中").sum())
    assert len(deck_points(at)) == expected
    at.multiselect(key="map_district").set_value(["市北区"]).run()
    both = sample_ledger[(status_group(sample_ledger["node_reached"]).astype(str) == "施工中").to_numpy()
                         & (sample_ledger["district"] == "市北区").to_numpy()]
    assert len(deck_points(at)) == len(both)
    assert f"地图显示{len(both):,}个小区" in " ".join(c.value for c in at.caption)


def test_map_has_no_basemap_and_a_chinese_legend(db):
    at = open_app("views/map.py")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    # Streamlit substitutes a Carto style when mapStyle is missing; pydeck's sentinel keeps it off.
    assert spec.get("mapStyle") == "__MAP_STYLE__"
    assert "mapProvider" not in spec or spec["mapProvider"] in (None, "")
    assert not any(layer.get("@@type") == "BitmapLayer" for layer in spec["layers"])
    assert any("小区状态：" in m and "施工中" in m and "未启动" in m for m in markdown(at))
    at.toggle(key="map_choropleth").set_value(True).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "district-start-rate" in [layer.get("id") for layer in spec["layers"]]
    assert any("区市开工率：" in m for m in markdown(at))


# ------------------------------------------------------------------------------------------------ district
def test_district_page_shows_one_district(db, sample_ledger):
    from metrics.numbers import round_half_up
    from metrics.progress import district_progress

    at = open_app("views/district.py", query={"focus_district": "平度市"})
    one = sample_ledger[sample_ledger["district"] == "平度市"]
    rate = district_progress(one, AS_OF)["start_rate"].iloc[0]
    assert gauges(at) == {"平度市": round_half_up(rate, 1)}
    assert len(dataframe(at, "communities")) == len(one) == 20
    alerts = dataframe(at, "alerts")
    assert set(alerts["区市"]) == {"平度市"}
    assert list(alerts["预警"].iloc[0]) == ["红"]
    from figures.timeline import node_timeline

    expected = {str(y) for t in node_timeline(one, AS_OF, title=None).data for y in (() if t.y is None else t.y)}
    assert "东阁新村" in expected                      # the rows are 平度市's communities
    assert any({str(y) for t in fig["data"] for y in (t.get("y") or [])} == expected for fig in figures(at))
    at.selectbox(key="focus_district").set_value("市南区").run()
    assert len(dataframe(at, "communities")) == int((sample_ledger["district"] == "市南区").sum())


# ----------------------------------------------------------------------------------------------- investment
def test_investment_page_ranks_districts_by_completed_investment(db, sample_ledger):
    from metrics.progress import district_progress

    at = open_app("views/investment.py")
    table = dataframe(at, "investment")
    progress = district_progress(sample_ledger, AS_OF).sort_values("rank_investment")
    assert table["区市"].tolist() == progress["district"].tolist()
    assert table["投资排名"].tolist() == list(range(1, 11))
    assert metric(at, "累计完成投资").value.endswith("亿元")
    assert len(figures(at)) == 4


# --------------------------------------------------------------------------------------------------- ledger
def test_ledger_table_search_and_history(db, sample_ledger):
    from loaders.store import LedgerStore

    at = open_app("views/ledger.py")
    table = dataframe(at, "communities")
    assert len(table) == 318
    assert table.columns[:3].tolist() == ["小区编号", "小区名称", "所属区市"]
    assert "计划投资（万元）" in table.columns
    at.text_input(key="ledger_search").input("崂山").run()
    assert len(dataframe(at, "communities")) == int((sample_ledger["district"] == "崂山区").sum())
    history = dataframe(at, "history")
    assert len(history) == len(LedgerStore(db).snapshots())
    assert history.columns.tolist()[:4] == ["截至日期", "区市", "改造年度", "小区数（行）"]
    assert [b.label for b in at.get("download_button")] == ["下载 Excel（打印格式）", "下载 Excel（全部列）", "下载 CSV"]


def test_streamlit_table_download_is_off():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


# ------------------------------------------------------------------------------------- errors, empty store
def test_every_query_of_the_as_of_state_gets_a_frame_of_its_own_with_the_stores_values(db, sample_ledger):
    # the state is kept once per key as an Arrow table (ui.data._ledger_table) and every caller converts its own
    # frame: what one query changes in its copy is never in the next one's
    from ui import data

    args = (data.version(), AS_OF, (2022,))
    first = data.ledger(*args)
    pd.testing.assert_frame_equal(first, sample_ledger)
    first.loc[0, "households"] = -1
    first.loc[0, "planned_investment_wan"] = -1.0
    first.loc[0, "plan_start"] = pd.Timestamp("2000-01-01")
    first.loc[0, "node_reached"] = 99
    first.loc[0, "name"] = "改过的名称"
    again = data.ledger(*args)
    pd.testing.assert_frame_equal(again, sample_ledger)
    assert again is not first


def test_a_failing_page_shows_a_chinese_message_with_an_incident_id_not_a_traceback(db, monkeypatch, incident_log):
    import re

    from ui import data
    from ui.layout import ERROR_MESSAGE

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "alerts", broken)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception
    shown = [e.value for e in at.error if e.value.startswith(ERROR_MESSAGE)]
    assert len(shown) == 1 and not any("boom" in e.value or "Traceback" in e.value for e in at.error)
    incident = re.search(r"（错误编号 (E\d{8}-\d{6}-[0-9a-f]{4})）", shown[0]).group(1)
    log = (incident_log / "incidents.log").read_text(encoding="utf-8")
    entry = log[log.index(f"=== {incident} "):]
    assert "dashboard page" in entry.splitlines()[0] and "RuntimeError: boom" in entry


def test_empty_store_invites_an_upload(tmp_path, monkeypatch):
    from loaders.store import LedgerStore
    from ui.layout import EMPTY_STORE

    empty = LedgerStore(tmp_path / "empty.sqlite")
    monkeypatch.setenv("LEDGER_DB", str(empty.path))
    for page in PAGES:
        at = open_app(page)
        assert EMPTY_STORE in [i.value for i in at.info]
    at = open_app("views/ledger.py")
    assert len(at.get("file_uploader")) == 0           # uploading needs a login (tests/test_auth_pages.py)
    city_login(at, empty)
    assert len(at.get("file_uploader")) == 1


def test_upload_form_starts_empty_after_an_import(tmp_path, monkeypatch):
    """A date typed for a file without one is used for that file only: the next upload is read with its own
    截至 date, not refused for disagreeing with the last file's."""
    import sys
    from datetime import date

    from loaders.store import LedgerStore

    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    import ledger_builders as lb

    store = LedgerStore(tmp_path / "upload.sqlite")
    monkeypatch.setenv("LEDGER_DB", str(store.path))
    undated = lb.write_xlsx(tmp_path / "市北区.xlsx", {"市北区": lb.standard_sheet(title=False)})
    dated = lb.write_xlsx(tmp_path / "市南区.xlsx", {"市南区": lb.standard_sheet(
        [lb.row(1, "SN-1", "八大峡小区", "市南区", lon=None, lat=None)])})     # 截至2023年6月30日 in its title
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def stored() -> list[tuple]:
        snaps = store.snapshots()
        return sorted(zip(snaps["district"], pd.to_datetime(snaps["report_date"]).dt.strftime("%Y-%m-%d")))
    at = city_login(open_app("views/ledger.py"), store)
    at.file_uploader[0].set_value((undated.name, undated.read_bytes(), xlsx)).run()
    assert any("不能导入" in e.value for e in at.error) and store.snapshots().empty
    at.date_input(key="upload_report_date_0").set_value(date(2023, 6, 23)).run()
    at.button(key="upload_confirm").click().run()
    assert stored() == [("市北区", "2023-06-23")]
    assert at.date_input(key="upload_report_date_1").value is None
    at.file_uploader[0].set_value((dated.name, dated.read_bytes(), xlsx)).run()
    assert not at.error
    at.button(key="upload_confirm").click().run()
    assert stored() == [("市北区", "2023-06-23"), ("市南区", "2023-06-30")]


# ------------------------------------------------------------------------------------------------ escaping
def test_hostile_community_names_reach_the_map_escaped(tmp_path, monkeypatch):
    from loaders.report import LedgerResult
    from loaders.schema import conform
    from loaders.store import LedgerStore

    hostile = "<img src=x onerror=alert(1)>"
    frame = conform(pd.DataFrame({
        "community_id": ["SB-1", "SB-2"], "name": [hostile, "台东小区"], "district": ["市北区", "市北区"],
        "street": ["<b>街道</b>", "台东街道"], "batch_year": [2022, 2022], "households": [100, 200],
        "planned_investment_wan": [100.0, 200.0], "completed_investment_wan": [10.0, 0.0],
        "plan_start": pd.to_datetime(["2022-05-01", "2022-06-01"]), "node_reached": [5, 0],
        "status": ["招投标", "未启动"], "lon": [120.37, 120.38], "lat": [36.09, 36.10],
    }))
    store = LedgerStore(tmp_path / "tiny.sqlite")
    store.import_result(LedgerResult(frame, pd.Timestamp(AS_OF).date(), "tiny.csv"))
    monkeypatch.setenv("LEDGER_DB", str(store.path))
    at = open_app("views/map.py")
    points = deck_points(at)
    # The tooltip is plain text shown with innerText (figures.map): the name as written, never HTML.
    lines = sorted(p["tooltip"].splitlines()[0] for p in points)
    assert lines == sorted([hostile, "台东小区"])
    assert json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["text"] == "{tooltip}"
    at = open_app("views/ledger.py")
    assert hostile in dataframe(at, "communities")["小区名称"].tolist()  # the grid shows text, never HTML


def test_no_pages_folder_beside_the_entry_file():
    """A pages/ folder beside dashboard.py puts the first session after a server start into Streamlit's older
    pages-directory mode: a bookmarked link shows "Page not found" and the sidebar flashes the file names
    (tests/test_meeting_browser.py shows it in a browser). Page files live in views/."""
    assert not (ROOT / "pages").exists(), "move the page files to views/ (see dashboard.py)"
    assert (ROOT / "views" / "overview.py").exists()


def test_the_overview_computes_the_district_progress_once_and_last_weeks_ranks_from_the_sums(db, monkeypatch):
    """The data line, the gauges, the ranking and the investment bars ask for the same progress: one computation
    from the rows, however each asks (with or without by_city); last week's ranks come from the sums kept with
    the snapshots, and the ranking still shows how each district moved."""
    import metrics.progress

    weeks = []
    original = metrics.progress.district_progress

    def counted(frame, as_of, *args, **kwargs):
        weeks.append(str(as_of))
        return original(frame, as_of, *args, **kwargs)

    monkeypatch.setattr(metrics.progress, "district_progress", counted)
    at = open_app()
    assert weeks == [AS_OF]
    from loaders.store import LedgerStore
    from metrics.numbers import fmt_rank_change

    store = LedgerStore(db)
    rank = {as_of: original(store.ledger_as_of(as_of, batch_years=[2022]), as_of).set_index("district")["rank_start"]
            for as_of in (AS_OF, "2022-05-24")}
    ranking = dataframe(at, "ranking")
    expected = [fmt_rank_change(rank["2022-05-24"][d] - rank[AS_OF][d]) for d in ranking["区市"]]
    assert list(ranking["名次变化"]) == expected and len(expected) == 10
    assert any(v != fmt_rank_change(0) for v in expected)      # some district moved that week
