"""A programme of several batches (the 2022–2024 plan: 1,108 communities, 30万户, 140亿元): where each batch year
and each district stands against its plan."""
from __future__ import annotations

import pandas as pd

from metrics.progress import UNKNOWN_DISTRICT, _order_key, start_rate, totals

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
    years = pd.to_numeric(frame["batch_year"], errors="coerce")
    rows = [{"batch_year": str(int(y)), **_row(frame[(years == y).to_numpy()], as_of)}
            for y in sorted(years.dropna().unique())]
    rows.append({"batch_year": TOTAL, **_row(frame, as_of)})
    return pd.DataFrame(rows)[PROGRAMME_COLUMNS]


def programme_by_district(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    """Districts down (official order), batch years across: started / planned per district and year, the start
    rate, and the district's total over the programme. Columns district, batch_year ("2022" … or 合计), planned,
    started, start_rate."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["district", "batch_year", "planned", "started",
                                                                    "start_rate"]})
    districts = frame["district"].astype("string").fillna(UNKNOWN_DISTRICT)
    rows = []
    for name, group in frame.groupby(districts, sort=False):
        for year, part in programme_by_year(group, as_of).iterrows():
            rows.append({"district": str(name), "batch_year": part["batch_year"], "planned": part["planned"],
                         "started": part["started"], "start_rate": part["start_rate"]})
    out = pd.DataFrame(rows)
    out["_order"] = _order_key(out["district"])
    return out.sort_values(["_order", "district"], kind="mergesort").drop(columns="_order").reset_index(drop=True)
