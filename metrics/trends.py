"""Investment over time, from the store's totals_by_date frame (one row per report_date, district and batch:
the as-of state at that date), and funding by source from a canonical ledger."""
from __future__ import annotations

import pandas as pd

from loaders.schema import FUND_SOURCES
from metrics.progress import _order_key

TREND_COLUMNS = ["report_date", "completed_investment_wan", "planned_investment_wan", "previous_batch_wan",
                 "previous_batch_date", "weekly_increment_wan"]
SERIES_COLUMNS = ["report_date", "district", "completed_investment_wan", "planned_investment_wan",
                  "weekly_increment_wan"]


def _select(totals: pd.DataFrame, batch_year: int, districts=None) -> pd.DataFrame:
    if totals is None or len(totals) == 0:
        return pd.DataFrame(columns=["report_date", "district", "completed_investment_wan", "planned_investment_wan"])
    years = [int(y) for y in batch_year] if isinstance(batch_year, (list, tuple)) else [int(batch_year)]
    mask = pd.to_numeric(totals["batch_year"], errors="coerce").isin(years)
    if districts:
        mask &= totals["district"].isin(list(districts))
    out = totals[mask].copy()
    out["report_date"] = pd.to_datetime(out["report_date"]).dt.normalize()
    return out


def _by_date(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["completed_investment_wan", "planned_investment_wan"]
    if len(rows) == 0:
        return pd.DataFrame({"report_date": pd.Series(dtype="datetime64[ns]"),
                             **{c: pd.Series(dtype=float) for c in cols}})
    return rows.groupby("report_date", as_index=False)[cols].sum().sort_values("report_date")


def investment_trend(totals: pd.DataFrame, batch_year: int, districts=None, as_of=None) -> pd.DataFrame:
    """Cumulative investment of `batch_year` at each of its report dates, columns TREND_COLUMNS:

    completed_investment_wan  累计完成投资, summed over the districts (as reported, cumulative)
    planned_investment_wan    the plan line: the batch's total planned investment at that date
    previous_batch_wan        the previous batch (batch_year − 1) as of report_date − 1 year (同期): its total at
                              its latest report date on or before that day; NaN when it has none
    previous_batch_date       that report date of the previous batch (NaT when none)
    weekly_increment_wan      the change from the previous report date (NaN on the first)

    `totals` must hold both batches (store.totals_by_date(batch_years=[y - 1, y])). `districts` filters both.
    `as_of` ends the curve at that report date, so a past week's view shows no later weeks.
    """
    totals = _until(totals, as_of)
    current = _by_date(_select(totals, batch_year, districts))
    previous = _by_date(_select(totals, int(batch_year) - 1, districts))
    out = current.copy()
    out["weekly_increment_wan"] = out["completed_investment_wan"].diff()
    if len(out) == 0:
        out["previous_batch_wan"] = pd.Series(dtype=float)
        out["previous_batch_date"] = pd.Series(dtype="datetime64[ns]")
        out = out[TREND_COLUMNS]
        out.attrs["batch_year"] = int(batch_year)
        return out
    out["_year_ago"] = out["report_date"] - pd.DateOffset(years=1)  # 2024-02-29 -> 2023-02-28
    if len(previous):
        prev = previous.rename(columns={"report_date": "previous_batch_date",
                                        "completed_investment_wan": "previous_batch_wan"})
        prev = prev[["previous_batch_date", "previous_batch_wan"]].sort_values("previous_batch_date")
        out = pd.merge_asof(out.sort_values("_year_ago"), prev, left_on="_year_ago",
                            right_on="previous_batch_date", direction="backward")
    else:
        out["previous_batch_wan"] = float("nan")
        out["previous_batch_date"] = pd.NaT
    out = out.sort_values("report_date")[TREND_COLUMNS].reset_index(drop=True)
    out.attrs["batch_year"] = int(batch_year)
    return out


def value_at(trend: pd.DataFrame, date, column: str = "completed_investment_wan") -> float | None:
    """The value of `column` at the latest report date on or before `date` (as-of); None before the first
    date or when the value is missing."""
    if trend is None or len(trend) == 0:
        return None
    when = pd.Timestamp(date).normalize()
    rows = trend[pd.to_datetime(trend["report_date"]) <= when]
    if len(rows) == 0:
        return None
    value = rows.sort_values("report_date")[column].iloc[-1]
    return None if pd.isna(value) else float(value)


def _until(totals: pd.DataFrame, as_of) -> pd.DataFrame:
    return totals if as_of is None else totals[totals["report_date"] <= pd.Timestamp(as_of)]


def district_investment_series(totals: pd.DataFrame, batch_year, districts=None, as_of=None) -> pd.DataFrame:
    """Per district and report date of `batch_year` (one year, or a list: their sum) up to `as_of`: cumulative
    completed and planned investment
    and the weekly increment (change from the district's previous report date; NaN on its first).
    Columns SERIES_COLUMNS, sorted by date then official district order."""
    rows = _select(_until(totals, as_of), batch_year, districts)
    if len(rows) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SERIES_COLUMNS})
    out = rows.groupby(["report_date", "district"], as_index=False)[
        ["completed_investment_wan", "planned_investment_wan"]].sum()
    out["_order"] = _order_key(out["district"])
    out = out.sort_values(["_order", "district", "report_date"], kind="mergesort")
    out["weekly_increment_wan"] = out.groupby("district")["completed_investment_wan"].diff()
    out = out.sort_values(["report_date", "_order", "district"], kind="mergesort")
    return out[SERIES_COLUMNS].reset_index(drop=True)


def funding_by_source(frame: pd.DataFrame) -> pd.DataFrame:
    """Funding arranged by source (资金来源), summed per district (official order): columns district, then each
    fund_* column of loaders.schema.FUND_SOURCES that holds any value, then total_wan. No rows when the ledger
    has no funding columns filled in."""
    present = [col for col, _ in FUND_SOURCES
               if frame is not None and col in frame.columns and frame[col].notna().any()]
    if not present:
        return pd.DataFrame({"district": pd.Series(dtype="string"), "total_wan": pd.Series(dtype=float)})
    amounts = frame[present].apply(pd.to_numeric, errors="coerce")
    out = amounts.groupby(frame["district"].astype(str)).sum().reset_index()
    out = out.rename(columns={out.columns[0]: "district"})
    out["total_wan"] = out[present].sum(axis=1)
    out["_order"] = _order_key(out["district"])
    return out.sort_values(["_order", "district"]).drop(columns="_order").reset_index(drop=True)


def fund_label(column: str) -> str:
    """The Chinese name of a fund_* column (中央补助资金 …)."""
    return dict(FUND_SOURCES).get(column, column)


BATCH_TREND_COLUMNS = ["report_date", "batch_year", "completed_investment_wan", "planned_investment_wan"]


def batch_trends(totals: pd.DataFrame, batch_years, districts=None, as_of=None) -> pd.DataFrame:
    """Cumulative investment of each of `batch_years` at every report date (up to `as_of`), columns
    BATCH_TREND_COLUMNS, sorted by date then batch: a programme of several batches (2022–2024) is each batch's
    curve and their sum against the summed plan. `totals` is store.totals_by_date over those batches: every
    batch appears at every report date with its as-of state, so a batch that has only its plan (no progress
    report yet) adds its plan and zero completed investment on each date."""
    parts = []
    for year in sorted({int(y) for y in batch_years}):
        rows = _by_date(_select(_until(totals, as_of), year, districts))
        rows.insert(1, "batch_year", year)
        parts.append(rows)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in BATCH_TREND_COLUMNS})
    out = pd.concat(parts, ignore_index=True).sort_values(["report_date", "batch_year"], kind="mergesort")
    return out[BATCH_TREND_COLUMNS].reset_index(drop=True)


def programme_totals(batch_trend: pd.DataFrame) -> pd.DataFrame:
    """The sum over the batches of a batch_trends frame: one row per report date, completed and planned."""
    cols = ["completed_investment_wan", "planned_investment_wan"]
    if batch_trend is None or len(batch_trend) == 0:
        return pd.DataFrame({"report_date": pd.Series(dtype="datetime64[ns]"),
                             **{c: pd.Series(dtype=float) for c in cols}})
    return batch_trend.groupby("report_date", as_index=False)[cols].sum().sort_values("report_date")
