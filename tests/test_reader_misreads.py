"""Ledgers the reader misread (issue 9 §4), each class as a general rule on a tiny ledger."""
from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders.reader import read_ledger  # noqa: E402

HEAD = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）", "实际开工时间"]


def _row(cid, *, households=300, planned=500, completed=100, start=datetime(2023, 4, 1), name=None):
    return [cid, name or f"小区{cid}", "市北区", 2023, households, planned, completed, start]


def _read(tmp_path, rows, head=HEAD, title="截至2023年6月30日", name="市北区.xlsx", **kw):
    return read_ledger(lb.write_xlsx(tmp_path / name, {"市北区": [[title], head, *rows]}), **kw)


@pytest.mark.parametrize("unit, factor", [("万元", 1.0), ("元", 1e-4)])
def test_group_header_with_the_unit_above_the_field_names(tmp_path, unit, factor):
    """投资（万元） over 总投资 | 已完成: the lower labels name the fields, the upper one gives their unit."""
    h1 = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", f"投资（{unit}）", None, "实际开工时间"]
    h2 = [None, None, None, None, None, "总投资", "已完成", None]
    rows = [_row("A1", planned=500 / factor, completed=100 / factor), _row("A2", planned=400 / factor, completed=0)]
    p = lb.write_xlsx(tmp_path / "g.xlsx", {"市北区": [["截至2023年6月30日"], h1, h2, *rows]},
                      merges={"市北区": ["F2:G2"]})
    r = read_ledger(p)
    assert r.errors == []
    assert r.frame["planned_investment_wan"].tolist() == [500.0, 400.0]
    assert r.frame["completed_investment_wan"].tolist() == [100.0, 0.0]


def test_ids_equal_after_width_normalisation_are_duplicates(tmp_path):
    r = _read(tmp_path, [_row("SB-001"), _row("ＳＢ－００１"), _row("SB-002")])
    assert [(e.row, e.value, e.message) for e in r.errors] == [
        (4, "ＳＢ－００１", "小区编号重复：与工作表「市北区」第3行的「SB-001」相同（仅全角/半角或空格写法不同），每个小区只能填报一行。")]


def test_blank_template_is_an_error(tmp_path):
    r = _read(tmp_path, [])
    assert not r.ok and len(r.frame) == 0
    assert [(e.sheet, e.row) for e in r.errors] == [("市北区", 2)]
    assert r.errors[0].message.startswith("文件中没有任何小区数据（只有表头")


def test_long_layout_is_refused_clearly(tmp_path):
    head = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）", "节点", "完成时间"]
    rows = [[cid, f"小区{cid}", "市北区", 2023, 300, 500, 100, node, datetime(2023, 1, k + 1)]
            for cid in ("A1", "A2", "A3") for k, node in enumerate(["摸底排查", "意愿征求", "方案设计", "开工"])]
    r = _read(tmp_path, rows, head=head)
    assert len(r.frame) == 0 and len(r.errors) == 1
    e = r.errors[0]
    assert (e.sheet, e.row, e.column) == ("市北区", 2, "节点")
    assert e.message.startswith("该表每个小区占多行、每行一个节点（“节点”列为节点名称），系统要求每个小区一行")


@pytest.mark.parametrize("written, expected", [
    ("2023。4。20", date(2023, 4, 20)), ("2023。4。20。", date(2023, 4, 20)),
    ("2023年4月上旬", date(2023, 4, 10)), ("2023年4月中旬", date(2023, 4, 20)), ("2023年4月下旬", date(2023, 4, 30)),
])
def test_dates_with_ideographic_stops_and_thirds_of_a_month(tmp_path, written, expected):
    r = _read(tmp_path, [_row("A1", start=written)])
    assert r.errors == []
    assert r.frame["actual_start"].iloc[0].date() == expected


def test_a_third_of_a_month_after_the_report_date_is_capped_as_a_month_is(tmp_path):
    r = _read(tmp_path, [_row("A1", start="2023年6月下旬")], title="截至2023年6月25日")
    assert r.errors == [] and r.frame["actual_start"].iloc[0].date() == date(2023, 6, 25)


@pytest.mark.parametrize("written", ["约300户", "300余户", "300多户", "300户左右", "近300户", "约300"])
def test_approximate_households_are_read_with_a_warning_naming_the_row(tmp_path, written):
    r = _read(tmp_path, [_row("A1"), _row("A2", households=written)])
    assert r.errors == [] and r.frame["households"].tolist() == [300, 300]
    w = [(w.row, w.column, w.value, w.message) for w in r.warnings if "约数" in w.message]
    assert w == [(4, "户数", written, "户数填写的是约数，已按300读取；请填写准确的数字。")]


def test_ids_in_scientific_notation_say_what_happened(tmp_path):
    rows = [["序号", *HEAD]] + [[1, *_row("3.70212E+11")], [2, *_row("370212000002")]]
    p = lb.write_csv(tmp_path / "市北区.csv", [["截至2023年6月30日"], *rows])
    r = read_ledger(p)
    e = [(e.row, e.value) for e in r.errors if "科学计数法" in e.message]
    assert e == [(3, "3.70212E+11")]
    assert "原编号已无法还原" in r.errors[0].message


def test_impossible_report_date_says_why(tmp_path):
    r = _read(tmp_path, [_row("A1")], title="截至2023年6月31日")
    assert [(e.row, e.value, e.message) for e in r.errors] == [
        (1, "截至2023年6月31日", "标题中的截至日期不是有效日期（2023年6月没有31日）。")]
