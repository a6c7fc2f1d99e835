"""The weekly meeting's views through AppTest on the sample history (issue 12): the three-year programme, the
stage funnel, what changed this week, the big screen. Helpers and the sample store come from test_pages."""
from __future__ import annotations

import pytest

from test_pages import (AS_OF, _values, assert_clean, dataframe, db, figures, fresh_caches, gauges, markdown,  # noqa: F401,E501
                        metric, open_app, sample_ledger)

THREE_YEARS = {"batch": ["2022", "2023", "2024"], "date": AS_OF}


def _trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def _trend(at, key_name: str = "2022—2024年度合计") -> dict:
    return next(fig for fig in figures(at) if any(t.get("name") == key_name for t in fig["data"]))


@pytest.mark.parametrize("page", ["views/overview.py", "views/investment.py"])
def test_three_batches_show_the_programme_not_the_latest_batch_alone(db, page):
    at = open_app(page, query=THREE_YEARS)
    assert "#### 2022—2024年度累计完成投资　各年度及合计，与计划投资对比（亿元）" in markdown(at)
    assert not any(m.startswith("#### 2024年度累计完成投资") for m in markdown(at))
    fig = _trend(at)
    total, plan = _trace(fig, "2022—2024年度合计"), _trace(fig, "计划投资（合计）")
    dates = [str(v)[:10] for v in _values(total["x"])]
    assert len(dates) == len(set(dates)) > 40 and dates[-1] == AS_OF
    assert f"{_values(total['y'])[-1]:.2f}" == "7.03"          # 70,339万元: all of it the 2022 batch's
    assert f"{_values(plan['y'])[-1]:.1f}" == "140.0"            # the 2022–2024 plan
    for year in (2022, 2023, 2024):
        assert len(_values(_trace(fig, f"{year}年度")["x"])) == len(dates)
    assert f"{_values(_trace(fig, '2022年度')['y'])[dates.index('2022-04-30')]:.1f}" == "7.0"


def test_the_due_soon_window_comes_from_the_configuration(db, monkeypatch):
    from loaders import config

    rules = config.warning_rules()
    monkeypatch.setattr(config, "warning_rules", lambda: {**rules, "nodes": {**rules["nodes"], "due_soon_days": 7}})
    at = open_app()
    assert "#### 节点预警　红：已逾期　黄：7天内到期" in markdown(at)
    assert any("个7天内到期节点（黄）" in c.value for c in at.caption)
    assert not any("14天" in m for m in markdown(at) + [c.value for c in at.caption])


def test_the_district_pages_data_line_names_the_district_it_shows(db):
    at = open_app("views/district.py")
    assert at.selectbox(key="focus_district").value == "市南区"
    assert at.caption[0].value == "数据截至2022年5月31日 · 1个区市台账 · 30个小区 · 2022年度 · 市南区"
    at.selectbox(key="focus_district").set_value("平度市").run()
    assert at.caption[0].value == "数据截至2022年5月31日 · 1个区市台账 · 20个小区 · 2022年度 · 平度市"


def test_charts_carry_plotlys_chinese_locale(db):
    import json

    at = open_app()
    configs = [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]
    assert configs and all(c["locale"] == "zh-CN" for c in configs)
    words = configs[0]["locales"]["zh-CN"]["dictionary"]
    assert words["Download plot as a PNG"] == "下载为PNG图片" and words["Autoscale"] == "自动缩放"


def _funnel(at, key_name: str = "已达到该节点的小区") -> dict[str, int]:
    fig = next(fig for fig in figures(at) if any(t.get("name") == key_name for t in fig["data"]))
    bar = _trace(fig, key_name)
    return dict(zip(_values(bar["y"]), _values(bar["x"])))


@pytest.mark.parametrize("page", ["views/overview.py", "views/stages.py"])
def test_the_funnel_at_the_end_of_2021_shows_273_consulted_and_216_designed(db, page):
    at = open_app(page, query={"batch": "2022", "date": "2021-12-31"})
    counts = _funnel(at)
    assert counts["意愿征求"] == 273 and counts["方案设计"] == 216
    assert counts["摸底排查"] == 283 and counts["开工"] == 0
    if page.endswith("overview.py"):       # the start rate alone says nothing before works start
        assert metric(at, "开工率（按小区）").value == "0.0%"


def test_the_stages_page_shows_the_funnel_over_time_and_by_district(db, sample_ledger):
    at = open_app("views/stages.py")
    assert _funnel(at)["开工"] == 300
    history = next(fig for fig in figures(at) if any(t.get("name") == "意愿征求" for t in fig["data"]))
    line = _trace(history, "意愿征求")
    dates = [str(v)[:10] for v in _values(line["x"])]
    assert _values(line["y"])[dates.index("2021-12-31")] == 273 and dates[-1] == AS_OF
    grid = next(fig for fig in figures(at) if fig["data"][0].get("type") == "heatmap")["data"][0]
    assert len(grid["y"]) == 10 and list(grid["x"])[:3] == ["摸底排查", "意愿征求", "方案设计"]
    pingdu = list(grid["y"]).index("平度市")
    assert grid["text"][pingdu][5].startswith("13个")          # 平度市: 13 of 20 started


def test_three_batches_show_the_programme_by_year_and_district_on_the_overview(db):
    at = open_app(query=THREE_YEARS)
    assert "#### 2022—2024年度改造计划完成情况" in markdown(at)
    sentence = next(m for m in markdown(at) if m.startswith("2022—2024年度全市计划改造老旧小区"))
    assert "1,108个、30.00万户，计划投资140.0亿元" in sentence and "已开工300个" in sentence
    table = next(d.value for d in at.dataframe if "计划小区（个）" in d.value.columns)
    assert table["年度"].tolist() == ["2022年度", "2023年度", "2024年度", "合计"]
    assert table["计划小区（个）"].tolist() == [318, 473, 317, 1108]
    assert table["户数"].iloc[-1] == 300000 and table["计划投资（万元）"].iloc[-1] == 1400000.0
    grid = next(fig for fig in figures(at) if fig["data"][0].get("type") == "heatmap"
                and "2023年度" in list(fig["data"][0]["x"]))["data"][0]
    assert list(grid["x"]) == ["2022年度", "2023年度", "2024年度", "合计"] and len(grid["y"]) == 10
    assert metric(at, "计划改造小区").value == "1,108个"
    at = open_app(query={"batch": "2022", "date": AS_OF})
    assert not any("改造计划完成情况" in m for m in markdown(at))


def test_what_changed_this_week(db, sample_ledger):
    from loaders.store import LedgerStore
    from metrics.changes import completed_this_week, started_this_week

    at = open_app("views/changes.py")
    assert at.selectbox(key="changes_before").value == "2022-05-20"     # the latest on or before 5-24
    week = LedgerStore(db).ledger_as_of("2022-05-20", batch_years=[2022])
    started = started_this_week(sample_ledger, week)
    assert len(started) > 0
    assert metric(at, "新开工小区").value == f"{len(started)}个"
    assert metric(at, "新完工小区").value == f"{len(completed_this_week(sample_ledger, week))}个"
    shown = next(d.value for d in at.dataframe if "小区编号" in d.value.columns)
    assert sorted(shown["小区编号"]) == sorted(started["community_id"])
    side = next(d.value for d in at.dataframe if "开工率（前）" in d.value.columns)
    assert len(side) == 10 and side["已开工（后）"].sum() == 300
    assert (side["已开工（后）"] - side["已开工（前）"]).sum() == len(started)
    at.selectbox(key="changes_before").set_value("2021-12-31").run()
    side = next(d.value for d in at.dataframe if "开工率（前）" in d.value.columns)
    assert side["已开工（前）"].sum() == 0


def test_the_big_screen_shows_the_meeting_figures_and_rotates_through_the_districts(db):
    at = open_app("views/bigscreen.py")
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "数据截至2022年5月31日 · 全市" in html and "300个" in html and "94.3%" in html
    assert "平度市" in html and "即墨区" in html                       # the laggards: 红 and 黄
    assert len(gauges(at)) == 10
    at.toggle(key="bigscreen_rotate").set_value(True).run()
    assert_clean(at)
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "数据截至2022年5月31日 · 市南区" in html                     # the first district, and it stays
    at.session_state["bigscreen_turned_at"] = -1e9                     # the rotation time is up
    at.run()
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "数据截至2022年5月31日 · 市北区" in html


def test_the_ranking_shows_the_rank_change_and_the_overview_names_fast_and_slow(db, sample_ledger):
    from loaders.store import LedgerStore
    from metrics.numbers import fmt_rank_change
    from metrics.progress import district_progress, ranking_change

    at = open_app()
    ranking = dataframe(at, "ranking")
    assert ranking.columns[:2].tolist() == ["开工率排名", "名次变化"]
    week = LedgerStore(db).ledger_as_of("2022-05-24", batch_years=[2022])
    expected = ranking_change(district_progress(sample_ledger, AS_OF), district_progress(week, "2022-05-24"))
    expected = expected.sort_values("rank_start")
    assert ranking["名次变化"].tolist() == [fmt_rank_change(v) for v in expected["rank_change"]]
    line = next(m for m in markdown(at) if m.startswith("**快慢对比**"))
    assert "已全部开工" in line and "平度市（65.0%）" in line


@pytest.mark.parametrize("word,column", [("已开工", "填报进度"), ("施工中", "填报进度"), ("加装电梯", "改造内容")])
def test_the_ledger_search_covers_every_visible_column(db, sample_ledger, word, column):
    from exports.tables import ledger_table

    at = open_app("views/ledger.py")
    at.text_input(key="ledger_search").input(word).run()
    shown = dataframe(at, "communities")
    expected = ledger_table(sample_ledger)
    expected = expected[expected[column].astype("string").str.contains(word, regex=False).fillna(False)]
    assert 0 < len(shown) and sorted(shown["小区编号"]) == sorted(expected["小区编号"])


def test_the_weekly_increments_of_three_batches_are_not_empty(db):
    at = open_app("views/investment.py", query=THREE_YEARS)
    bars = [fig for fig in figures(at) if fig["data"] and fig["data"][0].get("type") == "bar"
            and fig["layout"].get("barmode") == "relative"]
    assert bars and len(bars[0]["data"]) == 10



def test_the_map_can_be_saved_as_an_image(db, sample_ledger):
    import json

    at = open_app("views/map.py")
    chart = next(c for c in at.get("plotly_chart") if "老旧小区改造状态（截至2022年5月31日）" in c.proto.spec)
    spec, config = json.loads(chart.proto.spec), json.loads(chart.proto.config)
    assert config["toImageButtonOptions"]["filename"] == f"老旧小区改造地图_{AS_OF}"
    points = sum(len(_values(t["x"])) for t in spec["data"] if t.get("mode") == "markers")
    assert points == 318
    assert {t["name"] for t in spec["data"] if t.get("mode") == "markers"} <= {"未启动", "前期工作", "施工中", "已完工", "已验收"}
