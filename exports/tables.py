"""Which ledger columns people see, in which order, under which Chinese header (loaders.schema.LABELS)."""
from __future__ import annotations

import pandas as pd

from loaders.schema import ACTUAL_COLUMNS, FUND_SOURCES, LABELS, PLAN_COLUMNS

# Extra columns the store adds to the canonical frame.
EXTRA_LABELS = {"report_date": "台账日期"}

# The ledger table of the 台账 page and its downloads: identity first, then progress, money, dates.
LEDGER_COLUMNS: list[str] = [
    "community_id", "name", "district", "street", "batch_year", "status", "status_text",
    "built_year", "buildings", "households", "floor_area_m2", "renovation_class", "items", "elevators_planned",
    "bundle", "planned_investment_wan", "completed_investment_wan", *[col for col, _ in FUND_SOURCES],
    "responsible", *[col for pair in zip(PLAN_COLUMNS, ACTUAL_COLUMNS) for col in pair],
    "lon", "lat", "report_date",
]

# Excel number formats by canonical column; anything else falls back on its dtype (see writers.py).
YEAR_COLUMNS = {"batch_year", "built_year"}
COORD_COLUMNS = {"lon", "lat"}


def table_labels() -> dict[str, str]:
    return {**LABELS, **EXTRA_LABELS}


def ledger_table(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The canonical ledger frame as people read it: the LEDGER_COLUMNS (or `columns`) it has, under their
    Chinese headers."""
    labels = table_labels()
    cols = [c for c in (columns or LEDGER_COLUMNS) if c in frame.columns]
    return frame[cols].rename(columns=labels).reset_index(drop=True)


def ledger_number_formats() -> dict[str, str]:
    """Excel formats for the Chinese headers of the ledger table (years without a thousands separator)."""
    labels = table_labels()
    formats = {labels[c]: "0" for c in YEAR_COLUMNS}
    formats.update({labels[c]: "0.000000" for c in COORD_COLUMNS})
    return formats
