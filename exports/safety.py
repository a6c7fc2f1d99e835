"""Formula injection (CSV/Excel injection) defence for every exported table.

A spreadsheet treats a text cell that begins with = + - @ (and, in some programs, a tab, CR or LF before one of
them) as a formula. Ledger cells are typed by district staff and uploaded by anyone, so an export never hands
such text to a spreadsheet as-is: it is prefixed with a single quote, the convention Excel itself shows for
"text that looks like a formula" (OWASP "CSV Injection").
"""
from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_text(value):
    """`value` with a leading single quote when it is text starting with a formula trigger; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells cannot run as formulas; numbers, dates and missing values are untouched.

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
