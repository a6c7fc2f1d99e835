"""A district whose figures come from an older ledger is marked wherever its figures are shown (数据截至5月20日):
the pure rule, the figure builders, and the pages on the sample (莱西市's last ledger is of 2022-05-20)."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd

from metrics import reporting
from test_pages import db, figures, fresh_caches, open_app  # noqa: F401

LAIXI = "数据截至5月20日"


def _selected(*rows):
    return pd.DataFrame([{"snapshot_id": i, "district": d, "batch_year": y, "report_date": date.fromisoformat(r)}
                         for i, (d, y, r) in enumerate(rows, 1)])


def test_the_newest_ledger_of_a_district_decides_whether_its_figures_are_older_than_the_date():
    selected = _selected(("市南区", 2022, "2022-05-31"), ("市南区", 2023, "2021-09-30"),   # a later batch's plan
                         ("莱西市", 2022, "2022-05-20"), ("莱西市", 2023, "2021-09-30"),
                         ("即墨区", 2022, "2022-05-27"))
    assert reporting.older_ledger_notes(selected, date(2022, 5, 31)) == {"莱西市": "数据截至5月20日",
                                                                         "即墨区": "数据截至5月27日"}
    assert reporting.older_ledger_notes(selected, date(2022, 5, 27)) == {"莱西市": "数据截至5月20日"}
    assert reporting.older_ledger_notes(selected.iloc[0:0], date(2022, 5, 31)) == {}


def _progress():
    return pd.DataFrame({"district": ["市南区", "莱西市"], "planned": [30, 20], "started": [28, 19],
                         "start_rate": [93.3, 95.0], "schedule_rate": [90.0, 90.0], "light": ["绿", "绿"],
                         "rank_start": [2, 1], "rank_investment": [1, 2], "household_start_rate": [90.0, 91.0],
                         "behind_points": [-3.3, -5.0], "completed": [3, 2], "completed_investment_wan": [10.0, 5.0],
                         "planned_investment_wan": [100.0, 50.0]})


def test_the_builders_mark_only_the_noted_district():
    from figures.gauges import district_gauges
    from figures.ranking import investment_bar, start_rate_bar
    from ui.bigscreen import laggards_html
    from ui.tables import ranking_table

    notes = {"莱西市": LAIXI}
    fig = district_gauges(_progress(), notes=notes)
    titles = {t.name: t.title.text for t in fig.data}
    assert LAIXI in titles["莱西市"].split("<br>")[2] and LAIXI not in titles["市南区"]
    assert {t.name: t.meta["data_note"] for t in fig.data} == {"莱西市": LAIXI, "市南区": ""}
    inline = {t.name: t.title.text for t in district_gauges(_progress(), notes=notes, note_inline=True).data}
    assert len(inline["莱西市"].split("<br>")) == 2 and LAIXI in inline["莱西市"].split("<br>")[1]
    for bar in (start_rate_bar(_progress(), notes=notes), investment_bar(_progress(), notes=notes)):
        assert sorted(bar.data[0].y) == ["市南区", "莱西市（数据截至5月20日）"]
    table, config = ranking_table(_progress(), notes)
    assert table.columns[1:3].tolist() == ["区市", "数据截至"]          # header and cell read 数据截至 5月20日
    assert table[["区市", "数据截至"]].values.tolist() == [["莱西市", "5月20日"], ["市南区", ""]]
    assert "数据截至" not in ranking_table(_progress())[0].columns
    html = laggards_html(_progress(), notes)
    assert html.count(LAIXI) == 1 and html.index("莱西市") < html.index(LAIXI)


def _gauge_titles(at) -> dict[str, str]:
    return {t["name"]: t["title"]["text"] for fig in figures(at) for t in fig["data"] if t.get("type") == "indicator"}


def test_the_overview_marks_laixi_on_its_gauge_and_ranking_row(db):
    at = open_app()
    titles = _gauge_titles(at)
    assert len(titles) == 10
    assert LAIXI in titles["莱西市"] and LAIXI not in titles["市南区"]
    assert [n for n, t in titles.items() if "数据截至" in t] == ["莱西市"]
    ranking = next(d.value for d in at.dataframe if "开工率排名" in d.value.columns)
    marks = dict(zip(ranking["区市"], ranking["数据截至"]))
    assert marks["莱西市"] == "5月20日" and marks["市南区"] == ""
    assert ranking.columns.get_loc("数据截至") == ranking.columns.get_loc("区市") + 1
    assert [d for d, m in marks.items() if m] == ["莱西市"]


def test_the_district_page_says_laixis_figures_are_from_an_older_ledger(db):
    at = open_app("views/district.py")
    assert not any("数据截至5月20日" in c.value for c in at.caption)          # 市南区: this week's ledger
    assert LAIXI not in _gauge_titles(at)["市南区"]
    at.selectbox(key="focus_district").set_value("莱西市").run()
    captions = [c.value for c in at.caption]
    assert "注意：莱西市的图表和数字来自旧台账，数据截至5月20日。" in captions
    assert captions.index("注意：莱西市的图表和数字来自旧台账，数据截至5月20日。") == 1   # right under the data line
    assert LAIXI in _gauge_titles(at)["莱西市"]


def test_the_big_screen_marks_laixis_gauge(db):
    at = open_app("views/bigscreen.py")
    titles = _gauge_titles(at)
    assert LAIXI in titles["莱西市"] and LAIXI not in titles["市南区"]
    spec = json.loads(next(c for c in at.get("plotly_chart") if "莱西市" in c.proto.spec).proto.spec)
    assert next(t for t in spec["data"] if t["name"] == "莱西市")["meta"]["data_note"] == LAIXI
