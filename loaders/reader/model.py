"""The types the reader's steps hand each other, and the small formatting helpers every step uses.

Sheet (a parsed grid) -> HeaderRows + Columns (loaders.reader.header) -> Title (loaders.reader.title) ->
RowKinds (loaders.reader.rows) -> Part (one ledger table's kept rows) -> Table (every part stacked,
loaders.reader.fields) -> the canonical frame. Report collects the errors and warnings of every step.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from loaders import headers, values
from loaders.report import Issue
from loaders.schema import NODE_NAME


@dataclass
class Sheet:
    """One sheet as parsed: columns of raw cells and their type codes (loaders.values.type_codes)."""
    name: str
    nrows: int
    cols: list[np.ndarray]
    codes: list[np.ndarray]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)   # 0-based (r0, c0, r1, c1)
    hidden: bool = False                       # the sheet itself is hidden
    hidden_cols: set[int] = field(default_factory=set)
    line_of: np.ndarray | None = None          # CSV: the physical line of each record (quoted line breaks)
    col_offset: int | None = None              # a table beside another: where its first column stands
    error_cells: list[tuple[int, int, str]] = field(default_factory=list)    # (row, col, '#DIV/0!') 0-based

    @classmethod
    def parsed(cls, sh: dict) -> "Sheet":
        """From the parser's reply (loaders.safety.parse_workbook)."""
        cols = sh["cols"]
        codes = sh.get("codes") or [values.type_codes(c) for c in cols]
        return cls(name=sh["name"], nrows=sh["nrows"], cols=cols, codes=codes, merges=list(sh.get("merges") or []),
                   hidden=bool(sh.get("hidden")), hidden_cols=set(sh.get("hidden_cols") or ()),
                   error_cells=list(sh.get("error_cells") or []))


@dataclass(frozen=True)
class Options:
    """What the caller says instead of the file (command line options, the upload form)."""
    source_name: str
    batch_year: int | None = None
    crs: str | None = None
    report_date: date | None = None


@dataclass(frozen=True)
class Title:
    """What the title rows above a header say (loaders.reader.title.title_info)."""
    report_date: date | None = None
    report_text: str | None = None     # the 截至… words as written (NFKC)
    year: int | None = None            # the one batch year named
    unit: float | None = None          # 单位：元 -> the factor to 万元
    no_year: bool = False              # 截至6月30日: a date without a year
    bad_report: str | None = None      # 截至2023年6月31日: no such day (as written)
    bad_reason: str | None = None      # why (那个月没有31日)


@dataclass(frozen=True)
class HeaderRows:
    """Where a table's header stands (0-based rows, inclusive) and how header-like its best row is."""
    first: int
    last: int
    score: int
    fields: frozenset


# ------------------------------------------------------------------------------------------- helpers
class Report:
    """Errors and warnings as Issues, located as the user sees the file."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, sheet, row, column, value, message) -> None:
        self.errors.append(Issue("error", str(sheet), None if row is None else int(row), column,
                                 None if value is None else str(value), message))

    def warn(self, sheet, row, column, value, message) -> None:
        self.warnings.append(Issue("warning", str(sheet), None if row is None else int(row), column,
                                   None if value is None else str(value), message))


@dataclass
class Column:
    index: int
    header: str                  # as written (rows joined with "/")
    spec: headers.ColumnSpec
    letter: str = ""             # the column as Excel names it (B, AA …)


@dataclass
class Part:
    sheet: str
    header_row: int              # Excel row of the (last) header row
    cols: dict[str, list[Column]]
    rows: np.ndarray             # Excel row numbers of the data rows kept
    raw: dict[str, np.ndarray]   # field -> raw cells of the kept rows (first column of the field)
    title_date: date | None = None
    title_date_text: str | None = None
    title_row: int | None = None                 # Excel row of the title line holding 截至…
    title: Title = field(default_factory=Title)
    sheet_district: str | None = None
    stated_district: str | None = None           # the district the sheet's name or title says it is
    sheet_street: str | None = None              # no street column: the sheet name or a 街道： title line
    section_year: np.ndarray | None = None       # no batch column: the year of the section heading above each row
    section_street: np.ndarray | None = None     # no street column: the street of the heading above each row
    section_district: np.ndarray | None = None   # no district column: the district of the heading above each row
    extra: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)   # field -> type codes of raw (loaders.values.type_codes)

    def header(self, fld: str) -> str:
        c = self.cols.get(fld)
        return c[0].header if c else headers.field_label(fld)


def node_label(fld: str) -> str:
    """'plan_start' -> '计划开工时间'."""
    which, key = fld.split("_", 1)
    return f"{'计划' if which == 'plan' else '实际'}{NODE_NAME.get(key, key)}时间"


def cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    return values.display(v)


def fmt_date(d) -> str:
    if d is None or pd.isna(d):
        return ""
    return pd.Timestamp(d).strftime("%Y-%m-%d")


def fmt_num(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if np.isfinite(x) else ""


def row_cells(cols: list[np.ndarray], i: int) -> list:
    return [c[i] if i < len(c) else None for c in cols]


def numeric_like(v) -> bool:
    if v is None or v == "":
        return False
    if not isinstance(v, str):
        return not isinstance(v, bool)
    return bool(re.fullmatch(r"[\d\s.,:/\-年月日+%]+", unicodedata.normalize("NFKC", v).strip()))


def col_name(col: Column) -> str:
    return f"「{col.header}」" if col.header.endswith("列）") else f"「{col.header}」（{col.letter}列）"


def dates_str(values_: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(values_.astype("datetime64[D]"), unit="D").astype(object)


def as_date(d) -> date | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return pd.Timestamp(d).date()


# the two ways to say what the file does not: the command line's option and the upload form's field
GIVE_DATE = "另行指定截至日期（命令行用 --report-date，看板上传时填写“截至日期”）"
GIVE_YEAR = "另行指定改造年度（命令行用 --batch-year，看板上传时填写“改造年度”）"
