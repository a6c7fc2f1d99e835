"""A programme of several batches (the 2022–2024 plan: 1,108 communities, 30万户, 140亿元): where each batch year
and each district stands against its plan."""
from __future__ import annotations

import pandas as pd

from loaders.schema import STARTED_NODE
from metrics.progress import TOTALS_COLUMNS, UNKNOWN_DISTRICT, _order_key, start_rate, totals

PROGRAMME_COLUMNS = ["batch_year", "planned", "households", "planned_investment_wan", "started", "start_rate",
                     "completed", "completed_investment_wan", "investment_rate", "schedule_rate"]
TOTAL = "合计"


def _row(frame: pd.DataFrame, as_of) -> dict:
    t = totals(frame, as_of)
    return {**{k: t[k] for k in ("planned", "households", "planned_investment_wan", "started", "start_rate",
                                 "completed", "completed_investment_wan", "schedule_rate")},
            "investment_rate": start_rate(t["completed_investment_wan"], t["planned_investment_wan"])}


def programme_by_year(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    """One row per batch year (ascending) and a last row 合计 over them all, columns PROGRAMME_COLUMNS: the plan
    (communities, households, investment) against what was started, completed and invested by `as_of`."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PROGRAMME_COLUMNS})
    years = pd.to_numeric(frame["batch_year"], errors="coerce").astype("float64")    # a missing year: NaN, never in a year
    counted = frame[TOTALS_COLUMNS]
    rows = [{"batch_year": str(int(y)), **_row(counted[(years == y).to_numpy()], as_of)}
            for y in sorted(years.dropna().unique())]
    rows.append({"batch_year": TOTAL, **_row(counted, as_of)})
    return pd.DataFrame(rows)[PROGRAMME_COLUMNS]


def programme_by_district(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    """Districts down (official order), batch years across: started / planned per district and year, the start
    rate, and the district's total over the programme. Columns district, batch_year ("2022" … or 合计), planned,
    started, start_rate."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["district", "batch_year", "planned", "started",
                                                                    "start_rate"]})
    # counts only, no money: one pass over the rows (a national programme has 280,000 of them in 217 groups)
    node = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).to_numpy()
    work = pd.DataFrame({"district": frame["district"].astype("string").fillna(UNKNOWN_DISTRICT).reset_index(drop=True),
                         "year": pd.to_numeric(frame["batch_year"], errors="coerce").to_numpy(),
                         "started": (node >= STARTED_NODE).astype("int64")})
    by_year = work.groupby(["district", "year"], sort=False).agg(planned=("started", "size"), started=("started", "sum"))
    by_district = work.groupby("district", sort=False).agg(planned=("started", "size"), started=("started", "sum"))
    rows = []
    for name, whole in by_district.iterrows():
        years = by_year.loc[name].sort_index() if name in by_year.index.get_level_values(0) else by_year.iloc[:0]
        for label, counts in [*((str(int(y)), r) for y, r in years.iterrows()), (TOTAL, whole)]:
            rows.append({"district": str(name), "batch_year": label, "planned": int(counts["planned"]),
                         "started": int(counts["started"]),
                         "start_rate": start_rate(int(counts["started"]), int(counts["planned"]))})
    out = pd.DataFrame(rows)
    out["_order"] = _order_key(out["district"])
    return out.sort_values(["_order", "district"], kind="mergesort").drop(columns="_order").reset_index(drop=True)
