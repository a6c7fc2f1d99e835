import plotly.graph_objects as go
import pandas as pd
import pytest

from figures.gauges import district_gauges, gauge_value
from figures.ranking import investment_bar, start_rate_bar
from figures.theme import FONT_FAMILY, LIGHT_COLORS, template_name
from figures.timeline import node_rows, node_timeline
from figures.trends import funding_figure, investment_trend_figure, weekly_investment_figure
from metrics.numbers import round_half_up
from metrics.progress import district_progress
from metrics.trends import district_investment_series, funding_by_source, investment_trend
from test_metrics_support import ledger

RULES = {"district_schedule": {"yellow_behind": 10.0, "red_behind": 30.0}}


def _ledger():
    rows = []
    # 市南区 2/3 started (66.7%), all due -> 红? behind 33.3 -> 红
    rows += [dict(district="市南区", node=6, plan_start="2022-05-01", completed_investment_wan=500.0)] * 2
    rows += [dict(district="市南区", node=3, plan_start="2022-05-01")]
    # 市北区 3/3 started (100%) -> 绿
    rows += [dict(district="市北区", node=7, plan_start="2022-05-01", completed_investment_wan=900.0)] * 3
    # 黄岛区 4/5 (80%), 5 due -> behind 20 -> 黄
    rows += [dict(district="黄岛区", node=6, plan_start="2022-04-01")] * 4 + [dict(district="黄岛区", node=0,
                                                                              plan_start="2022-04-01")]
    return ledger(rows)


def _progress():
    return district_progress(_ledger(), "2022-05-31", RULES)


def test_gauge_values_equal_progress_rates():
    progress = _progress()
    fig = district_gauges(progress, columns=2)
    spec = fig.to_plotly_json()
    gauges = [t for t in spec["data"] if t["type"] == "indicator"]
    assert [g["name"] for g in gauges] == ["市南区", "黄岛区", "市北区"]          # 红, 黄, 绿
    expected = {d: round_half_up(r, 1) for d, r in zip(progress["district"], progress["start_rate"])}
    assert {g["name"]: g["value"] for g in gauges} == expected
    assert expected == {"市南区": 66.7, "市北区": 100.0, "黄岛区": 80.0}
    by_name = {g["name"]: g for g in gauges}
    assert by_name["市南区"]["gauge"]["bar"]["color"] == LIGHT_COLORS["红"]
    assert by_name["黄岛区"]["gauge"]["bar"]["color"] == LIGHT_COLORS["黄"]
    assert by_name["市北区"]["gauge"]["bar"]["color"] == LIGHT_COLORS["绿"]
    assert by_name["黄岛区"]["gauge"]["threshold"]["value"] == 100.0
    assert "已开工4个/计划5个" in by_name["黄岛区"]["title"]["text"]
    assert by_name["市南区"]["number"]["suffix"] == "%"
    assert by_name["市南区"]["gauge"]["axis"]["range"] == [0, 100.0]
    assert by_name["市南区"]["domain"]["x"] == [0.0, 0.475] and by_name["市北区"]["domain"]["x"][0] == 0.0
    assert "超过30个百分点" in spec["layout"]["annotations"][0]["text"]
    assert isinstance(gauges[0]["value"], float)


def test_gauge_axis_extends_past_100_and_empty():
    progress = _progress()
    progress.loc[progress["district"] == "市北区", "start_rate"] = 112.5
    fig = district_gauges(progress)
    assert fig.data[0].gauge.axis.range == (0, 120.0)
    assert gauge_value(None) == 0.0
    empty = district_gauges(_progress().iloc[0:0])
    assert len(empty.data) == 0 and empty.layout.annotations[0].text == "暂无区市数据"


def test_theme_font_stack_and_dark_variant():
    light = district_gauges(_progress())
    dark = district_gauges(_progress(), theme="dark")
    assert light.layout.template.layout.font.family == FONT_FAMILY
    assert "Noto Sans CJK SC" in FONT_FAMILY and FONT_FAMILY.endswith("sans-serif")
    assert light.layout.template.layout.paper_bgcolor == "#ffffff"
    assert dark.layout.template.layout.paper_bgcolor == "#0e1117"
    assert template_name("dark") == "ledger_dark"
    with pytest.raises(ValueError):
        district_gauges(_progress(), theme="blue")


def test_start_rate_bar():
    fig = start_rate_bar(_progress())
    bar = fig.data[0]
    # best on top: plotly lists categories bottom-up
    assert list(bar.y) == ["市南区", "黄岛区", "市北区"]
    assert list(bar.x) == [66.7, 80.0, 100.0]
    assert list(bar.text) == ["66.7%", "80.0%", "100.0%"]
    assert list(bar.marker.color) == [LIGHT_COLORS["红"], LIGHT_COLORS["黄"], LIGHT_COLORS["绿"]]
    assert fig.data[1].name == "序时进度" and list(fig.data[1].x) == [100.0, 100.0, 100.0]


def test_investment_bar():
    fig = investment_bar(_progress())
    done = fig.data[1]
    assert list(done.y) == ["黄岛区", "市南区", "市北区"]
    assert list(done.x) == [0.0, 1000.0, 2700.0]
    assert list(done.text) == ["0.0万元", "1,000.0万元", "2,700.0万元"]
    assert fig.data[0].name == "计划投资"


def _totals():
    rows = [("2021-04-30", "市南区", 2021, 12000.0, 90000.0),
            ("2022-04-23", "市南区", 2022, 60000.0, 150000.0),
            ("2022-04-30", "市南区", 2022, 70000.0, 150000.0)]
    t = pd.DataFrame(rows, columns=["report_date", "district", "batch_year", "completed_investment_wan",
                                    "planned_investment_wan"])
    t["report_date"] = pd.to_datetime(t["report_date"])
    return t


def test_investment_trend_figure():
    fig = investment_trend_figure(investment_trend(_totals(), 2022))
    names = [t.name for t in fig.data]
    assert names == ["计划投资", "2021年度（上年同期）", "2022年度累计完成投资"]
    current = fig.data[2]
    assert list(current.y) == [6.0, 7.0]                      # 亿元 on the axis
    assert list(current.text) == ["6.0亿元", "7.0亿元"]
    assert list(fig.data[1].y) == [None, 1.2]                 # nothing a year before 04-23
    assert fig.data[1].line.dash == "dash"
    assert fig.layout.annotations[0].text.startswith("7.0亿元")
    assert "上年同期1.2亿元" in fig.layout.annotations[0].text
    assert fig.layout.yaxis.title.text == "亿元"
    assert investment_trend_figure(investment_trend(_totals(), 2030)).layout.annotations[0].text == "暂无投资数据"


def test_weekly_and_funding_figures():
    fig = weekly_investment_figure(district_investment_series(_totals(), 2022))
    assert [t.name for t in fig.data] == ["市南区"] and list(fig.data[0].y) == [10000.0]
    funding = funding_by_source(ledger([dict(district="市南区", fund_central_wan=3.0, fund_local_wan=2.0)]))
    ff = funding_figure(funding)
    assert [t.name for t in ff.data] == ["中央补助资金", "市区财政资金"]
    assert list(ff.data[0].x) == [3.0]
    assert funding_figure(funding_by_source(ledger([dict(district="市南区")]))).layout.annotations[0].text == "台账未填报资金来源"


def test_node_timeline_marks_late_nodes():
    f = ledger([
        dict(name="<b>甲</b>", district="市南区", node=6, plan_survey="2022-01-01", actual_survey="2022-01-01",
             plan_start="2022-03-01", actual_start="2022-03-15", plan_completion="2022-05-01"),
        dict(name="乙", district="市南区", node=1, plan_survey="2022-01-10", actual_survey="2022-01-05",
             plan_consultation="2022-08-01"),
    ])
    rows = node_rows(f, "2022-05-31").set_index(["label", "node"])
    assert rows.loc[("&lt;b&gt;甲&lt;/b&gt;", "开工"), "days_late"] == 14
    assert rows.loc[("&lt;b&gt;甲&lt;/b&gt;", "完工"), "days_late"] == 30         # undone, overdue
    assert not rows.loc[("乙", "摸底排查"), "late"]
    fig = node_timeline(f, "2022-05-31")
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) >= {"计划工期", "实际工期", "计划节点", "实际节点", "逾期未完成"}
    actual = by_name["实际节点"]
    red = [c for c in actual.marker.color if c == "#d62728"]
    assert len(red) == 1                                                          # 开工 done 14 days late
    assert list(by_name["逾期未完成"].y) == ["&lt;b&gt;甲&lt;/b&gt;"]
    assert list(fig.layout.yaxis.categoryarray) == ["乙", "&lt;b&gt;甲&lt;/b&gt;"]  # worst on top
    assert "延误14天" in " ".join(actual.text)
    assert node_timeline(ledger([]), "2022-05-31").layout.annotations[0].text == "暂无小区"
    # without as_of: the frame's report date
    dated = f.assign(report_date=pd.Timestamp("2022-05-31"))
    assert [t.name for t in node_timeline(dated).data] == [t.name for t in fig.data]
    assert node_timeline(dated).layout.annotations[0].text == "截至2022年5月31日"


@pytest.mark.parametrize("count", [10, 16, 31])
def test_a_provinces_gauges_fit_the_big_screen_without_overlapping(count):
    """31 provinces in the big screen's rows of gauges: plotly refuses a domain outside [0, 1] (the page failed
    at national scale), and no two cells may share a pixel."""
    from bench.bench_store import PROVINCES
    from ui.bigscreen import gauge_grid

    names = PROVINCES[:count]
    progress = district_progress(ledger([dict(district=n, node=6 if i % 2 else 2, plan_start="2022-04-01")
                                         for i, n in enumerate(names)]), "2022-05-31", RULES)
    grid = gauge_grid(count)
    fig = district_gauges(progress, note=False, **grid)
    cells = [(g.domain.x, g.domain.y) for g in fig.data]
    assert sorted(g.name for g in fig.data) == sorted(names)
    assert all(0 <= v <= 1 for x, y in cells for v in (*x, *y))
    assert all(x[1] > x[0] and y[1] > y[0] for x, y in cells)
    rows = sorted({y for _, y in cells}, reverse=True)
    assert len(rows) == (2 if count <= 10 else 3)
    assert all(upper[0] > lower[1] for upper, lower in zip(rows, rows[1:]))     # a gap for the next row's names
    for row in rows:
        xs = sorted(x for x, y in cells if y == row)
        assert all(left[1] < right[0] for left, right in zip(xs, xs[1:]))
