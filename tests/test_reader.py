"""Reader: formats, layouts, headers, dates, units, districts, coordinates (tiny ledgers built in the tests)."""
from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders.reader import read_ledger  # noqa: E402
from loaders.schema import COLUMNS  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def _by_id(result):
    return result.frame.set_index("community_id")


# ------------------------------------------------------------------------------------------- formats
def test_xlsx_standard_ledger(tmp_path):
    p = lb.write_xlsx(tmp_path / "市北区.xlsx", {"市北区": lb.standard_sheet()})
    r = read_ledger(p)
    assert r.errors == []
    assert r.report_date == date(2023, 6, 30)
    f = _by_id(r)
    assert list(r.frame.columns) == list(COLUMNS)
    assert list(f.index) == ["SB-001", "SB-002", "SB-003"]
    assert f.loc["SB-001", "name"] == "福寿里小区"
    assert f.loc["SB-001", "district"] == "市北区"
    assert f.loc["SB-001", "street"] == "辽宁路街道"
    assert f.loc["SB-001", "batch_year"] == 2023
    assert f.loc["SB-002", "households"] == 420
    assert f.loc["SB-003", "planned_investment_wan"] == 260.5
    assert f.loc["SB-002", "completed_investment_wan"] == 0.0
    assert f.loc["SB-001", "actual_start"] == pd.Timestamp("2023-04-15")
    # node reached: 开工 (6), 未启动 (0), 完工 (7)
    assert f["node_reached"].tolist() == [6, 0, 7]
    assert f["status"].tolist() == ["开工", "未启动", "完工"]
    # Excel rows: two title rows + header -> first data row is row 4
    assert f["source_row"].tolist() == [4, 5, 6]
    assert set(f["source_sheet"]) == {"市北区"}


@pytest.mark.parametrize("as_bytes", [False, True], ids=["path", "upload"])
@pytest.mark.parametrize("in_process", [False, True], ids=["worker", "in-process"])
def test_xls_error_cells_are_named(as_bytes, in_process, monkeypatch):
    """calamine reads .xls error cells as empty: the parser finds them in the BIFF records, so #DIV/0! in a
    money column is reported as written instead of silently counting as 0."""
    if in_process:
        monkeypatch.setenv("LEDGER_PARSE_IN_PROCESS", "1")
    path = FIXTURES / "ledger_error_cells.xls"
    r = read_ledger(path.read_bytes() if as_bytes else path, source_name=path.name)
    assert [(e.sheet, e.row, e.column, e.value, e.message) for e in r.errors] == [
        ("平度市", 3, "累计完成投资（万元）", "#DIV/0!", "累计完成投资应为数字（单位：万元；未完成填0或留空），无法识别。"),
        ("平度市", 4, "总投资（万元）", "#N/A", "计划投资应为数字（单位：万元），无法识别。"),
    ]
    assert r.frame.set_index("community_id").loc["PD-3", "completed_investment_wan"] == 10.0


def test_xls_fixture():
    r = read_ledger(FIXTURES / "ledger_small.xls")
    assert r.errors == []
    assert r.report_date == date(2023, 6, 30)
    f = _by_id(r)
    assert sorted(f.index) == ["SB-101", "SB-102", "SN-001"]
    assert f.loc["SB-101", "district"] == "市北区"          # written 市北
    assert f.loc["SN-001", "actual_start"] == pd.Timestamp("2023-04-10")
    assert f.loc["SB-102", "source_row"] == 4 and f.loc["SB-102", "source_sheet"] == "市北区"
    assert f.loc["SN-001", "status"] == "开工"


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)])
def test_csv_encodings(tmp_path, encoding, bom):
    p = lb.write_csv(tmp_path / "ledger.csv", lb.standard_sheet(), encoding=encoding, bom=bom)
    r = read_ledger(p)
    assert r.errors == []
    f = _by_id(r)
    assert f.loc["SB-001", "name"] == "福寿里小区"
    assert f.loc["SB-003", "planned_investment_wan"] == 260.5
    assert f.loc["SB-001", "actual_start"] == pd.Timestamp("2023-04-15")
    assert r.report_date == date(2023, 6, 30)
    # CSV: the physical line number (title lines count)
    assert f.loc["SB-001", "source_row"] == 4


def test_bytes_source_and_source_name(tmp_path):
    p = lb.write_xlsx(tmp_path / "x.xlsx", {"Sheet1": lb.standard_sheet()})
    r = read_ledger(p.read_bytes(), source_name="市北区台账.xlsx")
    assert r.source_name == "市北区台账.xlsx"
    assert len(r.frame) == 3 and r.errors == []


# ------------------------------------------------------------------------------------------- layouts
def test_multi_sheet_with_notes_and_empty_sheets(tmp_path):
    north = lb.standard_sheet()
    south = lb.standard_sheet([lb.row(1, "SN-001", "八大峡小区", "市南区", lon=120.3114, lat=36.0650)])
    notes = [["填报说明"], ["1. 金额单位为万元"], ["2. 日期格式为2023-05-31"]]
    p = lb.write_xlsx(tmp_path / "all.xlsx", {"填报说明": notes, "市北区": north, "市南区": south, "Sheet3": []})
    r = read_ledger(p)
    assert r.errors == []
    assert sorted(r.frame["community_id"]) == ["SB-001", "SB-002", "SB-003", "SN-001"]
    skipped = {(w.sheet, w.message[:7]) for w in r.warnings if w.row is None}
    assert ("填报说明", "填报说明或示例") in skipped
    assert ("Sheet3", "工作表为空，已") in skipped


def test_district_from_sheet_name_when_column_missing(tmp_path):
    header = [h for h in lb.HEADER if h != "所属区市"]
    rows = [[v for k, v in zip(lb.HEADER, r) if k != "所属区市"] for r in lb.standard_rows()]
    p = lb.write_xlsx(tmp_path / "a.xlsx", {"西海岸新区": lb.standard_sheet(rows, header=header, title=False)})
    r = read_ledger(p, report_date=date(2023, 6, 30))
    assert r.errors == []
    assert set(r.frame["district"]) == {"黄岛区"}


def test_batch_year_from_title_and_option(tmp_path):
    header = [h for h in lb.HEADER if h != "改造年度"]
    rows = [[v for k, v in zip(lb.HEADER, r) if k != "改造年度"] for r in lb.standard_rows()]
    p = lb.write_xlsx(tmp_path / "a.xlsx", {"市北区": lb.standard_sheet(rows, header=header)})
    r = read_ledger(p)
    assert r.errors == [] and set(r.frame["batch_year"]) == {2023}
    p2 = lb.write_xlsx(tmp_path / "b.xlsx", {"市北区": lb.standard_sheet(rows, header=header, title=False)})
    r2 = read_ledger(p2, batch_year=2022, report_date=date(2023, 6, 30))
    assert r2.errors == [] and set(r2.frame["batch_year"]) == {2022}
    r3 = read_ledger(p2, report_date=date(2023, 6, 30))
    assert [e.message[:11] for e in r3.errors] == ["缺少必填列「改造年度」"]


def test_two_row_merged_header(tmp_path):
    top = ["序号", "小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）",
           "开工时间", None, "完工时间", None, "竣工验收时间", None]
    sub = [None] * 8 + ["计划", "实际", "计划", "实际", "计划", "实际"]
    data = [1, "SB-001", "福寿里小区", "市北区", 2023, 300, 500, 100, datetime(2023, 4, 1), datetime(2023, 4, 3),
            datetime(2023, 10, 31), datetime(2023, 6, 1), datetime(2023, 12, 31), None]
    rows = [[lb.TITLE], ["截至2023年6月30日"], top, sub, data]
    merges = ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:F4", "G3:G4", "H3:H4", "I3:J3", "K3:L3", "M3:N3"]
    for merged in (True, False):   # with merge information and without (empty cells to the right)
        p = lb.write_xlsx(tmp_path / f"m{merged}.xlsx", {"市北区": rows}, {"市北区": merges} if merged else None)
        r = read_ledger(p)
        assert r.errors == [], r.errors
        f = r.frame.iloc[0]
        assert f["plan_start"] == pd.Timestamp("2023-04-01")
        assert f["actual_start"] == pd.Timestamp("2023-04-03")
        assert f["plan_completion"] == pd.Timestamp("2023-10-31")
        assert f["actual_completion"] == pd.Timestamp("2023-06-01")
        assert f["plan_acceptance"] == pd.Timestamp("2023-12-31")
        assert f["node_reached"] == 7 and f["status"] == "完工"
        assert f["source_row"] == 5


def test_group_row_above_header_with_unit(tmp_path):
    group = [None, None, None, None, None, "投资情况（单位：元）", None]
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "计划投资", "累计完成投资"]
    data = ["SB-1", "甲小区", "市北区", 2023, 100, 5_000_000, 1_200_000]
    p = lb.write_xlsx(tmp_path / "g.xlsx", {"市北区": [["截至2023年6月30日"], group, header, data]},
                      {"市北区": ["F2:G2"]})
    r = read_ledger(p)
    assert r.errors == []
    assert r.frame.loc[0, "planned_investment_wan"] == pytest.approx(500.0)
    assert r.frame.loc[0, "completed_investment_wan"] == pytest.approx(120.0)
    assert r.frame.loc[0, "source_row"] == 4


def test_blank_and_subtotal_rows_anywhere(tmp_path):
    rows = lb.standard_rows()
    blank = [None] * len(lb.HEADER)
    page_total = ["本页小计", None, None, None, None, None, 12, 870, None, 1560.5, 380.5]
    street_total = [None, None, "辽宁路街道小计", None, None, None, 6, 300]
    grand = ["合计", None, None, None, None, None, 18, 870, None, 1560.5]
    city = [None, "全市合计", None, None, None, None, 18, 870]
    total_first = [None, None, "总计", None, None, None, 18, 870]
    sheet = lb.standard_sheet([total_first, blank, rows[0], street_total, blank, rows[1], page_total, rows[2], blank,
                               grand, city])
    p = lb.write_xlsx(tmp_path / "s.xlsx", {"市北区": sheet})
    r = read_ledger(p)
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["SB-001", "SB-002", "SB-003"]
    assert r.frame["source_row"].tolist() == [6, 9, 11]
    assert r.frame["households"].sum() == 870


def test_vertically_merged_district_cells(tmp_path):
    rows = lb.standard_rows()
    for r_ in rows[1:]:
        r_[3] = None          # 所属区市 merged down over the three rows
    p = lb.write_xlsx(tmp_path / "v.xlsx", {"Sheet1": lb.standard_sheet(rows)}, {"Sheet1": ["D4:D6"]})
    r = read_ledger(p)
    assert r.errors == []
    assert r.frame["district"].tolist() == ["市北区"] * 3


# ------------------------------------------------------------------------------------------- headers
def test_header_synonyms_and_loose_matching(tmp_path):
    header = ["项目编号", "小区（项目）名称", "所在区市", "实施年度", "惠及居民户数", "项目总投资\n（万元）", "完成投资额(万元)",
              "中央补助资金", "省级资金", "市级资金", "区级资金", "居民出资", "开工时间（计划）", "开工计划时间 ",
              "进展情况", "打包项目", "计划加装电梯（部）", "负责人", "建成年代", "楼 栋 数", "改造类型", "主要改造内容"]
    data = ["Q1", "幸福苑", "李沧", "2023年度", "1,204", "1,200.5", "300", 100, 50, 20, 30, 10, "2023年5月", None,
            "前期", "李沧区2023年第一批", 2, "王某", "1990年代", "8", "基础类", "管网改造"]
    p = lb.write_xlsx(tmp_path / "h.xlsx", {"李沧区": [["截至2023年6月30日"], header, data]})
    r = read_ledger(p)
    assert r.errors == [], r.errors
    f = r.frame.iloc[0]
    assert (f["community_id"], f["name"], f["district"], f["batch_year"]) == ("Q1", "幸福苑", "李沧区", 2023)
    assert f["households"] == 1204 and f["planned_investment_wan"] == 1200.5
    assert f["completed_investment_wan"] == 300
    assert (f["fund_central_wan"], f["fund_provincial_wan"], f["fund_local_wan"], f["fund_resident_wan"]) == \
        (100, 50, 50, 10)
    assert f["plan_start"] == pd.Timestamp("2023-05-31")          # planned month -> last day
    assert f["status_text"] == "前期" and f["bundle"] == "李沧区2023年第一批"
    assert f["elevators_planned"] == 2 and f["responsible"] == "王某"
    assert f["built_year"] == 1990 and f["buildings"] == 8
    assert f["renovation_class"] == "基础类" and f["items"] == "管网改造"
    # the second header with the same meaning is reported, not silently mixed in
    assert any(w.column == "开工计划时间" for w in r.warnings)


# ------------------------------------------------------------------------------------------- dates
@pytest.mark.parametrize("cell,expected", [
    (datetime(2023, 5, 31), "2023-05-31"),
    (datetime(2023, 5, 31, 14, 30), "2023-05-31"),
    (45077, "2023-05-31"),                  # Excel serial number
    (20230531, "2023-05-31"),
    ("2023-05-31", "2023-05-31"),
    ("2023/5/31", "2023-05-31"),
    ("2023.5.31", "2023-05-31"),
    ("2023年5月31日", "2023-05-31"),
    ("20230531", "2023-05-31"),
    ("2023-05-31 08:15:00", "2023-05-31"),
    ("２０２３年５月３１日", "2023-05-31"),   # full-width digits
    ("2023年5月", "2023-05-31"),             # a month, planned: its last day
    ("2023-05", "2023-05-31"),
    ("—", None),
    ("待定", None),
])
def test_planned_date_formats(tmp_path, cell, expected):
    rows = lb.standard_rows()[:1]
    rows[0][11] = cell
    p = lb.write_xlsx(tmp_path / "d.xlsx", {"市北区": lb.standard_sheet(rows)})
    r = read_ledger(p)
    assert r.errors == []
    got = r.frame.loc[0, "plan_start"]
    assert (pd.isna(got) if expected is None else got == pd.Timestamp(expected))


def test_actual_month_only_is_month_end_capped_at_report_date(tmp_path):
    rows = lb.standard_rows()[:2]
    rows[0][12] = "2023年6月"       # report date 2023-06-30 -> 2023-06-30
    rows[1][12] = "2023年5月"       # -> 2023-05-31
    p = lb.write_xlsx(tmp_path / "m.xlsx", {"市北区": lb.standard_sheet(rows)})
    r = read_ledger(p, report_date=None)
    assert r.errors == []
    assert r.frame["actual_start"].tolist() == [pd.Timestamp("2023-06-30"), pd.Timestamp("2023-05-31")]
    r2 = read_ledger(lb.write_xlsx(tmp_path / "m2.xlsx", {"市北区": lb.standard_sheet(rows, title=False)}),
                     report_date=date(2023, 6, 15))
    assert r2.frame["actual_start"].tolist() == [pd.Timestamp("2023-06-15"), pd.Timestamp("2023-05-31")]


@pytest.mark.parametrize("title,expected", [
    ("截至2023年6月30日", date(2023, 6, 30)),
    ("截止日期：2023-06-30", date(2023, 6, 30)),
    ("数据截至2023/6/30", date(2023, 6, 30)),
    ("（截至5月底）", date(2023, 5, 31)),      # the year comes from the title
    ("截至2023年5月", date(2023, 5, 31)),
])
def test_report_date_from_title(tmp_path, title, expected):
    sheet = [["青岛市2023年城镇老旧小区改造项目台账"], [title]] + lb.standard_sheet(title=False)
    rows = [list(r) for r in sheet]
    for r_ in rows[3:]:
        r_[12] = datetime(2023, 4, 15) if r_[12] else None
        r_[14] = None
    p = lb.write_xlsx(tmp_path / "t.xlsx", {"市北区": rows})
    r = read_ledger(p)
    assert r.report_date == expected


# ------------------------------------------------------------------------------------------- units and numbers
@pytest.mark.parametrize("header,value,expected", [
    ("总投资（元）", 5_000_000, 500.0),
    ("总投资(万元)", 500, 500.0),
    ("总投资（亿元）", 0.05, 500.0),
    ("总投资", 500, 500.0),                    # no unit: 万元
    ("总投资（万元）", "1,234.5", 1234.5),
    ("总投资（万元）", "１２３４．５ ", 1234.5),  # full-width digits, trailing space
    ("总投资（元）", "12.3万", 12.3),           # text with 万 is already 万元
    ("总投资（万元）", "1.2亿元", 12000.0),
    ("总投资（元）", "500000元", 50.0),
])
def test_money_units(tmp_path, header, value, expected):
    hdr = list(lb.HEADER)
    hdr[9] = header
    rows = lb.standard_rows()[:1]
    rows[0][9] = value
    rows[0][10] = 0
    p = lb.write_xlsx(tmp_path / "u.xlsx", {"市北区": lb.standard_sheet(rows, header=hdr)})
    r = read_ledger(p)
    assert r.errors == [], r.errors
    assert r.frame.loc[0, "planned_investment_wan"] == pytest.approx(expected)


@pytest.mark.parametrize("header,value,expected", [
    ("建筑面积（平方米）", 24000, 24000.0),
    ("建筑面积(㎡)", 24000, 24000.0),
    ("建筑面积（m2）", 24000, 24000.0),
    ("建筑面积（万平方米）", 2.4, 24000.0),
    ("建筑面积", "2.4万", 24000.0),
])
def test_area_units(tmp_path, header, value, expected):
    hdr = list(lb.HEADER)
    hdr[8] = header
    rows = lb.standard_rows()[:1]
    rows[0][8] = value
    r = read_ledger(lb.write_xlsx(tmp_path / "a.xlsx", {"市北区": lb.standard_sheet(rows, header=hdr)}))
    assert r.frame.loc[0, "floor_area_m2"] == pytest.approx(expected)


def test_title_unit_line_applies_to_money_without_unit(tmp_path):
    hdr = list(lb.HEADER)
    hdr[9], hdr[10] = "总投资", "累计完成投资"
    rows = lb.standard_rows()[:1]
    rows[0][9], rows[0][10] = 5_000_000, 1_000_000
    sheet = [[lb.TITLE], ["单位：元", None, None, "截至2023年6月30日"], hdr] + rows
    r = read_ledger(lb.write_xlsx(tmp_path / "t.xlsx", {"市北区": sheet}))
    assert r.frame.loc[0, "planned_investment_wan"] == pytest.approx(500.0)
    assert r.frame.loc[0, "completed_investment_wan"] == pytest.approx(100.0)


def test_placeholders_in_optional_numbers_and_empty_completed(tmp_path):
    rows = lb.standard_rows()[:2]
    rows[0][6] = "—"        # 楼栋数
    rows[0][10] = None      # 累计完成投资 empty -> 0
    rows[1][6] = "/"
    rows[1][10] = "-"
    r = read_ledger(lb.write_xlsx(tmp_path / "p.xlsx", {"市北区": lb.standard_sheet(rows)}))
    assert r.errors == []
    assert r.frame["buildings"].isna().all()
    assert r.frame["completed_investment_wan"].tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------------------- districts
@pytest.mark.parametrize("written,official", [
    ("市北区", "市北区"), ("市北", "市北区"), (" 李沧区 ", "李沧区"), ("西海岸新区", "黄岛区"), ("黄岛", "黄岛区"),
    ("青岛市市南区", "市南区"), ("即墨市", "即墨区"), ("莱西", "莱西市"), ("四方区", "市北区"), ("胶南市", "黄岛区"),
])
def test_district_names(tmp_path, written, official):
    rows = lb.standard_rows()[:1]
    rows[0][3] = written
    rows[0][16] = rows[0][17] = None
    r = read_ledger(lb.write_xlsx(tmp_path / "d.xlsx", {"Sheet1": lb.standard_sheet(rows)}))
    assert r.errors == []
    assert r.frame.loc[0, "district"] == official


# ------------------------------------------------------------------------------------------- status words
def test_status_words_without_actual_dates(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "当前进度"]
    data = [["A1", "甲", "市北区", 2023, 10, 1, 0, "已开工"], ["A2", "乙", "市北区", 2023, 10, 1, 0, "已竣工"],
            ["A3", "丙", "市北区", 2023, 10, 1, 0, "招标中"], ["A4", "丁", "市北区", 2023, 10, 1, 0, "已验收"]]
    r = read_ledger(lb.write_xlsx(tmp_path / "s.xlsx", {"市北区": [["截至2023年6月30日"], header] + data}))
    assert r.errors == []
    assert r.frame["node_reached"].tolist() == [6, 7, 3, 8]
    assert r.frame["status"].tolist() == ["开工", "完工", "方案设计", "验收"]


# ------------------------------------------------------------------------------------------- coordinates
coords = pytest.importorskip("loaders.coords")


@pytest.mark.parametrize("lon_header,crs_option,crs", [
    ("经度", None, "gcj02"),                # settings default
    ("经度（高德）", "bd09", "gcj02"),       # a header hint beats the option
    ("经度(百度)", None, "bd09"),
    ("经度（BD09）", None, "bd09"),
    ("经度（WGS84）", None, "wgs84"),
    ("经度(天地图)", None, "wgs84"),
    ("经度（CGCS2000）", None, "wgs84"),
    ("经度", "wgs84", "wgs84"),
    ("经度", "bd09", "bd09"),
])
def test_coordinate_systems(tmp_path, lon_header, crs_option, crs):
    hdr = list(lb.HEADER)
    hdr[16] = lon_header
    rows = lb.standard_rows()[:1]
    r = read_ledger(lb.write_xlsx(tmp_path / "c.xlsx", {"市北区": lb.standard_sheet(rows, header=hdr)}), crs=crs_option)
    x, y = coords.to_wgs84(np.array([120.36]), np.array([36.09]), crs)
    assert r.frame.loc[0, "lon"] == pytest.approx(float(x[0]), abs=1e-9)
    assert r.frame.loc[0, "lat"] == pytest.approx(float(y[0]), abs=1e-9)


@pytest.mark.parametrize("words", [("百度", "WGS-84", None), ("百度坐标", "GPS坐标", "国测局"),
                                   ("BD09", "天地图", "高德地图")])
def test_crs_column_per_row(tmp_path, words):
    hdr = list(lb.HEADER) + ["坐标系"]
    rows = [r_ + [c] for r_, c in zip(lb.standard_rows(), words)]
    r = read_ledger(lb.write_xlsx(tmp_path / "c.xlsx", {"市北区": lb.standard_sheet(rows, header=hdr)}))
    assert not [w for w in r.warnings if w.column == "坐标系"]
    got = list(zip(r.frame["lon"], r.frame["lat"]))
    for (x, y), crs in zip(got, ["bd09", "wgs84", "gcj02"]):
        ex, ey = coords.to_wgs84(np.array([120.36]), np.array([36.09]), crs)
        assert (x, y) == pytest.approx((float(ex[0]), float(ey[0])), abs=1e-9)


def test_combined_lonlat_column(tmp_path):
    header = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资", "经纬度（WGS84）"]
    data = ["A1", "甲", "市北区", 2023, 10, 1, 0, "120.3731，36.0858"]
    r = read_ledger(lb.write_xlsx(tmp_path / "c.xlsx", {"市北区": [["截至2023年6月30日"], header, data]}))
    assert (r.frame.loc[0, "lon"], r.frame.loc[0, "lat"]) == pytest.approx((120.3731, 36.0858))


def test_column_numbering_row_under_header_is_skipped(tmp_path):
    numbering = list(range(1, len(lb.HEADER) + 1))
    sheet = [[lb.TITLE], lb.SUBTITLE, lb.HEADER, numbering] + lb.standard_rows()
    r = read_ledger(lb.write_xlsx(tmp_path / "n.xlsx", {"市北区": sheet}))
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["SB-001", "SB-002", "SB-003"]
    assert r.frame["source_row"].tolist() == [5, 6, 7]


def test_report_date_from_file_name(tmp_path):
    p = lb.write_xlsx(tmp_path / "青岛市老旧小区改造项目台账（截至2023年6月30日）.xlsx",
                      {"市北区": lb.standard_sheet(title=False)})
    r = read_ledger(p, batch_year=2023)
    assert r.report_date == date(2023, 6, 30) and r.errors == []
    r2 = read_ledger(p.read_bytes(), source_name="市北区（截至2023年5月31日）.xlsx")
    assert r2.report_date == date(2023, 5, 31)
    assert [e.column for e in r2.errors] == ["实际完工时间"]       # SB-003 completed 2023-06-20 > 5-31


def test_city_wide_sheet_as_offices_write_it(tmp_path):
    """Title + unit line, group header over funding sources, districts merged down, 区小计 rows, text dates,
    备注 column, 合  计 with spaces, and a footer with the people who filled it in."""
    top = ["序号", "项目编号", "小区名称", "区（市）", "所在街道", "年度", "惠及居民户数", "总投资", "累计完成投资",
           "资金来源", None, None, None, None, "计划开工时间", "实际开工时间", "备注"]
    sub = [None] * 9 + ["中央", "省级", "市区", "社会", "居民"] + [None] * 3
    rows = [
        ["青岛市2023年老旧小区改造项目汇总台账"],
        ["单位：万元、户", None, None, None, None, None, None, None, None, None, None, None, "截至2023年6月30日"],
        top, sub,
        [1, "Q-001", "海泊河小区", "市北区", "兴隆路街道", 2023, 320, 600, 120, 200, 100, 200, 50, 50,
         "2023.4.1", "2023.4.12", ""],
        [2, "Q-002", "湖岛小区", None, "兴隆路街道", 2023, 210, 400, 0, 100, 50, 200, 0, 50, "2023.9.1", "", "待开工"],
        [None, None, "市北区小计", None, None, None, 530, 1000, 120],
        [3, "Q-003", "金湖小区", "西海岸新区", "黄岛街道", 2023, 150, 300, 300, 100, 50, 100, 0, 50,
         "2023/3/1", "2023/3/5", ""],
        [None, None, "黄岛区小计", None, None, None, 150, 300, 300],
        ["合  计", None, None, None, None, None, 680, 1300, 420],
        ["填报人：张三", None, None, "审核人：李四", None, None, "联系电话：0532-12345678"],
    ]
    merges = [f"{c}3:{c}4" for c in "ABCDEFGHIOPQ"] + ["J3:N3", "D5:D6"]
    r = read_ledger(lb.write_xlsx(tmp_path / "city.xlsx", {"汇总": rows}, {"汇总": merges}))
    assert r.errors == [], r.errors
    assert r.report_date == date(2023, 6, 30)
    f = _by_id(r)
    assert list(f.index) == ["Q-001", "Q-002", "Q-003"]
    assert f["district"].tolist() == ["市北区", "市北区", "黄岛区"]
    assert f["source_row"].tolist() == [5, 6, 8]
    assert f.loc["Q-001", "fund_central_wan"] == 200 and f.loc["Q-001", "fund_local_wan"] == 200
    assert f.loc["Q-001", "fund_social_wan"] == 50 and f.loc["Q-001", "fund_resident_wan"] == 50
    assert f.loc["Q-001", "actual_start"] == pd.Timestamp("2023-04-12")
    assert f["node_reached"].tolist() == [6, 0, 6]
    assert f["households"].sum() == 680


@pytest.mark.parametrize("as_bytes", [False, True], ids=["path", "upload"])
@pytest.mark.parametrize("in_process", [False, True], ids=["worker", "in-process"])
def test_xls_hidden_column_loses_to_visible(as_bytes, in_process, monkeypatch):
    """calamine does not report an .xls's hidden columns: the parser finds them in the COLINFO records, so a
    hidden 累计完成投资 column (last week's values) gives way to the visible 已完成投资 column, silently."""
    if in_process:
        monkeypatch.setenv("LEDGER_PARSE_IN_PROCESS", "1")
    path = FIXTURES / "ledger_hidden_column.xls"
    r = read_ledger(path.read_bytes() if as_bytes else path, source_name=path.name)
    assert r.errors == []
    assert _by_id(r)["completed_investment_wan"].to_dict() == {"PD-1": 300.0, "PD-2": 100.0}
    # neither "the hidden column was not read" nor "only the hidden column was read"
    assert not [w for w in r.warnings if "含义相同" in w.message and "累计完成投资（万元）" in f"{w.column}{w.message}"]
