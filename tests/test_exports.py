"""exports: neutralised text, print-ready Excel and CSV of the ledger table."""
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from exports import (csv_bytes, excel_bytes, ledger_csv, ledger_excel, ledger_table, neutralise_formulas,
                     neutralise_text)
from loaders.schema import LABELS, conform


@pytest.fixture
def ledger():
    frame = pd.DataFrame({
        "community_id": ["SB-001", "SB-002", "SB-003"],
        "name": ["=HYPERLINK(\"http://x\",\"点我\")", "<img src=x onerror=alert(1)>", "台东一路小区"],
        "district": ["市北区", "市北区", "市北区"],
        "street": ["@SUM(A1)", "\t=1+1", "台东街道"],
        "batch_year": [2022, 2022, 2022],
        "built_year": [1985, None, 1990],
        "households": [1200, 350, 80],
        "floor_area_m2": [52000.5, 9000.0, np.nan],
        "planned_investment_wan": [1234.5, -12.0, 800.0],
        "completed_investment_wan": [600.25, 0.0, np.nan],
        "plan_start": pd.to_datetime(["2022-04-01", "2022-05-01", None]),
        "actual_start": pd.to_datetime(["2022-04-03", None, None]),
        "node_reached": [6, 5, 0],
        "status": ["开工", "招投标", "未启动"],
        "lon": [120.36, 120.37, 120.38],
        "lat": [36.08, 36.09, 36.1],
    })
    out = conform(frame)
    out["report_date"] = pd.Timestamp("2022-05-31")
    return out


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_formula_triggers_are_prefixed_with_a_quote(text):
    assert neutralise_text(text) == "'" + text


@pytest.mark.parametrize("value", ["台东一路小区", "a=b", "", " =1", 5, -3.5, None])
def test_other_values_are_left_alone(value):
    assert neutralise_text(value) == value


def test_neutralise_formulas_touches_only_text_cells():
    df = pd.DataFrame({"text": pd.Series(["=cmd|' /C calc'!A0", "正常", None], dtype="string"),
                       "obj": ["-2", "+86 532", "x"],
                       "number": [-1.0, 2.0, np.nan],
                       "count": pd.Series([-5, None, 3], dtype="Int64")})
    out = neutralise_formulas(df)
    assert out["text"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "正常"]
    assert pd.isna(out["text"].iloc[2])
    assert out["text"].dtype == "string"
    assert out["obj"].tolist() == ["'-2", "'+86 532", "x"]
    assert out["number"].iloc[0] == -1.0 and out["count"].iloc[0] == -5
    assert df["obj"].iloc[0] == "-2"  # the input is not modified


def test_ledger_table_uses_the_chinese_labels(ledger):
    table = ledger_table(ledger)
    assert table.columns[:3].tolist() == ["小区编号", "小区名称", "所属区市"]
    assert LABELS["planned_investment_wan"] in table.columns
    assert "台账日期" in table.columns
    assert "node_reached" not in table.columns and "节点序号" not in table.columns
    assert len(table) == 3


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))["台账"]


def test_ledger_excel_is_formatted_for_print(ledger):
    sheet = _sheet(ledger_excel(ledger))
    header = [c.value for c in sheet[1]]
    assert header == ledger_table(ledger).columns.tolist()
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9
    assert sheet.auto_filter.ref.startswith("A1:")
    assert "第 &P 页" in sheet.oddFooter.center.text


def test_ledger_excel_keeps_numbers_and_dates_typed(ledger):
    sheet = _sheet(ledger_excel(ledger))
    header = [c.value for c in sheet[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    money = sheet.cell(2, col["计划投资（万元）"])
    assert money.value == 1234.5 and money.data_type == "n"
    assert money.number_format == "#,##0.00"
    assert sheet.cell(3, col["计划投资（万元）"]).value == -12.0  # a negative number stays a number
    households = sheet.cell(2, col["户数"])
    assert households.value == 1200 and households.number_format == "#,##0"
    year = sheet.cell(2, col["改造年度"])
    assert year.value == 2022 and year.number_format == "0"
    assert sheet.cell(3, col["建成年代"]).value is None
    start = sheet.cell(2, col["计划开工时间"])
    assert start.is_date and start.value.date().isoformat() == "2022-04-01"
    assert sheet.cell(4, col["计划开工时间"]).value is None


def test_ledger_excel_never_writes_a_formula(ledger):
    sheet = _sheet(ledger_excel(ledger))
    header = [c.value for c in sheet[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    name = sheet.cell(2, col["小区名称"])
    # String cells never run, so the text is kept exactly as written (no quote prefix in xlsx).
    assert name.data_type == "s" and name.value == "=HYPERLINK(\"http://x\",\"点我\")"
    assert sheet.cell(2, col["街道"]).value == "@SUM(A1)"
    assert sheet.cell(3, col["街道"]).value == "\t=1+1"
    assert sheet.cell(3, col["小区名称"]).value == "<img src=x onerror=alert(1)>"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_ledger_csv(ledger):
    data = ledger_csv(ledger)
    assert data.startswith("\ufeff".encode("utf-8"))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == ledger_table(ledger).columns.tolist()
    assert back["小区名称"].tolist()[0] == "'=HYPERLINK(\"http://x\",\"点我\")"
    assert back["街道"].tolist()[:2] == ["'@SUM(A1)", "'\t'=1+1"]   # the tab may separate cells: both quoted
    assert back["计划投资（万元）"].tolist() == ["1234.5", "-12.0", "800.0"]
    assert back["计划开工时间"].tolist() == ["2022-04-01", "2022-05-01", ""]
    assert back["户数"].tolist() == ["1200", "350", "80"]


def test_excel_bytes_colours_lights_and_takes_formats():
    table = pd.DataFrame({"区市": ["市北区", "平度市"], "开工率（%）": [94.3, 50.0], "预警": ["绿", "红"]})
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"排名": table}, title="排名 & 预警",
                                                         number_formats={"开工率（%）": "0.0"})))
    sheet = book["排名"]
    assert sheet["B2"].value == 94.3 and sheet["B2"].number_format == "0.0"
    rules = [rule.formula[0] for cf in sheet.conditional_formatting for rule in cf.rules]
    assert sorted(rules) == sorted(['"红"', '"黄"', '"绿"'])
    assert "排名 && 预警" in sheet.oddHeader.center.text


def test_csv_bytes_of_any_table():
    data = csv_bytes(pd.DataFrame({"名称": ["-1+1", "好"], "数量": [1, 2]}))
    assert data.decode("utf-8-sig").splitlines() == ["名称,数量", "'-1+1,1", "好,2"]


def test_print_format_excel_has_a_title_row_above_the_table():
    import openpyxl

    table = pd.DataFrame({"小区名称": ["台东小区", "=1+2"], "户数": [120, 80]})
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"台账": table}, title="老旧小区改造台账（截至2022年5月31日）",
                                                         title_row=True)))
    sheet = book["台账"]
    assert sheet["A1"].value == "老旧小区改造台账（截至2022年5月31日）"
    assert [c.value for c in sheet[2]] == ["小区名称", "户数"]
    assert [c.value for c in sheet[4]] == ["=1+2", 80] and sheet["A4"].data_type == "s"   # text, not a formula
    assert sheet.freeze_panes == "A3" and sheet.print_title_rows == "$2:$2"
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges}
