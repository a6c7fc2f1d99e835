"""Reader on ledger styles that neither the other tests nor the sample data use, written the way district
office clerks write them in Excel / WPS (every fixture is built here, in tmp_path)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from loaders.reader import read_ledger

TITLE = "青岛市2022年城镇老旧小区改造项目台账"
DATED = "截至2022年5月31日"


def _xlsx(path: Path, sheets: dict, *, merges: dict | None = None, hidden_cols: dict | None = None,
          formats: dict | None = None) -> Path:
    """sheets: {name: [rows]}. Strings stay text cells (as typed with a leading apostrophe or a text-formatted
    column); datetimes are date cells. formats: {name: {"A5": "@"}} number formats per cell."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, vals in enumerate(rows, start=1):
            for c, v in enumerate(vals, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c, value=v)
                if isinstance(v, (datetime, date)):
                    cell.number_format = "yyyy/m/d"
                elif isinstance(v, str):
                    cell.number_format = "@"
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
        for col in (hidden_cols or {}).get(name, []):
            ws.column_dimensions[col].hidden = True
        for ref, fmt in (formats or {}).get(name, {}).items():
            ws[ref].number_format = fmt
    wb.save(path)
    return path


def _by_id(result):
    return result.frame.set_index("community_id")


def _msgs(issues):
    return [(i.sheet, i.row, i.column, i.value, i.message) for i in issues]


def _besides_progress(warnings):
    """Fixtures about other things often carry money but no progress column, which is itself warned about."""
    return [w for w in warnings if "没有进度信息" not in w.message]


# ----------------------------------------------------------------------------------------------- headers
def test_header_synonyms_clerks_use(tmp_path):
    """项目编号/改造小区名称/所在区/楼栋数（栋）/总户数/计划总投资（万元）/截至目前累计完成投资/开工日期/竣工日期/
    进展情况/备注 — none of them the bureau template's words."""
    header = ["序号", "项目编号", "改造小区名称", "所在区", "所在街道", "实施年度", "楼栋数（栋）", "总户数",
              "计划总投资（万元）", "截至目前累计完成投资（万元）", "计划开工日期", "开工日期", "计划完工日期", "竣工日期",
              "进展情况", "备注"]
    rows = [[TITLE], [DATED], header,
            [1, "LC-01", "九水路小区", "李沧区", "九水街道", 2022, 12, 480, 960.5, 300, datetime(2022, 3, 1),
             datetime(2022, 3, 10), datetime(2022, 10, 31), None, "已完成立项，正在施工", "含加装电梯2部"],
            [2, "LC-02", "枣山小区", "李沧", "虎山路街道", 2022, 5, 156, 280, 0, datetime(2022, 7, 1), None,
             datetime(2022, 12, 31), None, "前期手续办理中", None]]
    r = read_ledger(_xlsx(tmp_path / "李沧区.xlsx", {"李沧区": rows}))
    assert r.errors == []
    f = _by_id(r)
    assert list(f.index) == ["LC-01", "LC-02"]
    assert f.loc["LC-01", "name"] == "九水路小区"
    assert f.loc["LC-02", "district"] == "李沧区"
    assert f.loc["LC-01", "buildings"] == 12 and f.loc["LC-01", "households"] == 480
    assert f.loc["LC-01", "planned_investment_wan"] == 960.5
    assert f.loc["LC-01", "completed_investment_wan"] == 300
    assert f.loc["LC-01", "actual_start"] == pd.Timestamp("2022-03-10")
    assert f.loc["LC-01", "plan_completion"] == pd.Timestamp("2022-10-31")
    assert f.loc["LC-01", "status_text"] == "已完成立项，正在施工"
    assert f["node_reached"].tolist() == [6, 0]
    # "已完成立项，正在施工" is consistent with 开工: no status warning
    assert r.warnings == []


def test_headers_with_line_breaks_asterisks_and_notes_in_brackets(tmp_path):
    """Alt+Enter inside header cells, * marking required columns, 必填/格式 notes in brackets."""
    header = ["序号", "*小区编号", "小区名称\n（必填）", "所属\n区市", "改造\n年度", "居民户数\n（户）", "计划投资\n（万元）",
              "已完成投资额\n（万元）", "实际开工时间\n（格式：2022-01-01）", "备注"]
    rows = [["青岛市2022年老旧小区改造台账（市南区）"], ["截至2022年5月31日"], header,
            [1, "SN-1", "江苏路小区", "市南区", 2022, 210, 400, 50, datetime(2022, 4, 2), None]]
    r = read_ledger(_xlsx(tmp_path / "a.xlsx", {"市南区": rows}))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["SN-1", "name"] == "江苏路小区" and f.loc["SN-1", "households"] == 210
    assert f.loc["SN-1", "planned_investment_wan"] == 400 and f.loc["SN-1", "completed_investment_wan"] == 50
    assert f.loc["SN-1", "actual_start"] == pd.Timestamp("2022-04-02")


def test_unit_only_in_title_line_in_yuan(tmp_path):
    """单位：元 in a title line, headers without unit; text amounts with 元 / 万元 suffixes win."""
    header = ["小区编号", "小区名称", "区市", "年度", "户数", "总投资", "累计完成投资"]
    rows = [["青岛市2022年老旧小区改造项目台账"], ["填报单位：城阳区住建局", None, None, "金额单位：元", None, DATED], header,
            ["CY-1", "惜福镇小区", "城阳区", 2022, 120, 3_000_000, 1_500_000],
            ["CY-2", "棘洪滩小区", "城阳区", 2022, 80, "2,000,000元", "50万元"]]
    r = read_ledger(_xlsx(tmp_path / "b.xlsx", {"Sheet1": rows}))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["CY-1", "planned_investment_wan"] == pytest.approx(300.0)
    assert f.loc["CY-1", "completed_investment_wan"] == pytest.approx(150.0)
    assert f.loc["CY-2", "planned_investment_wan"] == pytest.approx(200.0)
    assert f.loc["CY-2", "completed_investment_wan"] == pytest.approx(50.0)


# ----------------------------------------------------------------------------------------------- values
def test_numbers_stored_as_text(tmp_path):
    """Text cells with thousands separators, full-width digits and commas, ¥, 户 / 栋 and leading apostrophes."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "楼栋数", "户数", "总投资（万元）", "累计完成投资（万元）"]
    rows = [[TITLE + "（黄岛区）"], [DATED], header,
            ["HD-1", "长江路小区", "黄岛区", "2022", "12栋", "1,280", "1,234.50", "￥600"],
            ["HD-2", "珠山小区", "黄岛区", "2022年", "'8", "３２０", "２，５００", "'0"],
            ["HD-3", "海军路小区", "黄岛区", "'2022", " 3 ", "96户", "88.8 ", "—"]]
    r = read_ledger(_xlsx(tmp_path / "c.xlsx", {"黄岛区": rows}))
    assert r.errors == []
    f = _by_id(r)
    assert f["households"].tolist() == [1280, 320, 96]
    assert f["buildings"].tolist() == [12, 8, 3]
    assert f["planned_investment_wan"].tolist() == [1234.5, 2500.0, 88.8]
    assert f["completed_investment_wan"].tolist() == [600.0, 0.0, 0.0]
    assert f["batch_year"].tolist() == [2022, 2022, 2022]


def test_ids_numbers_and_text_with_leading_zeros(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header,
            [1001, "甲小区", "崂山区", 2022, 100, 200, 0],
            ["001", "乙小区", "崂山区", 2022, 100, 200, 0],
            ["'002", "丙小区", "崂山区", 2022, 100, 200, 0],
            [370212001.0, "丁小区", "崂山区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "d.xlsx", {"崂山区": rows}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["1001", "001", "002", "370212001"]


@pytest.mark.parametrize("cell, expected", [
    ("2022-05-20 00:00:00", "2022-05-20"),
    ("2022-5-20", "2022-05-20"),
    ("44701", "2022-05-20"),                 # an Excel serial in a text-formatted cell
    ("22.5.20", "2022-05-20"),               # two-digit year with dots
    ("2022年5月20号", "2022-05-20"),
    ("2022.05.20.", "2022-05-20"),
    ("2022-05-20T08:30:00", "2022-05-20"),
    ("'2022/5/20", "2022-05-20"),
    ("2022 年 5 月 20 日", "2022-05-20"),
])
def test_actual_dates_as_text(tmp_path, cell, expected):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], header, ["JM-1", "通济小区", "即墨区", 2022, 100, 200, 0, cell]]
    r = read_ledger(_xlsx(tmp_path / "e.xlsx", {"即墨区": rows}))
    assert r.errors == []
    assert r.frame.loc[0, "actual_start"] == pd.Timestamp(expected)
    assert r.frame.loc[0, "status"] == "开工"


@pytest.mark.parametrize("cell, expected", [
    ("2022年6月底前", "2022-06-30"),
    ("2022年10月前", "2022-10-31"),
    ("2022年底", "2022-12-31"),
    ("2022年年底前", "2022-12-31"),
    ("2022年上半年", "2022-06-30"),
    ("2022年第三季度", "2022-09-30"),
])
def test_planned_dates_written_as_deadlines(tmp_path, cell, expected):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "计划完工时间"]
    rows = [[TITLE], [DATED], header, ["JZ-1", "三里河小区", "胶州市", 2022, 100, 200, 0, cell]]
    r = read_ledger(_xlsx(tmp_path / "f.xlsx", {"胶州市": rows}))
    assert r.errors == []
    assert r.frame.loc[0, "plan_completion"] == pd.Timestamp(expected)


def test_excel_error_values_are_named(tmp_path):
    """#DIV/0! left by a broken formula (cached value) in a required money column is an error naming it."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, ["PD-1", "同和小区", "平度市", 2022, 100, 200, "#DIV/0!"],
            ["PD-2", "李园小区", "平度市", 2022, 80, "#N/A", 0]]
    r = read_ledger(_xlsx(tmp_path / "g.xlsx", {"平度市": rows}))
    assert _msgs(r.errors) == [
        ("平度市", 4, "累计完成投资", "#DIV/0!", "累计完成投资应为数字（单位：万元；未完成填0或留空），无法识别。"),
        ("平度市", 5, "总投资", "#N/A", "计划投资应为数字（单位：万元），无法识别。"),
    ]


def test_plan_and_actual_groups_over_node_columns(tmp_path):
    """计划完成时间 merged over 开工 | 竣工, then 实际完成时间 over 开工 | 竣工: the upper row says planned or actual."""
    top = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资",
           "计划完成时间", None, "实际完成时间", None]
    low = [None] * 7 + ["开工", "竣工", "开工", "竣工"]
    rows = [[TITLE], [DATED], top, low,
            ["CY-1", "流亭小区", "城阳区", 2022, 100, 300, 50, datetime(2022, 4, 1), datetime(2022, 9, 30),
             datetime(2022, 4, 6), None],
            ["CY-2", "棘洪滩小区", "城阳区", 2022, 80, 200, 0, datetime(2022, 7, 1), datetime(2022, 12, 31),
             None, None]]
    merges = {"城阳区": ["H3:I3", "J3:K3"] + [f"{c}3:{c}4" for c in "ABCDEFG"]}
    r = read_ledger(_xlsx(tmp_path / "groups.xlsx", {"城阳区": rows}, merges=merges))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["CY-1", "plan_start"] == pd.Timestamp("2022-04-01")
    assert f.loc["CY-1", "plan_completion"] == pd.Timestamp("2022-09-30")
    assert f.loc["CY-1", "actual_start"] == pd.Timestamp("2022-04-06")
    assert pd.isna(f.loc["CY-2", "actual_start"])
    assert f["status"].to_dict() == {"CY-1": "开工", "CY-2": "未启动"}
    assert not [w for w in r.warnings if "含义相同" in w.message]


@pytest.mark.parametrize("money_header, title_unit", [
    ("总投资（人民币元）", None), ("总投资（元，含税）", None), ("总投资金额（元）", None),
    ("总投资", "单位：人民币元"), ("总投资", "单位：户、元"),
], ids=["renminbi-yuan", "yuan-with-note", "jine", "title-renminbi", "title-households-yuan"])
def test_money_in_yuan_written_the_ways_clerks_write_it(tmp_path, money_header, title_unit):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", money_header, "累计完成投资（万元）"]
    rows = [[TITLE], [DATED + ("　" + title_unit if title_unit else "")], header,
            ["SN-1", "八大峡小区", "市南区", 2022, 100, 5000000, 120]]
    r = read_ledger(_xlsx(tmp_path / "y.xlsx", {"市南区": rows}))
    assert r.errors == []
    assert r.frame.loc[0, "planned_investment_wan"] == pytest.approx(500.0)
    assert not [w for w in r.warnings if "每户" in w.message]


def test_amounts_implausible_for_their_unit_are_questioned(tmp_path):
    """No unit written, amounts typed in 元: read as 万元 as the rule says, and the sheet is questioned."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, ["SN-1", "八大峡小区", "市南区", 2022, 100, 5000000, 0],
            ["SN-2", "观海二路小区", "市南区", 2022, 300, 9000000, 0]]
    r = read_ledger(_xlsx(tmp_path / "y.xlsx", {"市南区": rows}))
    assert _msgs([w for w in r.warnings if "每户" in w.message]) == [
        ("市南区", 3, "总投资", "每户约40,000万元", "按此列读出的计划投资平均每户约40,000万元，明显偏大，疑为单位写错：请核对表头的单位"
                                               "（表头未写单位时按万元计算）与所填数值是否一致。")]


# ----------------------------------------------------------------------------------------------- layout
def test_instruction_sheet_with_a_sample_table_is_not_read(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    sample = [["填报说明：请按下表格式填写，金额单位为万元。"], header,
              ["SN2023001", "XX小区（示例）", "市南区", 2023, 356, 1234.5, 0]]
    real = [[TITLE], [DATED], header, ["SN-1", "八大峡小区", "市南区", 2022, 100, 300, 0]]
    r = read_ledger(_xlsx(tmp_path / "s.xlsx", {"填报说明": sample, "市南区": real}))
    assert r.frame["community_id"].tolist() == ["SN-1"]
    assert [(w.sheet, w.message) for w in r.warnings if w.sheet == "填报说明"] == [
        ("填报说明", "填报说明或示例工作表，未读取（其中的示例不计入台账）。")]


@pytest.mark.parametrize("sheet", ["填报模板", "即墨区台账（模板）", "即墨区（填报说明）"])
def test_a_filled_in_template_is_read(tmp_path, sheet):
    """Districts fill in the bureau's template and keep its sheet name; a district named in it is a district's sheet."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, ["JM-1", "潮海小区", "即墨区", 2022, 100, 300, 0]]
    r = read_ledger(_xlsx(tmp_path / "m.xlsx", {sheet: rows}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["community_id"].tolist() == ["JM-1"]


@pytest.mark.parametrize("example", [["例：SN-000", "XX小区"], ["SN-000", "八大峡小区（示例）"], ["XXX", "XX小区"],
                                     [None, "示例小区"]])
def test_example_row_in_the_ledger_is_not_a_community(tmp_path, example):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, example + ["市南区", 2022, 356, 1234.5, 0],
            ["SN-1", "八大峡小区", "市南区", 2022, 100, 300, 0]]
    r = read_ledger(_xlsx(tmp_path / "e.xlsx", {"市南区": rows}))
    assert r.errors == [] and r.frame["community_id"].tolist() == ["SN-1"]
    assert [(w.row, w.message) for w in r.warnings if "示例" in w.message] == [(4, "示例行（填报样例），不是小区，已忽略。")]


def test_two_row_header_repeated_after_a_page_break_is_not_data(tmp_path):
    top = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）", "开工时间", None]
    low = [None] * 7 + ["计划", "实际"]
    rows = [[TITLE], [DATED], top, low,
            ["LC01", "甲", "李沧区", 2022, 100, 500, 100, datetime(2022, 3, 1), datetime(2022, 3, 10)],
            top, low,
            ["LC03", "丙", "李沧区", 2022, 100, 500, 0, datetime(2022, 5, 1), datetime(2022, 5, 2)]]
    header_merges = lambda r: [f"{c}{r}:{c}{r + 1}" for c in "ABCDEFG"] + [f"H{r}:I{r}"]     # noqa: E731
    r = read_ledger(_xlsx(tmp_path / "p.xlsx", {"李沧区": rows}, merges={"李沧区": header_merges(3) + header_merges(6)}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["community_id"].tolist() == ["LC01", "LC03"]
    assert r.frame["completed_investment_wan"].tolist() == [100, 0]


def test_second_table_under_the_first_with_its_columns_in_another_order(tmp_path):
    rows = [["李沧区老旧小区改造项目台账（截至2023年6月30日）"], ["一、2022年度项目"],
            ["序号", "小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）"],
            [1, "LC001", "兴华路小区", "李沧区", 2022, 100, 300, 300],
            [2, "LC002", "永清路小区", "李沧区", 2022, 200, 400, 350],
            [], ["二、2023年度项目"],
            ["序号", "小区名称", "小区编号", "所属区市", "户数", "改造年度", "累计完成投资（万元）", "总投资（万元）"],
            [1, "虎山路小区", "LC003", "李沧区", 300, 2023, 50, 900],
            [2, "向阳路小区", "LC004", "李沧区", 40, 2023, 0, 120]]
    r = read_ledger(_xlsx(tmp_path / "stacked.xlsx", {"李沧区": rows}))
    assert r.errors == [] and _besides_progress(r.warnings) == []
    f = _by_id(r)
    assert f["households"].to_dict() == {"LC001": 100, "LC002": 200, "LC003": 300, "LC004": 40}
    assert f["planned_investment_wan"].to_dict() == {"LC001": 300, "LC002": 400, "LC003": 900, "LC004": 120}
    assert f["batch_year"].tolist() == [2022, 2022, 2023, 2023]
    assert f["source_row"].tolist() == [4, 5, 9, 10]


def test_two_tables_side_by_side_are_both_read(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [["2023年老旧小区改造台账（截至2023年6月30日）"], header + [None] + header,
            ["SN001", "八大关小区", "市南区", 2023, 100, 500, 100, None, "SB101", "台东小区", "市北区", 2023, 150, 600, 200],
            ["SN002", "湛山小区", "市南区", 2023, 120, 520, 0, None, "SB102", "辽源小区", "市北区", 2023, "abc", 610, 300]]
    r = read_ledger(_xlsx(tmp_path / "side.xlsx", {"Sheet1": rows}))
    assert _msgs(r.errors) == [("Sheet1", 4, "户数（M列）", "abc", "户数应为整数（阿拉伯数字，如356），无法识别。")]
    assert r.report_date == date(2023, 6, 30)
    assert sorted(r.frame["community_id"]) == ["SB101", "SB102", "SN001", "SN002"]
    assert r.frame.groupby("district")["planned_investment_wan"].sum().to_dict() == {"市北区": 1210, "市南区": 1020}


def test_summary_sheet_copying_the_district_sheets_is_not_counted_twice(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    south = [["SN-1", "八大峡小区", "市南区", 2022, 100, 300, 0], ["SN-2", "观海小区", "市南区", 2022, 200, 700, 0]]
    laoshan = [["LS-1", "午山小区", "崂山区", 2022, 80, 200, 0]]
    sheets = {"汇总": [[TITLE], [DATED], header] + south + laoshan,
              "市南区": [[TITLE], [DATED], header] + south, "崂山区": [[TITLE], [DATED], header] + laoshan}
    r = read_ledger(_xlsx(tmp_path / "sum.xlsx", sheets))
    assert r.errors == []
    assert sorted(r.frame["community_id"]) == ["LS-1", "SN-1", "SN-2"]
    assert [(w.sheet, w.message) for w in r.warnings] == [("汇总", "该工作表的小区与其他工作表逐行重复（汇总表），未重复计入。")]


def test_summary_sheet_without_ids_is_skipped_not_an_error(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    summary = [["汇总表"], ["小区名称", "所属区市", "户数", "总投资"], ["八大峡小区", "市南区", 100, 300]]
    south = [[TITLE], [DATED], header, ["SN-1", "八大峡小区", "市南区", 2022, 100, 300, 0]]
    r = read_ledger(_xlsx(tmp_path / "sum2.xlsx", {"汇总": summary, "市南区": south}))
    assert r.errors == [] and r.frame["community_id"].tolist() == ["SN-1"]
    assert [(w.sheet, w.message) for w in r.warnings if w.sheet == "汇总"] == [
        ("汇总", "汇总工作表，缺少「小区编号」、「改造年度」、「累计完成投资」列，未读取；小区以各区市工作表为准。")]


def test_two_district_sheets_sharing_rows_stay_duplicates(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [["SN-1", "八大峡小区", "市南区", 2022, 100, 300, 0]]
    sheets = {"市南区": [[TITLE], [DATED], header] + rows, "市南区(2)": [[TITLE], [DATED], header] + rows}
    r = read_ledger(_xlsx(tmp_path / "dup.xlsx", sheets))
    assert [(e.sheet, e.row, e.column) for e in r.errors] == [("市南区", 4, "小区编号"), ("市南区(2)", 4, "小区编号")]


def test_real_communities_with_example_like_names_are_kept(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, ["SB1", "示例路小区", "市北区", 2022, 10, 100, 0],
            ["SB2", "XX路3号院", "市北区", 2022, 10, 100, 0]]
    r = read_ledger(_xlsx(tmp_path / "names.xlsx", {"市北区": rows}))
    assert r.frame["community_id"].tolist() == ["SB1", "SB2"]
    assert not [w for w in r.warnings if "示例" in w.message]


def test_street_heading_rows_with_their_totals_are_not_communities(tmp_path):
    header = ["序号", "小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）"]
    rows = [[TITLE], [DATED], header,
            ["一", None, "辽宁路街道", None, None, 476, 2034.5, 1300],
            [1, "SB001", "延安二路小区", "市北区", 2022, 356, 1234.5, 500],
            [2, "SB002", "华阳路小区", "市北区", 2022, 120, 800, 800],
            ["二", None, "敦化路街道（1个）", "市北区", None, 200, 600, 0],
            [1, "SB003", "错埠岭三小区", "市北区", 2022, 200, 600, 0],
            ["湛山街道", None, None, None, None, None, None, None]]
    r = read_ledger(_xlsx(tmp_path / "h.xlsx", {"市北区": rows}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["SB001", "SB002", "SB003"]
    assert r.frame["street"].tolist() == ["辽宁路街道", "辽宁路街道", "敦化路街道"]     # no street column: the headings
    assert [(w.row, w.message) for w in r.warnings if "街道分组" in w.message] == [
        (4, "街道分组行（含该街道小计），不是小区，已忽略。"), (7, "街道分组行（含该街道小计），不是小区，已忽略。")]


@pytest.mark.parametrize("total_row", [
    ["合计", "—", None, None, 500, 1400, 100],
    ["合计", "/", "/", "/", 500, 1400, 100],
    ["—", "—", "合计", "—", 500, 1400, 100],
    ["—", "—", "合计", None, 500, 1400, 100],
], ids=["dash-id", "slashes", "dashes-name-total", "dashes-no-district"])
def test_total_row_with_dashes_in_empty_cells_is_skipped(tmp_path, total_row):
    """Clerks fill a 合计 row's empty cells with — or /: still a total, never a community."""
    header = ["序号", "小区编号", "小区名称", "所属区市", "户数", "计划投资（万元）", "累计完成投资（万元）"]
    rows = [[TITLE + "（崂山区）"], [DATED], header, [1, "LS801", "午山小区", "崂山区", 300, 800, 100],
            [2, "LS802", "株洲路小区", "崂山区", 200, 600, 0], total_row]
    r = read_ledger(_xlsx(tmp_path / "t.xlsx", {"崂山区": rows}), batch_year=2022)
    assert r.errors == []
    assert sorted(r.frame["community_id"]) == ["LS801", "LS802"]
    assert r.frame["households"].sum() == 500 and r.frame["planned_investment_wan"].sum() == 1400


@pytest.mark.parametrize("numbering", [
    ["甲", "乙", "丙", "丁", 1, 2, 3],
    ["栏次", "1", "2", "3", "4", "5", "6"],
    ["甲", "乙", "丙", "丁", "戊", "己", "庚"],
], ids=["letters-then-numbers", "lanci-label", "letters"])
def test_numbering_row_under_the_header_is_skipped(tmp_path, numbering):
    header = ["序号", "小区编号", "小区名称", "区市", "户数", "计划投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header, numbering, [1, "PD201", "同和小区", "平度", 300, 500, 200],
            [2, "PD202", "东阁小区", "平度", -1, 500, 0]]
    r = read_ledger(_xlsx(tmp_path / "n.xlsx", {"Sheet1": rows}), batch_year=2022)
    assert _msgs(r.errors) == [("Sheet1", 6, "户数", "-1", "户数不能为负数。")]
    assert r.frame["source_row"].tolist() == [5, 6]


def test_vertical_merges_for_district_and_street_over_many_rows(tmp_path):
    header = ["区市", "街道", "序号", "小区编号", "小区名称", "年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], header,
            ["市北区", "辽宁路街道", 1, "S1", "一小区", 2022, 100, 200, 10, datetime(2022, 4, 1)],
            [None, None, 2, "S2", "二小区", 2022, 110, 210, 0, None],
            [None, None, 3, "S3", "三小区", 2022, 120, 220, 0, None],
            [None, "即墨路街道", 4, "S4", "四小区", 2022, 130, 230, 0, None],
            [None, None, 5, "S5", "五小区", 2022, 140, 240, 0, None],
            ["李沧区", "兴城路街道", 6, "S6", "六小区", 2022, 150, 250, 0, None],
            [None, None, 7, "S7", "七小区", 2022, 160, 260, 0, None]]
    merges = {"全市": ["A4:A8", "B4:B6", "B7:B8", "A9:A10", "B9:B10"]}
    r = read_ledger(_xlsx(tmp_path / "h.xlsx", {"全市": rows}, merges=merges))
    assert r.errors == []
    f = _by_id(r)
    assert f["district"].tolist() == ["市北区"] * 5 + ["李沧区"] * 2
    assert f["street"].tolist() == ["辽宁路街道"] * 3 + ["即墨路街道"] * 2 + ["兴城路街道"] * 2


def test_notes_block_at_the_bottom_in_the_id_column(tmp_path):
    """No 序号 column: the 填表说明 block and the signature line start in the id column."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE + "（莱西市）"], [DATED], header,
            ["LX-1", "水集小区", "莱西市", 2022, 200, 300, 100],
            ["LX-2", "望城小区", "莱西市", 2022, 150, 250, 0],
            [],
            ["填表说明：1. 小区编号按全市统一编号填写；"],
            ["2. 金额单位为万元，保留两位小数；"],
            ["3. 日期格式为2022-01-01。"],
            ["注：本表由各区市住建部门每周五前报送。"],
            ["填报人：王五", None, "审核人：赵六", None, "联系电话：0532-88888888"]]
    r = read_ledger(_xlsx(tmp_path / "i.xlsx", {"莱西市": rows}, merges={"莱西市": ["A10:G10"]}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["LX-1", "LX-2"]
    assert _besides_progress(r.warnings) == []


def test_empty_column_between_data_and_hidden_columns(tmp_path):
    header = ["序号", "小区编号", None, "小区名称", "所属区市", "改造年度", "户数", "辅助列", "总投资", "累计完成投资", None,
              "经度", "纬度"]
    rows = [[TITLE], [DATED], header,
            [1, "CY-10", None, "上马小区", "城阳区", 2022, 300, "CY-10城阳区", 500, 100, None, 120.40, 36.30],
            [2, "CY-11", None, "河套小区", "城阳区", 2022, 260, "CY-11城阳区", 400, 0, None, 120.39, 36.29]]
    r = read_ledger(_xlsx(tmp_path / "j.xlsx", {"城阳区": rows}, hidden_cols={"城阳区": ["H"]}))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["CY-10", "name"] == "上马小区" and f.loc["CY-11", "planned_investment_wan"] == 400
    assert f["lon"].notna().all()


def test_summary_sheet_first_then_one_sheet_per_district(tmp_path):
    summary = [["2022年老旧小区改造项目汇总表"], ["区市", "小区个数", "户数", "总投资（万元）", "累计完成投资（万元）"],
               ["市南区", 1, 200, 300, 0], ["市北区", 2, 380, 700, 50], ["合计", 3, 580, 1000, 50]]
    header = ["序号", "小区编号", "小区名称", "所属区市", "年度", "户数", "总投资（万元）", "累计完成投资（万元）"]
    sn = [["2022年老旧小区改造项目台账（市南区）"], [DATED], header, [1, "SN-9", "八大关小区", "市南区", 2022, 200, 300, 0]]
    sb = [["2022年老旧小区改造项目台账（市北区）"], [DATED], header, [1, "SB-9", "小港小区", "市北区", 2022, 180, 300, 50],
          [2, "SB-8", "大港小区", "市北区", 2022, 200, 400, 0], ["合计", None, None, None, None, 380, 700, 50]]
    r = read_ledger(_xlsx(tmp_path / "k.xlsx", {"汇总": summary, "市南区": sn, "市北区": sb}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["SN-9", "SB-9", "SB-8"]
    assert r.report_date == date(2022, 5, 31)
    assert _msgs(_besides_progress(r.warnings)) == [("汇总", None, None, None, "未找到台账表头（应有“小区编号”“小区名称”“所属区市”“户数”“总投资”等列），"
                                                             "不是项目台账，已跳过。")]


def test_one_sheet_per_street_within_a_district(tmp_path):
    """The district only in the title, the street only in the sheet name."""
    header = ["序号", "小区编号", "小区名称", "户数", "总投资（万元）", "累计完成投资（万元）"]
    sheets = {}
    for k, street in enumerate(["辽宁路街道", "延安路街道", "登州路街道"]):
        sheets[street] = [["市北区2022年老旧小区改造项目台账"], [f"街道：{street}", None, None, DATED], header,
                          [1, f"SB-{k}1", f"{street[:2]}一小区", 100 + k, 200, 0],
                          [2, f"SB-{k}2", f"{street[:2]}二小区", 110 + k, 210, 10]]
    r = read_ledger(_xlsx(tmp_path / "l.xlsx", sheets))
    assert r.errors == []
    f = _by_id(r)
    assert len(f) == 6 and set(f["district"]) == {"市北区"} and set(f["batch_year"]) == {2022}
    assert f.loc["SB-11", "street"] == "延安路街道" and f.loc["SB-22", "street"] == "登州路街道"


def test_header_repeated_for_each_street_section(tmp_path):
    """Sections pasted one under the other, each with its street heading and its own copy of the header."""
    header = ["序号", "小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE + "（即墨区）"], [DATED],
            ["一、通济街道"], header,
            [1, "JM-01", "鹤山路小区", "即墨区", 2022, 100, 200, 0],
            ["二、环秀街道"], header,
            [1, "JM-02", "振华街小区", "即墨区", 2022, 120, 220, 10],
            [2, "JM-03", "蓝鳌路小区", "即墨区", 2022, 130, 230, 0]]
    r = read_ledger(_xlsx(tmp_path / "m.xlsx", {"即墨区": rows}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["JM-01", "JM-02", "JM-03"]
    assert r.frame["source_row"].tolist() == [5, 8, 9]


def test_both_community_and_project_name_columns(tmp_path):
    """项目名称 next to 小区名称 is the bundled project's name, not a second community name."""
    header = ["小区编号", "项目名称", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header,
            ["SN-21", "市南区2022年老旧小区改造一标段", "金门路小区", "市南区", 2022, 100, 200, 0],
            ["SN-22", "市南区2022年老旧小区改造一标段", "宁夏路小区", "市南区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "n.xlsx", {"市南区": rows}))
    assert r.errors == [] and r.warnings == []
    f = _by_id(r)
    assert f.loc["SN-21", "name"] == "金门路小区"
    assert f.loc["SN-22", "bundle"] == "市南区2022年老旧小区改造一标段"


# ----------------------------------------------------------------------------------------------- CSV / WPS
def test_gbk_csv_with_title_lines_and_notes(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["青岛市2022年城镇老旧小区改造项目台账（平度市）", "", "", "", "", "", ""])
    w.writerow(["单位：万元", "", "", "", "", DATED, ""])
    w.writerow(["序号", "小区编号", "小区名称", "户数", "计划投资", "已完成投资", "实际开工日期"])
    w.writerow(["1", "001", "红旗小区", "1,200", "2,500.5", "0", "2022/4/1"])
    w.writerow(["2", "002", "常州路小区", "300", "600", "120.0", ""])
    w.writerow(["合计", "", "", "1500", "3100.5", "120", ""])
    w.writerow(["备注：本表数据截至5月31日", "", "", "", "", "", ""])
    p = tmp_path / "平度市台账.csv"
    p.write_bytes(buf.getvalue().encode("gbk"))
    r = read_ledger(p)
    assert r.errors == []
    f = _by_id(r)
    assert list(f.index) == ["001", "002"]
    assert f.loc["001", "households"] == 1200 and f.loc["001", "planned_investment_wan"] == 2500.5
    assert f.loc["001", "district"] == "平度市" and f.loc["001", "batch_year"] == 2022
    assert f.loc["001", "actual_start"] == pd.Timestamp("2022-04-01")
    assert f["source_row"].tolist() == [4, 5]


_WPS_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheetPr/><sheetViews><sheetView workbookViewId="0"><pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" \
state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="13.5"/>
<sheetData>{rows}</sheetData>
<mergeCells count="1"><mergeCell ref="A1:H1"/></mergeCells>
<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
</worksheet>"""


def _wps_xlsx(path: Path, rows: list[list]) -> Path:
    """An .xlsx as WPS 表格 writes it: inline strings, no dimension, date serials with a custom number format,
    the WPS application name and custom properties."""
    def cell(ref, v):
        if v is None:
            return ""
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        if isinstance(v, datetime):
            serial = (v - datetime(1899, 12, 30)).days
            return f'<c r="{ref}" s="1"><v>{serial}</v></c>'
        return f'<c r="{ref}"><v>{v}</v></c>'

    xml_rows = []
    for r, vals in enumerate(rows, start=1):
        cells = "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(vals))
        xml_rows.append(f'<row r="{r}">{cells}</row>')
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{ns}/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'styles+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.custom-properties+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
        f'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/'
        'extended-properties" Target="docProps/app.xml"/><Relationship Id="rId3" Type="'
        f'{ns}/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
        "docProps/app.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="{ns}/'
        'officeDocument/2006/extended-properties"><Application>WPS 表格</Application></Properties>',
        "docProps/custom.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="{ns}/'
        'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
        '<vt:lpwstr>2052-11.1.0.12763</vt:lpwstr></property></Properties>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{ns}/spreadsheetml/'
        f'2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="崂山区" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="'
        f'{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
        f'worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{ns}/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{ns}/spreadsheetml/'
        '2006/main"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy/m/d;@"/></numFmts><fonts count="1">'
        '<font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/>'
        '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0" xfId="0"/><xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": _WPS_SHEET.format(rows="".join(xml_rows)),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_xlsx_saved_by_wps(tmp_path):
    header = ["序号", "小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）",
              "实际开工时间"]
    rows = [["崂山区2022年老旧小区改造项目台账"], [DATED], header,
            [1, "LS-1", "沙子口小区", "崂山区", 2022, 320, 640.5, 100, datetime(2022, 4, 18)],
            [2, "LS-2", "王哥庄小区", "崂山区", 2022, 210, 420, 0, None]]
    r = read_ledger(_wps_xlsx(tmp_path / "崂山区台账.xlsx", rows))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["LS-1", "actual_start"] == pd.Timestamp("2022-04-18")
    assert f.loc["LS-1", "planned_investment_wan"] == 640.5 and f.loc["LS-2", "households"] == 210
    assert f["status"].tolist() == ["开工", "未启动"]
    assert f["source_row"].tolist() == [4, 5]


def test_progress_sentences_in_a_status_column_without_dates(tmp_path):
    """目前进度 as free sentences and no actual-date column: the node comes from the words, and 已完成立项
    means 立项 (not 已完成 = completed)."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "目前进度"]
    rows = [[TITLE], [DATED], header,
            ["X-1", "甲", "市北区", 2022, 100, 200, 0, "已完成立项，待招标"],
            ["X-2", "乙", "市北区", 2022, 100, 200, 0, "已完成竣工验收"],
            ["X-3", "丙", "市北区", 2022, 100, 200, 50, "已完成招标，计划6月进场"],
            ["X-4", "丁", "市北区", 2022, 100, 200, 80, "正在施工"],
            ["X-5", "戊", "市北区", 2022, 100, 200, 0, "完成工程量的60%"],
            ["X-6", "己", "市北区", 2022, 100, 200, 0, "100%"],
            ["X-7", "庚", "市北区", 2022, 100, 200, 0, 0.8],          # a cell formatted as a percentage
            ["X-8", "辛", "市北区", 2022, 100, 200, 0, "开工准备中"],
            ["X-9", "壬", "市北区", 2022, 100, 200, 0, "暂停施工"]]
    r = read_ledger(_xlsx(tmp_path / "o.xlsx", {"市北区": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["status"].tolist() == ["立项", "验收", "招投标", "开工", "开工", "完工", "开工", "招投标", "开工"]


@pytest.mark.parametrize("progress, status", [
    ("计划6月开工", "未启动"), ("拟于2022年6月底开工", "未启动"), ("计划7月完工", "未启动"),
    ("方案已完成", "方案设计"), ("设计完成", "方案设计"), ("已完成施工图设计", "方案设计"),
    ("已完成意愿征求", "意愿征求"), ("完成方案设计，正在办理立项", "方案设计"), ("未开工（已完成立项）", "立项"),
    ("已完成招投标，待开工", "招投标"), ("招标完成待进场", "招投标"), ("正在进行招投标", "立项"),
    ("主体施工已完成，正在进行竣工验收", "完工"), ("已完成竣工验收", "验收"), ("已开工建设", "开工"),
])
def test_progress_sentences_read_clause_by_clause(tmp_path, progress, status):
    """A plan (计划/拟/待) is not a node reached; 方案已完成 is the design, not the works; the most advanced node
    the sentence says is done is the one reached."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "进展情况"]
    rows = [[TITLE], [DATED], header, ["X-1", "甲", "市北区", 2022, 100, 200, 0, progress]]
    r = read_ledger(_xlsx(tmp_path / "s.xlsx", {"市北区": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["status"].tolist() == [status]


@pytest.mark.parametrize("header, cell", [("开工（是/否）", "是"), ("已开工", "√"), ("开工情况", "已开工")])
def test_yes_no_node_columns_are_read_as_flags(tmp_path, header, cell):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", header]
    rows = [[TITLE], [DATED], cols, ["X-1", "甲", "市北区", 2022, 100, 200, 50, cell],
            ["X-2", "乙", "市北区", 2022, 100, 200, 0, "否"]]
    r = read_ledger(_xlsx(tmp_path / "f.xlsx", {"市北区": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["status"].tolist() == ["开工", "未启动"]


@pytest.mark.parametrize("completed_header", ["开工以来累计完成投资", "自开工累计完成投资（万元）"])
def test_completed_investment_since_the_start(tmp_path, completed_header):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", completed_header, "实际开工时间"]
    rows = [[TITLE], [DATED], cols, ["X-1", "甲", "市北区", 2022, 100, 200, 50, datetime(2022, 4, 1)]]
    r = read_ledger(_xlsx(tmp_path / "c.xlsx", {"市北区": rows}))
    assert r.errors == [] and r.frame["completed_investment_wan"].tolist() == [50]


@pytest.mark.parametrize("under_header", [
    [[1, 2, 3, 4, 5, 6, 7], [None, None, None, None, "（户）", "（元）", "（元）"]],
    [["甲", "乙", "丙", "丁", 1, 2, 3], [None, None, None, None, "（户）", "（元）", "（元）"]],
    [[None, None, None, None, "单位：户", "单位：元", "单位：元"]],
], ids=["numbers-then-units", "lanci-then-units", "danwei-row"])
def test_units_row_under_the_header(tmp_path, under_header):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], cols, *under_header, ["SN-1", "八大关小区", "市南区", 2022, 120, 6000000, 1000000]]
    r = read_ledger(_xlsx(tmp_path / "u.xlsx", {"市南区": rows}))
    assert r.errors == [] and _besides_progress(r.warnings) == []
    assert r.frame[["planned_investment_wan", "completed_investment_wan"]].values.tolist() == [[600.0, 100.0]]


@pytest.mark.parametrize("decorate", [lambda i, h: f"{i}.{h}", lambda i, h: f"{i}、{h}", lambda i, h: f"{h}：",
                                      lambda i, h: f"{h}:"], ids=["dot", "dun", "colon", "ascii-colon"])
def test_numbered_or_colon_headers(tmp_path, decorate):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], [decorate(i, h) for i, h in enumerate(cols, start=1)],
            ["SN-1", "八大关小区", "市南区", 2022, 120, 600, 100, datetime(2022, 5, 1)]]
    r = read_ledger(_xlsx(tmp_path / "n.xlsx", {"市南区": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.frame["status"].tolist() == ["开工"]


def test_the_same_node_in_two_columns_the_explicit_one_first_gaps_filled(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "开工时间", "实际开工日期"]
    rows = [[TITLE], [DATED], cols,
            ["X-1", "甲", "市北区", 2022, 100, 200, 0, None, datetime(2022, 4, 1)],
            ["X-2", "乙", "市北区", 2022, 100, 200, 0, datetime(2022, 4, 9), None],
            ["X-3", "丙", "市北区", 2022, 100, 200, 0, None, None]]
    r = read_ledger(_xlsx(tmp_path / "two.xlsx", {"市北区": rows}))
    assert r.errors == []
    assert r.frame["status"].tolist() == ["开工", "开工", "未启动"]
    assert [(w.row, w.column) for w in r.warnings if "含义相同" in w.message] == [(3, "开工时间")]


@pytest.mark.parametrize("planned, completed, area, expected", [
    (("总投资（元）", 300), ("累计完成投资", 0), None, ("总投资（元）", "每户约0.0003万元", "偏小")),   # 万元 under 元
    (("总投资", 300), ("累计完成投资", 200000), None, ("累计完成投资", "每户约2,000万元", "偏大")),
    (("总投资", 300), ("累计完成投资", 0), ("建筑面积（万平方米）", 7000), ("建筑面积（万平方米）", "每户约700,000平方米", "偏大")),
])
def test_a_column_whose_unit_looks_wrong_is_questioned(tmp_path, planned, completed, area, expected):
    extra = [area] if area else []
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", planned[0], completed[0], "实际开工时间"] + [a[0] for a in extra]
    row = ["X-1", "甲", "市北区", 2022, 100, planned[1], completed[1], datetime(2022, 4, 1)] + [a[1] for a in extra]
    r = read_ledger(_xlsx(tmp_path / "unit.xlsx", {"市北区": [[TITLE], [DATED], cols, row]}))
    w = [(x.column, x.value, "偏大" if "偏大" in x.message else "偏小") for x in r.warnings if "单位写错" in x.message]
    assert w == [expected]


def test_one_wild_amount_in_a_plausible_sheet_is_named(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（元）", "累计完成投资（元）", "实际开工时间"]
    rows = [[TITLE], [DATED], cols,
            ["X-1", "甲", "市北区", 2022, 100, 3000000, 0, None],
            ["X-2", "乙", "市北区", 2022, 100, 1000000000000, 0, None],
            ["X-3", "丙", "市北区", 2022, 120, 4000000, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "wild.xlsx", {"市北区": rows}))
    assert [(w.row, w.value, w.message) for w in r.warnings if "偏大" in w.message] == [
        (5, "1000000000000", "计划投资100,000,000万元（每户约1,000,000万元），明显偏大，请核对金额和单位。")]


def test_numbers_with_a_unit_or_a_remark_in_brackets(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], cols,
            ["X-1", "甲", "市北区", 2022, "356（户）", "123.4万元（含税）", 0, None],
            ["X-2", "乙", "市北区", 2022, "120户（其中空置12户）", "88（万元）", 0, None]]
    r = read_ledger(_xlsx(tmp_path / "b.xlsx", {"市北区": rows}))
    assert r.errors == []
    assert r.frame[["households", "planned_investment_wan"]].values.tolist() == [[356, 123.4], [120, 88]]


def test_a_row_of_another_district_in_a_district_sheet_is_named(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE + "（市北区）"], [DATED], cols, ["SB-1", "甲", "市北区", 2022, 100, 200, 0, None],
            ["SN-9", "乙", "市南区", 2022, 100, 200, 0, None], ["SB-2", "丙", "市北区", 2022, 100, 200, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "w.xlsx", {"市北区": rows}))
    assert r.frame["district"].tolist() == ["市北区", "市南区", "市北区"]
    assert _msgs(r.warnings) == [("市北区", 5, "所属区市", "市南区", "所属区市为市南区，但本表是市北区的台账（见工作表名或标题），请核对。")]


def test_residential_households_beside_non_residential_ones(tmp_path):
    """住宅户数 | 非住宅户数: the households are the residential ones (shops are not households)."""
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "住宅户数", "非住宅户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], cols, ["A-1", "甲", "市北区", 2022, 300, 12, 200, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "hh.xlsx", {"Sheet1": rows}))
    assert r.errors == [] and r.frame["households"].tolist() == [300]


def test_citywide_sheet_with_district_heading_rows(tmp_path):
    cols = ["序号", "小区编号", "小区名称", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [["青岛市2022年老旧小区改造项目台账"], [DATED], cols,
            ["X-0", None, "无区小区", 2022, 10, 20, 0, None],
            ["一、市南区"], [1, "SN-1", "甲", 2022, 100, 200, 0, None], [2, "SN-2", "乙", 2022, 100, 200, 0, None],
            ["二、崂山区（1个）"], [1, "LS-1", "丙", 2022, 100, 200, 0, None]]
    rows[3] = [None, "X-0", "无区小区", 2022, 10, 20, 0, None]
    r = read_ledger(_xlsx(tmp_path / "city.xlsx", {"全市": rows}))
    assert r.frame.set_index("community_id")["district"].to_dict() == {
        "X-0": None, "SN-1": "市南区", "SN-2": "市南区", "LS-1": "崂山区"}
    assert [(e.row, e.message) for e in r.errors] == [
        (4, "没有所属区市列，且该行上方没有区市标题行，无法确定所属区市；请增加“所属区市”列。")]


def test_district_given_as_its_administrative_code(tmp_path):
    cols = ["小区编号", "小区名称", "行政区划代码(XZQHDM)", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], cols, ["A-1", "甲", 370203, 2022, 100, 200, 0, None],
            ["A-2", "乙", "370202000000", 2022, 100, 200, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "code.xlsx", {"Sheet1": rows}))
    assert r.errors == [] and r.frame["district"].tolist() == ["市北区", "市南区"]


def test_sections_of_several_districts_under_one_title_are_not_questioned(tmp_path):
    """The first section's title names one district; the sheet goes on with others: not stray rows."""
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE + "（市北区）"], [DATED], cols, ["SB-1", "甲", "市北区", 2022, 100, 200, 0, None]] + [
        [f"SN-{i}", "乙", "市南区", 2022, 100, 200, 0, None] for i in range(3)]
    r = read_ledger(_xlsx(tmp_path / "s.xlsx", {"Sheet1": rows}))
    assert not [w for w in r.warnings if "台账（见" in w.message]


def test_csv_skipped_totals_line_is_named_by_its_physical_line(tmp_path):
    text = ("小区编号,小区名称,所属区市,改造年度,户数,总投资,累计完成投资,实际开工时间,备注\r\n"
            "PD001,甲小区,平度市,2022,100,500,100,2022/5/1,\r\n"
            'PD002,乙小区,平度市,2022,200,800,0,,"第一行\r\n第二行"\r\n'
            ",,,,300,1300,100,,\r\n")
    p = tmp_path / "平度市.csv"
    p.write_bytes(text.encode("utf-8-sig"))
    r = read_ledger(p, report_date=date(2022, 5, 31))
    assert [(w.row, w.message) for w in r.warnings if "合计" in w.message] == [
        (5, "该行没有小区编号和小区名称，按合计/说明行忽略。")]


def test_english_headers_and_ids_in_the_serial_column(tmp_path):
    english = ["ID", "Name", "District", "Year", "Households", "Total Investment", "Completed Investment"]
    rows = [[TITLE], [DATED], english, ["SB-1", "甲", "市北区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "en.xlsx", {"市北区": rows}))
    assert r.errors == [] and r.frame["community_id"].tolist() == ["SB-1"]
    serial = ["序号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], serial, ["SB-1", "甲", "市北区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "xh.xlsx", {"市北区": rows}))
    assert [e.message for e in r.errors] == [
        "缺少必填列「小区编号」（表头可写作：小区编号、小区编码、小区代码、小区ID；如「序号」列填写的是小区编号，"
        "请把表头改为“小区编号”）。"]


def test_a_sentence_in_the_name_column_under_the_table_is_a_note(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], cols, ["JM-1", "潮海小区", "即墨区", 2022, 100, 200, 0, None],
            [None, "本周新增开工3个，新增完工2个"]]
    r = read_ledger(_xlsx(tmp_path / "note.xlsx", {"即墨区": rows}))
    assert r.errors == [] and r.frame["community_id"].tolist() == ["JM-1"]
    assert _msgs(r.warnings) == [("即墨区", 5, "小区名称", "本周新增开工3个，新增完工2个",
                                  "只填写了这一格，像是说明文字而不是小区，已忽略；如是小区，请补填小区编号、户数和投资。")]


def test_file_name_and_title_naming_different_districts_is_said(tmp_path):
    cols = ["小区编号", "小区名称", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]
    rows = [["青岛市2022年老旧小区改造项目台账（李沧区）"], [DATED], cols,
            ["SB-1", "甲", 2022, 100, 200, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "市北区台账（5.31）.xlsx", {"Sheet1": rows}))
    assert r.frame["district"].tolist() == ["李沧区"]
    assert _msgs(r.warnings) == [("Sheet1", None, None, None,
                                  "没有所属区市列，且标题为李沧区，文件名为市北区，不一致；已按李沧区读取，请核对。")]


def test_money_spent_without_any_progress_column_is_said(tmp_path):
    cols = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], cols, ["X-1", "甲", "市北区", 2022, 100, 200, 50]]
    r = read_ledger(_xlsx(tmp_path / "p.xlsx", {"市北区": rows}))
    assert _msgs(r.warnings) == [("市北区", 3, None, None, "该表已有累计完成投资，但没有进度信息（各节点实际完成时间、进度或是否开工等列），"
                                  "各小区均按未启动统计。请补充实际开工时间等列后重新报送。")]


def test_unreadable_progress_words_are_said_when_they_decide_the_node(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "进度"]
    rows = [[TITLE], [DATED], header, ["X-1", "甲", "市北区", 2022, 100, 200, 0, "研究中"],
            ["X-2", "乙", "市北区", 2022, 100, 200, 0, "—"]]
    r = read_ledger(_xlsx(tmp_path / "u.xlsx", {"市北区": rows}))
    assert _msgs(r.warnings) == [("市北区", 4, "进度", "研究中", "无法识别的进度（可填：未开工、招投标、施工中、已完工、已验收等，"
                                  "或填写各节点的实际完成时间），已按未启动处理。")]
    assert r.frame["status"].tolist() == ["未启动", "未启动"]


def test_error_value_in_an_optional_column_is_a_warning(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "建筑面积（平方米）"]
    rows = [[TITLE], [DATED], header, ["Y-1", "甲", "市南区", 2022, 100, 200, 0, "#REF!"]]
    r = read_ledger(_xlsx(tmp_path / "p.xlsx", {"市南区": rows}))
    assert r.errors == []
    assert _msgs(r.warnings) == [("市南区", 4, "建筑面积（平方米）", "#REF!", "建筑面积应为数字（平方米），无法识别，已按空值处理。")]
    assert pd.isna(r.frame.loc[0, "floor_area_m2"])


def test_bundle_investment_merged_down_over_its_communities(tmp_path):
    """One 总投资 for a bundle of three communities, merged vertically: counted once."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "打包项目", "总投资（万元）", "累计完成投资（万元）"]
    rows = [[TITLE], [DATED], header,
            ["B-1", "甲", "市北区", 2022, 100, "一标段", 900, 300],
            ["B-2", "乙", "市北区", 2022, 120, None, None, None],
            ["B-3", "丙", "市北区", 2022, 130, None, None, None],
            ["B-4", "丁", "市北区", 2022, 140, "二标段", 500, 0]]
    merges = {"市北区": ["F4:F6", "G4:G6", "H4:H6"]}
    r = read_ledger(_xlsx(tmp_path / "q.xlsx", {"市北区": rows}, merges=merges))
    assert r.errors == []
    f = _by_id(r)
    assert f["bundle"].tolist() == ["一标段"] * 3 + ["二标段"]
    assert f["planned_investment_wan"].tolist() == [900, 0, 0, 500]
    assert f["completed_investment_wan"].sum() == 300
    assert _msgs(_besides_progress(r.warnings)) == [
        ("市北区", 4, "总投资（万元）", "900", "第4至6行为合并单元格，金额已全部计入第4行，其余各行按0计；如需分小区统计，请拆分单元格后分别填写。"),
        ("市北区", 4, "累计完成投资（万元）", "300", "第4至6行为合并单元格，金额已全部计入第4行，其余各行按0计；如需分小区统计，请拆分单元格后分别填写。"),
    ]


@pytest.mark.parametrize("file_name, title, expected", [
    ("市北区老旧小区改造台账2022.5.31.xlsx", None, date(2022, 5, 31)),
    ("台账（20220531）.xlsx", None, date(2022, 5, 31)),
    ("台账.xlsx", "统计时间：2022年5月31日", date(2022, 5, 31)),
    ("台账.xlsx", ["截至日期：", datetime(2022, 5, 31)], date(2022, 5, 31)),
    ("台账.xlsx", "截至二〇二二年五月三十一日", date(2022, 5, 31)),
    ("台账.xlsx", "截至22年5月31日", date(2022, 5, 31)),
    ("台账.xlsx", "截至2022年第二季度末", date(2022, 6, 30)),
    ("台账.xlsx", "截止2022年上半年", date(2022, 6, 30)),
    ("台账.xlsx", "截至2022年底", date(2022, 12, 31)),
])
def test_report_date_without_the_word_jiezhi(tmp_path, file_name, title, expected):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = ([[TITLE]] + ([title if isinstance(title, list) else [title]] if title else [])
            + [header, ["Z-1", "甲", "市北区", 2022, 100, 200, 0]])
    r = read_ledger(_xlsx(tmp_path / file_name, {"Sheet1": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.report_date == expected


def test_csv_exported_by_a_system_with_equals_quoted_ids(tmp_path):
    text = ('小区编号,小区名称,所属区市,改造年度,户数,总投资,累计完成投资\r\n'
            '="001",甲小区,市南区,2022,100,200,0\r\n="002",乙小区,市南区,2022,"1,100",300,0\r\n')
    p = tmp_path / "export.csv"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    r = read_ledger(p, report_date=date(2022, 5, 31))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["001", "002"]
    assert r.frame["households"].tolist() == [100, 1100]


def test_unicode_text_saved_by_excel(tmp_path):
    """Excel's 「Unicode 文本」: UTF-16 with BOM, tab separated, named .txt or .csv."""
    lines = ["青岛市2022年老旧小区改造台账（城阳区）", "截至2022年5月31日",
             "小区编号\t小区名称\t户数\t总投资（万元）\t累计完成投资（万元）", "CY-1\t上马小区\t300\t500\t100"]
    p = tmp_path / "城阳区.csv"
    p.write_bytes("\r\n".join(lines).encode("utf-16"))
    r = read_ledger(p)
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["CY-1", "district"] == "城阳区" and f.loc["CY-1", "planned_investment_wan"] == 500
    assert r.report_date == date(2022, 5, 31)


def test_invisible_characters_pasted_from_web_pages(tmp_path):
    """Zero-width spaces, non-breaking and full-width spaces around ids, names and districts."""
    header = ["小区编号", "小区名称\u200b", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[TITLE], [DATED], header,
            ["\u200bSN-31", "\xa0金门路小区\u3000", "市南区\u200b", 2022, "\u200b100", 200, 0],
            ["SN-31\u200b", "宁夏路小区", "\ufeff市南区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "zw.xlsx", {"市南区": rows}))
    assert r.frame["community_id"].tolist() == ["SN-31", "SN-31"]
    assert r.frame["name"].tolist() == ["金门路小区", "宁夏路小区"]
    assert r.frame["district"].tolist() == ["市南区", "市南区"]
    assert _msgs(r.errors) == [("市南区", 5, "小区编号", "SN-31", "小区编号重复：与工作表「市南区」第4行相同，每个小区只能填报一行。")]


@pytest.mark.parametrize("title, expected", [
    ("青岛市2022年老旧小区改造项目进度表（2022年5月31日）", date(2022, 5, 31)),
    ("青岛市2022年老旧小区改造项目进度表（2022.5.31）", date(2022, 5, 31)),
])
def test_report_date_as_a_bare_date_in_the_title(tmp_path, title, expected):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"]
    rows = [[title], ["填报单位：市北区住建局", None, None, "填报日期：2022年6月1日"], header,
            ["Z-1", "甲", "市北区", 2022, 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "t.xlsx", {"Sheet1": rows}))
    assert r.errors == [] and r.warnings == []
    assert r.report_date == expected


def test_batch_years_from_section_headings(tmp_path):
    """No 年度 column: the rows stand under 一、2021年度项目 / 二、2022年度项目 headings."""
    header = ["序号", "小区编号", "小区名称", "所属区市", "户数", "总投资", "累计完成投资"]
    rows = [["青岛市2021-2022年老旧小区改造项目台账"], [DATED], header,
            ["一、2021年度项目（共2个）"],
            [1, "A-1", "甲", "市北区", 100, 200, 200],
            [2, "A-2", "乙", "市北区", 100, 200, 150],
            [None, "小计", None, None, 200, 400, 350],
            ["二、2022年度项目（共1个）"],
            [1, "B-1", "丙", "市北区", 100, 200, 0]]
    south = [["青岛市2022年老旧小区改造项目台账"], [DATED], header, [1, "C-1", "丁", "市南区", 100, 200, 0]]
    r = read_ledger(_xlsx(tmp_path / "sec.xlsx", {"市北区": rows, "市南区": south}))   # and a sheet without sections
    assert r.errors == []
    assert r.frame["batch_year"].tolist() == [2021, 2021, 2022, 2022]
    assert r.frame["source_row"].tolist() == [5, 6, 9, 4]


def test_dates_without_a_year_take_the_report_dates_year(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "计划完工时间", "实际开工时间"]
    rows = [[TITLE], [DATED], header,
            ["M-1", "甲", "市北区", 2022, 100, 200, 0, "10月底前", "5月20日"],
            ["M-2", "乙", "市北区", 2022, 100, 200, 0, "12月31日", "12月1日"]]
    r = read_ledger(_xlsx(tmp_path / "md.xlsx", {"市北区": rows}))
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["M-1", "plan_completion"] == pd.Timestamp("2022-10-31")
    assert f.loc["M-1", "actual_start"] == pd.Timestamp("2022-05-20")
    assert f.loc["M-2", "actual_start"] == pd.Timestamp("2021-12-01")     # done, so not after 2022-05-31
    assert _msgs(r.warnings) == [
        ("市北区", 4, "实际开工时间", "5月20日", "日期没有写年份，已按2022年处理（2022-05-20）；请写明年份，如2023年5月31日。"),
        ("市北区", 4, "计划完工时间", "10月底前", "日期没有写年份，已按2022年处理（2022-10-31）；请写明年份，如2023年5月31日。"),
        ("市北区", 5, "实际开工时间", "12月1日", "日期没有写年份，已按2021年处理（2021-12-01）；请写明年份，如2023年5月31日。"),
        ("市北区", 5, "计划完工时间", "12月31日", "日期没有写年份，已按2022年处理（2022-12-31）；请写明年份，如2023年5月31日。"),
    ]


def test_yes_no_milestone_columns(tmp_path):
    """Weekly progress tables with 是否开工 / 是否完工 (是|否) instead of dates."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "是否完成意愿征求", "是否开工",
              "是否完工"]
    rows = [[TITLE], [DATED], header,
            ["F-1", "甲", "市北区", 2022, 100, 200, 50, "是", "是", "否"],
            ["F-2", "乙", "市北区", 2022, 100, 200, 0, "是", "否", "否"],
            ["F-3", "丙", "市北区", 2022, 100, 200, 200, "√", "√", "√"],
            ["F-4", "丁", "市北区", 2022, 100, 200, 0, None, "待定", None],
            ["F-5", "戊", "市北区", 2022, 100, 200, 0, "是", "不清楚", None]]
    r = read_ledger(_xlsx(tmp_path / "yn.xlsx", {"市北区": rows}))
    assert r.errors == []
    assert r.frame["status"].tolist() == ["开工", "意愿征求", "完工", "未启动", "意愿征求"]
    assert _msgs(r.warnings) == [("市北区", 8, "是否开工", "不清楚", "应填“是”或“否”（是否开工），无法识别，已忽略。")]


def test_yes_no_column_beside_dates_disagreeing(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "是否开工", "实际开工时间"]
    rows = [[TITLE], [DATED], header,
            ["G-1", "甲", "市北区", 2022, 100, 200, 50, "是", None],
            ["G-2", "乙", "市北区", 2022, 100, 200, 0, "否", datetime(2022, 5, 2)]]
    r = read_ledger(_xlsx(tmp_path / "yn2.xlsx", {"市北区": rows}))
    assert r.errors == []
    assert r.frame["status"].tolist() == ["未启动", "开工"]
    assert _msgs(r.warnings) == [
        ("市北区", 4, "是否开工", "是", "填写为已开工，但没有填写实际开工时间；已以实际时间为准，请补填实际开工时间。"),
        ("市北区", 5, "是否开工", "否", "填写为未开工，但已填写实际开工时间；已以实际时间为准，请核对。"),
    ]


def test_headers_with_separators_and_less_common_words(tmp_path):
    header = ["统一编码", "小区名称（全称）", "区/市", "街道/镇", "年度批次", "涉及楼栋", "涉及居民（户）", "批复投资（万元）",
              "投资-累计完成（万元）", "资金来源-中央（元）", "初步设计批复时间", "开工时间-计划", "工程进展", "实施主体"]
    rows = [[TITLE], [DATED], header,
            ["U-1", "兴隆一路小区", "市北区", "兴隆路街道", "2022年", 6, 210, 420.5, 100, 1_000_000, datetime(2022, 2, 10),
             datetime(2022, 4, 1), "施工中", "市北区住建局"]]
    r = read_ledger(_xlsx(tmp_path / "sep.xlsx", {"市北区": rows}))
    assert r.errors == []
    row = r.frame.iloc[0]
    assert (row["community_id"], row["district"], row["street"], row["batch_year"]) == ("U-1", "市北区", "兴隆路街道", 2022)
    assert (row["buildings"], row["households"]) == (6, 210)
    assert (row["planned_investment_wan"], row["completed_investment_wan"]) == (420.5, 100)
    assert row["fund_central_wan"] == pytest.approx(100.0)
    assert row["actual_design"] == pd.Timestamp("2022-02-10") and row["plan_start"] == pd.Timestamp("2022-04-01")
    assert row["status_text"] == "施工中" and row["responsible"] == "市北区住建局"
    assert row["status"] == "方案设计"
    # 施工中 without an actual 开工 date: the dates win, with a warning; the planned start has passed
    assert [w.column for w in r.warnings] == ["工程进展", "开工时间-计划"]


def test_last_weeks_sheet_kept_in_the_same_workbook(tmp_path):
    """Sheets named by their date, each a full copy: the latest is the report, the older copy is not read."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "实际开工时间"]

    def sheet(done):
        return [[TITLE + "（市北区）"], header,
                ["W-1", "甲", "市北区", 2022, 100, 200, done, datetime(2022, 5, 2)],
                ["W-2", "乙", "市北区", 2022, 100, 200, 0, None]]
    r = read_ledger(_xlsx(tmp_path / "weeks.xlsx", {"2022.5.31": sheet(80), "2022.5.24": sheet(50)}))
    assert r.errors == []
    assert r.report_date == date(2022, 5, 31)
    assert r.frame["completed_investment_wan"].tolist() == [80, 0]
    assert _msgs(r.warnings) == [("2022.5.24", None, None, "2022.5.24",
                                  "该工作表截至2022-05-24，早于同一文件中截至2022-05-31的工作表「2022.5.31」，且为同一批小区，视为旧版本，未读取。")]


def test_units_row_under_the_header_and_line_breaks_in_names(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "建筑面积"]
    units = [None, None, None, None, "（户）", "（万元）", "（元）", "（万平方米）"]
    rows = [[TITLE], [DATED], header, units,
            ["N-1", "福寿里\n小区", "市北区", 2022, 100, 200, 500_000, 1.2]]
    merges = {"市北区": [f"{c}3:{c}4" for c in "ABCD"]}
    r = read_ledger(_xlsx(tmp_path / "units.xlsx", {"市北区": rows}, merges=merges))
    assert r.errors == []
    row = r.frame.iloc[0]
    assert row["name"] == "福寿里小区" and row["source_row"] == 5
    assert (row["planned_investment_wan"], row["completed_investment_wan"]) == (200, 50)
    assert row["floor_area_m2"] == pytest.approx(12000)


def test_coordinates_written_in_degrees_minutes_seconds(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "经度（WGS84）", "纬度（WGS84）"]
    rows = [[TITLE], [DATED], header,
            ["D-1", "甲", "市南区", 2022, 100, 200, 0, "120°22′48″", "36°4′12″"],
            ["D-2", "乙", "市南区", 2022, 100, 200, 0, "E120.38", "N36.07"],
            ["D-3", "丙", "市南区", 2022, 100, 200, 0, "东经120度22分48秒", "北纬36度4分12秒"]]
    r = read_ledger(_xlsx(tmp_path / "dms.xlsx", {"市南区": rows}))
    assert r.errors == []
    assert [w.message for w in r.warnings if "无法识别" in w.message] == []
    assert r.frame["lon"].round(4).tolist() == [120.38, 120.38, 120.38]
    assert r.frame["lat"].round(4).tolist() == [36.07, 36.07, 36.07]


def test_one_community_over_two_rows_with_its_id_merged(tmp_path):
    """A community with two lines of works (two bundles): id, name and district merged over both rows."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "改造内容", "总投资（万元）", "累计完成投资（万元）"]
    rows = [[TITLE], [DATED], header,
            ["C-1", "甲", "市北区", 2022, 300, "基础类：管网", 200, 50],
            [None, None, None, None, None, "完善类：加装电梯", 150, 0],
            ["C-2", "乙", "市北区", 2022, 120, "基础类：屋面", 100, 0]]
    merges = {"市北区": ["A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:E5"]}
    r = read_ledger(_xlsx(tmp_path / "two.xlsx", {"市北区": rows}, merges=merges))
    assert r.errors == []
    f = _by_id(r)
    assert list(f.index) == ["C-1", "C-2"]
    assert f.loc["C-1", "planned_investment_wan"] == 350 and f.loc["C-1", "completed_investment_wan"] == 50
    assert f.loc["C-1", "households"] == 300
    assert f.loc["C-1", "items"] == "基础类：管网；完善类：加装电梯"
    assert _msgs(_besides_progress(r.warnings)) == [("市北区", 4, "小区编号", "C-1", "第4至5行是同一小区（小区编号为合并单元格），已按一行读取，各行金额已相加；"
                                                             "请每个小区只填一行。")]


def test_csv_with_line_breaks_inside_quoted_cells(tmp_path):
    """Excel writes Alt+Enter header and note cells as quoted multi-line fields: messages still name the
    physical line."""
    text = ('青岛市2022年老旧小区改造台账（李沧区）,,,,,,\r\n截至2022年5月31日,,,,,,\r\n'
            '小区编号,小区名称,"改造\n年度","居民户数\n（户）","计划投资\n（万元）","累计完成\n投资（万元）",备注\r\n'
            'L-1,甲,2022,100,200,0,"第一行\n第二行"\r\nL-2,乙,2022,"1,100",300,-10,\r\n')
    p = tmp_path / "ml.csv"
    p.write_bytes(text.encode("gbk"))
    r = read_ledger(p)
    assert r.frame["households"].tolist() == [100, 1100]
    assert r.frame["source_row"].tolist() == [8, 10]
    assert _msgs(r.errors) == [("ml.csv", 10, "累计完成投资（万元）", "-10", "累计完成投资不能为负数。")]


def test_hidden_column_with_last_weeks_figures(tmp_path):
    """Last week's 累计完成投资 kept in a hidden column before this week's: the visible column is read."""
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "累计完成投资", "实际开工时间"]
    rows = [[TITLE], [DATED], header,
            ["H-1", "甲", "市北区", 2022, 100, 200, 40, 60, datetime(2022, 5, 3)]]
    r = read_ledger(_xlsx(tmp_path / "hid.xlsx", {"市北区": rows}, hidden_cols={"市北区": ["G"]}))
    assert r.errors == [] and r.warnings == []
    assert r.frame.loc[0, "completed_investment_wan"] == 60
