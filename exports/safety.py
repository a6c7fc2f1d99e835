"""Formula injection (CSV/Excel injection) defence for every exported table (docs/security.md).

Ledger cells are typed by district staff and uploaded by anyone, so an export never hands a spreadsheet text it
would run as a formula. The rule depends on the format:

- xlsx: every text cell is written as a string cell (XlsxWriter with strings_to_formulas off). A string cell is
  never a formula in Excel, WPS or LibreOffice, so the text needs no prefix: "-号楼" stays "-号楼".
- CSV: a CSV has no cell types; the program opening it decides, and a person may open it with ";", "|" or a tab
  as the separator. OWASP's rule ("CSV Injection"): a cell that begins with = + - @, a tab or a carriage return
  gets a leading single quote. The same holds for the full-width ＝ ＋ － ＠ (spreadsheets read them as the ASCII
  ones) and for a trigger that follows a separator inside the text (";=1+9" opened with ";" as the separator
  starts a new cell "=1+9"): the quote goes before each such trigger. The quote is visible in the CSV: that is
  the price of the format, documented; the xlsx download has no such mark.
"""
from __future__ import annotations

import re

import pandas as pd

FORMULA_TRIGGERS = "=+-@＝＋－＠"
# Characters that a spreadsheet may take as a cell separator when a person opens the CSV.
SEPARATORS = ",;|\t"
# A trigger at the start of the text or of a would-be cell (after a separator or a line break), or a tab, CR or
# LF opening the text.
_CELL_START = re.compile(rf"(?:^|(?<=[{re.escape(SEPARATORS)}\r\n]))(?=[{re.escape(FORMULA_TRIGGERS)}])"
                         r"|^(?=[\t\r\n])")


def neutralise_text(value):
    """`value` with a single quote before every formula trigger that could open a CSV cell; else unchanged."""
    if isinstance(value, str):
        return _CELL_START.sub("'", value)
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells cannot run as formulas when the CSV is opened; numbers, dates and missing
    values are untouched.

    Only text columns (object / string dtype) are looked at, so a negative number stays a number.
    Column labels are ours (from loaders.schema.LABELS), but are neutralised as well in case a caller passes
    headers taken from a file.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(neutralise_text, na_action="ignore").astype(series.dtype)
    out.columns = [neutralise_text(c) if isinstance(c, str) else c for c in out.columns]
    return out
