"""Validation: every error and warning names the sheet, the Excel row, the header as written, the value."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders import config  # noqa: E402
from loaders.reader import read_ledger  # noqa: E402


def _read(tmp_path, rows, header=None, sheet="市北区", **kw):
    p = lb.write_xlsx(tmp_path / "v.xlsx", {sheet: lb.standard_sheet(rows, header=header)})
    return read_ledger(p, **kw)


def _one(issues):
    assert len(issues) == 1, issues
    return issues[0]


def test_missing_required_column(tmp_path):
    header = [h for h in lb.HEADER if h != "户数"]
    rows = [[v for k, v in zip(lb.HEADER, r) if k != "户数"] for r in lb.standard_rows()]
    e = _one(_read(tmp_path, rows, header=header).errors)
    assert (e.sheet, e.row, e.column, e.value) == ("市北区", 3, None, None)
    assert e.message == "缺少必填列「户数」（表头可写作：户数、居民户数、涉及户数、惠及户数）。"


def test_no_ledger_sheet_at_all(tmp_path):
    p = lb.write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [["区市", "小区个数", "户数"], ["市北区", 3, 870]]})
    e = _one(read_ledger(p).errors)
    assert e.sheet == "x.xlsx" and e.row is None
    assert e.message.startswith("文件中没有可识别的项目台账工作表：未找到必填列「小区编号、小区名称、改造年度、计划投资、累计完成投资」")


def test_duplicate_id_names_both_rows(tmp_path):
    rows = lb.standard_rows()
    rows[2][1] = "SB-001"
    e = _one(_read(tmp_path, rows).errors)
    assert (e.sheet, e.row, e.column, e.value) == ("市北区", 6, "小区编号", "SB-001")
    assert e.message == "小区编号重复：与工作表「市北区」第4行相同，每个小区只能填报一行。"


def test_duplicate_id_across_sheets(tmp_path):
    a = lb.standard_sheet()
    b = lb.standard_sheet([lb.row(1, "SB-002", "重复小区", "市南区", lon=None, lat=None)])
    p = lb.write_xlsx(tmp_path / "d.xlsx", {"市北区": a, "市南区": b})
    errs = read_ledger(p).errors             # named on both sheets: each sheet's clerk sees it
    assert [(e.sheet, e.row, e.value, e.message) for e in errs] == [
        ("市北区", 5, "SB-002", "小区编号重复：与工作表「市南区」第4行相同，每个小区只能填报一行。"),
        ("市南区", 4, "SB-002", "小区编号重复：与工作表「市北区」第5行相同，每个小区只能填报一行。")]


def test_unknown_district(tmp_path):
    rows = lb.standard_rows()
    rows[1][3] = "市中区"
    e = _one(_read(tmp_path, rows).errors)
    assert (e.sheet, e.row, e.column, e.value) == ("市北区", 5, "所属区市", "市中区")
    assert e.message == ("无法识别的区市（是否为「市北区」？），应为青岛市的区市之一：市南区、市北区、黄岛区、崂山区、李沧区、"
                         "城阳区、即墨区、胶州市、平度市、莱西市。")      # 市中区 is as near 市南 as 市北: the sheet's own


@pytest.mark.parametrize("written, guess", [("劳山区", "（是否为「崂山区」？）"), ("高新区", ""), ("青岛市", "")])
def test_unknown_district_with_a_guess(tmp_path, written, guess):
    rows = lb.standard_rows()
    rows[1][3] = written
    e = _one(_read(tmp_path, rows).errors)
    assert e.message.startswith(f"无法识别的区市{guess}，应为青岛市的区市之一")


def test_required_number_not_a_number_and_negative(tmp_path):
    rows = lb.standard_rows()
    rows[0][7] = "三百"
    rows[1][9] = -5
    rows[2][7] = 12.5
    errs = _read(tmp_path, rows).errors
    got = [(e.row, e.column, e.value, e.message) for e in errs]
    assert got == [
        (4, "户数", "三百", "户数应为整数（阿拉伯数字，如356），无法识别。"),
        (5, "总投资（万元）", "-5", "计划投资不能为负数。"),
        (6, "户数", "12.5", "户数应为整数，不能有小数。"),
    ]


def test_empty_required_cells(tmp_path):
    rows = lb.standard_rows()
    rows[0][2] = None
    rows[1][9] = None
    errs = _read(tmp_path, rows).errors
    assert [(e.row, e.column, e.message) for e in errs] == [
        (4, "小区名称", "小区名称为空（必填）。"),
        (5, "总投资（万元）", "计划投资为空（必填）。"),
    ]


def test_actual_date_after_report_date(tmp_path):
    rows = lb.standard_rows()
    rows[0][12] = datetime(2023, 7, 2)
    e = _one(_read(tmp_path, rows).errors)
    assert (e.sheet, e.row, e.column, e.value) == ("市北区", 4, "实际开工时间", "2023-07-02")
    assert e.message == "实际开工时间2023-07-02晚于截至日期2023-06-30，实际时间不能晚于截至日期，请核对。"


def test_unreadable_date(tmp_path):
    rows = lb.standard_rows()
    rows[2][14] = "2023-13-45"
    rows[1][11] = "下月"
    rows[0][13] = "2202.11.30"
    rows[1][13] = "2023.2.30"
    errs = _read(tmp_path, rows).errors
    forms = "应为如2023-05-31、2023/5/31、2023.5.31、2023年5月31日或Excel日期格式。"
    assert [(e.row, e.column, e.value, e.message) for e in errs] == [
        (4, "计划完工时间", "2202.11.30", f"年份2202不合理（是否应为2022年？），{forms}"),
        (5, "计划开工时间", "下月", f"无法识别的日期，{forms}"),
        (5, "计划完工时间", "2023.2.30", "2023年2月没有30日，请核对。"),
        (6, "实际完工时间", "2023-13-45", f"月份13不存在，{forms}"),
    ]


def test_report_dates_disagree_between_sheets(tmp_path):
    a = lb.standard_sheet()
    b = [[lb.TITLE], ["截至2023年6月23日"], lb.HEADER, lb.row(1, "SN-1", "甲", "市南区", lon=None, lat=None,
                                                          actual_start=datetime(2023, 4, 1))]
    p = lb.write_xlsx(tmp_path / "r.xlsx", {"市北区": a, "市南区": b})
    errs = read_ledger(p).errors
    assert [(e.sheet, e.row, e.value) for e in errs] == [("市北区", 2, "截至2023年6月30日"),
                                                         ("市南区", 2, "截至2023年6月23日")]
    assert errs[0].message == ("同一文件中各工作表的截至日期不一致（「市北区」2023-06-30；「市南区」2023-06-23），"
                               "请统一为同一截至日期。")


def test_report_date_option_disagrees_with_title(tmp_path):
    e = _one(_read(tmp_path, None, report_date=date(2023, 7, 7)).errors)
    assert (e.sheet, e.row, e.value) == ("市北区", 2, "截至2023年6月30日")
    assert e.message == "标题中的截至日期2023-06-30与指定的截至日期2023-07-07不一致。"


def test_option_report_date_used_without_title(tmp_path):
    p = lb.write_xlsx(tmp_path / "n.xlsx", {"市北区": lb.standard_sheet(title=False)})
    r = read_ledger(p, report_date=date(2023, 6, 30))
    assert r.errors == [] and r.report_date == date(2023, 6, 30)
    r2 = read_ledger(p)
    assert r2.report_date is None
    assert any(w.message.startswith("未找到截至日期") for w in r2.warnings)


# ------------------------------------------------------------------------------------------- warnings
def test_inconsistent_status_dates_win(tmp_path):
    rows = lb.standard_rows()
    rows[0][15] = "已完工"        # but only 开工 has an actual date
    r = _read(tmp_path, rows)
    assert r.errors == []
    w = [w for w in r.warnings if w.column == "项目状态"]
    assert [(x.row, x.value) for x in w] == [(4, "已完工")]
    assert w[0].message == "进度填写为「已完工」，但按实际完成时间，当前节点为「开工」；已以实际时间为准，请核对进度或补填实际时间。"
    assert r.frame.loc[0, "status"] == "开工"


def test_completed_investment_greater_than_planned(tmp_path):
    rows = lb.standard_rows()
    rows[1][10] = 900
    w = [w for w in _read(tmp_path, rows).warnings if w.column == "累计完成投资（万元）"]
    assert [(x.row, x.value, x.message) for x in w] == [
        (5, "900", "累计完成投资（900万元）大于计划投资（800万元），请核对。")]


def test_planned_date_passed_without_actual(tmp_path):
    rows = lb.standard_rows()
    rows[1][11] = datetime(2023, 6, 1)     # SB-002: planned start passed, no actual start
    w = [w for w in _read(tmp_path, rows).warnings if "已过" in w.message]
    assert [(x.sheet, x.row, x.column, x.value) for x in w] == [("市北区", 5, "计划开工时间", "2023-06-01")]
    assert w[0].message == "计划开工时间2023-06-01已过（截至2023-06-30），尚未填报实际开工时间。"


def test_planned_date_passed_names_the_planned_cell_as_written(tmp_path):
    """The warning points at the cell the clerk wrote (a month), not at the empty actual column."""
    rows = lb.standard_rows()
    rows[1][11] = "2023年5月"
    w = [w for w in _read(tmp_path, rows).warnings if "已过" in w.message]
    assert [(x.row, x.column, x.value, x.message) for x in w] == [
        (5, "计划开工时间", "2023年5月", "计划开工时间2023-05-31已过（截至2023-06-30），尚未填报实际开工时间。")]


geodata = pytest.importorskip("loaders.geodata")


def _boundaries_available():
    try:
        geodata.load_boundaries()
        return True
    except Exception:  # noqa: BLE001
        return False


def test_point_outside_city_and_swapped(tmp_path):
    rows = lb.standard_rows()
    rows[0][16], rows[0][17] = 116.39, 39.91      # Beijing
    rows[1][16], rows[1][17] = 36.09, 120.36  # swapped
    r = _read(tmp_path, rows)
    assert r.errors == []
    w = {(x.row, x.message) for x in r.warnings if x.column == "经度"}
    assert (4, "坐标不在青岛市范围内，请核对经纬度。") in w
    assert (5, "经度和纬度似乎填反了（青岛市的经度约为120，纬度约为36），已按互换后处理，请核对。") in w
    assert 120 < r.frame.loc[1, "lon"] < 121 and 36 < r.frame.loc[1, "lat"] < 37


@pytest.mark.skipif(not _boundaries_available(), reason="district boundaries not present")
def test_point_outside_its_district(tmp_path):
    rows = lb.standard_rows()
    rows[2][16], rows[2][17] = 120.46, 36.40        # in 城阳/即墨, stated 市北区
    r = _read(tmp_path, rows)
    w = [x for x in r.warnings if x.column == "经度" and x.row == 6]
    assert [x.message for x in w] == ["坐标不在市北区范围内，请核对经纬度或所属区市。"]
    assert w[0].value == "120.46, 36.4"


def test_point_message_shows_the_coordinates_as_written(tmp_path):
    rows = lb.standard_rows()
    rows[2][16], rows[2][17] = 120.463218, 36.401957        # stated 市北区
    w = [x for x in _read(tmp_path, rows).warnings if x.column == "经度" and x.row == 6]
    assert [x.value for x in w] == ["120.463218, 36.401957"]


def test_broken_boundary_setting_is_said_not_silently_skipped(tmp_path, monkeypatch):
    settings = (config.CONFIG_DIR / "settings.toml").read_text(encoding="utf-8")
    missing = tmp_path / "nowhere.geojson"
    settings = re.sub(r'(?m)^boundaries\s*=.*$', f'boundaries = "{missing.as_posix()}"', settings)
    (tmp_path / "settings.toml").write_text(settings, encoding="utf-8")
    monkeypatch.setenv("LEDGER_SETTINGS", str(tmp_path / "settings.toml"))
    w = [x for x in _read(tmp_path, lb.standard_rows()).warnings if "未核对坐标" in x.message]
    assert [(x.sheet, x.row, x.message) for x in w] == [
        ("市北区", None, f"未核对坐标是否在所属区市范围内：找不到行政区边界文件：{missing}。"
                        "请系统管理员检查配置 [geodata]（config/settings.toml）。")]


def test_negative_plan_gives_one_error_and_no_comparison_warning(tmp_path):
    rows = lb.standard_rows()
    rows[0][9] = -300
    r = _read(tmp_path, rows)
    assert [(e.row, e.message) for e in r.errors] == [(4, "计划投资不能为负数。")]
    assert not [w for w in r.warnings if "大于计划投资" in w.message]


def test_required_number_holding_a_placeholder_says_so(tmp_path):
    rows = lb.standard_rows()
    rows[0][7] = "x"
    e = _one(_read(tmp_path, rows).errors)
    assert (e.row, e.column, e.value, e.message) == (4, "户数", "x", "户数没有填写数值（该内容按空值处理），必填，请填写数字。")


def test_numeric_id_longer_than_excel_keeps(tmp_path):
    rows = lb.standard_rows()
    rows[0][1] = 370203202300000001            # Excel keeps 15 digits: stored as 370203202300000000
    w = [x for x in _read(tmp_path, rows).warnings if x.column == "小区编号"]
    assert [(x.row, x.value) for x in w] == [(4, "370203202300000000")]
    assert w[0].message.startswith("小区编号是超过15位的数字，Excel只保存15位有效数字")


def test_without_a_report_date_an_actual_date_after_today_is_an_error(tmp_path):
    rows = lb.standard_rows()
    rows[0][12] = datetime(2032, 4, 1)          # 2023 typed as 2032
    p = lb.write_xlsx(tmp_path / "nodate.xlsx", {"市北区": lb.standard_sheet(rows, title=False)})
    r = read_ledger(p)
    today = date.today().isoformat()
    assert [(e.row, e.column, e.message) for e in r.errors] == [
        (2, "实际开工时间", f"实际开工时间2032-04-01晚于今天（{today}），实际时间不能晚于今天，请核对。")]
    assert r.frame.loc[0, "status"] != "开工"


def test_actual_dates_in_an_impossible_order_or_years_early(tmp_path):
    rows = lb.standard_rows()
    rows[0][12], rows[0][14] = datetime(2023, 3, 1), datetime(2023, 2, 1)     # completed before started
    rows[2][12] = datetime(2020, 4, 10)                                         # a 2023 community, 2020
    w = [(x.row, x.column, x.message) for x in _read(tmp_path, rows).warnings if "早" in x.message]
    assert w == [(4, "实际完工时间", "实际完工时间（2023-02-01）早于实际开工时间（2023-03-01），其中一个可能填错，请核对。"),
                 (6, "实际开工时间", "实际开工时间2020-04-10比改造年度2023年早一年以上，请核对年份。")]


def test_a_mistyped_actual_date_raises_no_warnings_derived_from_it(tmp_path):
    rows = lb.standard_rows()
    rows[0][12] = "2023.4.31"                 # the actual start is there, mistyped: one error, nothing more
    r = _read(tmp_path, rows)
    assert [(e.row, e.column, e.message) for e in r.errors] == [(4, "实际开工时间", "2023年4月没有31日，请核对。")]
    assert [w for w in r.warnings if w.row == 4] == []


def test_csv_messages_use_physical_line_numbers(tmp_path):
    rows = lb.standard_rows()
    rows[2][7] = "-3"
    p = lb.write_csv(tmp_path / "市北区.csv", [[lb.TITLE], lb.SUBTITLE, lb.HEADER, [None] * 3] + rows, encoding="gbk")
    r = read_ledger(p)
    e = _one(r.errors)
    assert (e.sheet, e.row, e.column, e.value) == ("市北区.csv", 7, "户数", "-3")    # line 4 is blank
    assert e.message == "户数不能为负数。"


def test_two_columns_with_the_same_meaning(tmp_path):
    header = list(lb.HEADER) + ["居民户数", "实际开工日期"]
    rows = [r + [999, datetime(2023, 1, 1)] for r in lb.standard_rows()]
    r = _read(tmp_path, rows, header=header)
    assert r.errors == []
    assert r.frame["households"].tolist() == [300, 420, 150]          # 户数 (the better synonym) is read
    # an empty 实际开工时间 (SB-002) takes the other column's date
    assert r.frame["actual_start"].tolist() == [pd.Timestamp("2023-04-15"), pd.Timestamp("2023-01-01"),
                                                pd.Timestamp("2023-04-15")]
    w = [(x.row, x.column, x.message) for x in r.warnings if "含义相同" in x.message]
    assert w == [(3, "居民户数", "与「户数」（H列）含义相同（户数）：以「户数」（H列）为准，其为空的行取本列（S列）的值。请只保留一列。"),
                 (3, "实际开工日期", "与「实际开工时间」（M列）含义相同（实际开工时间）：以「实际开工时间」（M列）为准，"
                                   "其为空的行取本列（T列）的值。请只保留一列。")]
    differ = [(x.row, x.column, x.value) for x in r.warnings if "不一致" in x.message and x.column != "项目状态"]
    assert differ == [(4, "居民户数", "999"), (4, "实际开工日期", "2023-01-01"), (5, "居民户数", "999"),
                      (6, "居民户数", "999"), (6, "实际开工日期", "2023-01-01")]


def test_batch_column_without_a_year(tmp_path):
    rows = lb.standard_rows()
    rows[0][5] = "第一批"
    r = _read(tmp_path, rows)                       # the title says 2023
    assert r.errors == [] and r.frame.loc[0, "batch_year"] == 2023
    w = [x for x in r.warnings if x.column == "改造年度"]
    assert [(x.row, x.value, x.message) for x in w] == [
        (4, "第一批", "改造年度中没有年份，已按2023年处理（取自标题或另行指定的改造年度）；请写明年份，如2023。")]
    p = lb.write_xlsx(tmp_path / "nt.xlsx", {"市北区": lb.standard_sheet(rows, title=False)})
    e = _one(read_ledger(p, report_date=date(2023, 6, 30)).errors)
    assert (e.row, e.column, e.value, e.message) == (2, "改造年度", "第一批", "无法识别的改造年度，应为四位年份，如2023。")
