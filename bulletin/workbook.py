"""The bulletin's tables as an Excel workbook, through exports.excel_bytes (frozen header, header repeated on
print, A4, 红/黄/绿 fills, text as string cells that never run as formulas): numbers stay numbers, the units are in the headers."""
from __future__ import annotations

import pandas as pd

from exports import excel_bytes

from . import model

# Sheets in order: the two rankings, 表3 (most overdue communities), then the full lists behind the document's
# shortened tables (every overdue node, every node due next week) and the late reporters.
WORKBOOK_TABLES = ("ranking_start", "ranking_investment", "overdue", "overdue_all", "due_all", "stale")

NUMBER_FORMATS = {
    model.INT: "#,##0",
    model.PCT: "0.0",
    model.WAN: "#,##0.0",
    # A number in the cell, written like the document: 2 -> 上升2位, -1 -> 下降1位, 0 -> 持平.
    model.RANK_CHANGE: '"上升"0"位";"下降"0"位";"持平"',
    model.DATE: "yyyy-mm-dd",
}
DTYPES = {model.INT: "Int64", model.PCT: "float64", model.WAN: "float64", model.RANK_CHANGE: "Int64",
          model.DATE: "datetime64[ns]"}


def table_frame(table: model.Table) -> pd.DataFrame:
    """A Table as a typed DataFrame with its printed headers."""
    data = {}
    for i, col in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        dtype = DTYPES.get(col.kind)
        if dtype == "datetime64[ns]":
            data[col.label] = pd.to_datetime(pd.Series(values, dtype="object"))
        elif dtype:
            data[col.label] = pd.Series(values, dtype="float64" if dtype != "Int64" else "Float64").astype(dtype)
        else:
            data[col.label] = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
    return pd.DataFrame(data)


def write_workbook(content: model.BulletinContent, target=None) -> bytes:
    sheets, formats = {}, {}
    for key in WORKBOOK_TABLES:
        table = content.tables.get(key)
        if table is None:
            continue
        sheets[table.sheet] = table_frame(table)
        for col in table.columns:
            if col.kind in NUMBER_FORMATS:
                formats[col.label] = NUMBER_FORMATS[col.kind]
    data = excel_bytes(sheets, title=f"{content.full_title}  截至{content.date_line}", number_formats=formats)
    if target is not None:
        with open(target, "wb") as fh:
            fh.write(data)
    return data
