"""The figure set of `check --json` and `summary`: counts, households and investment by district, status, node."""
from __future__ import annotations

import pandas as pd

from loaders.schema import COMPLETED_NODE, NODE_NAMES, STARTED_NODE


def _num(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").astype("float64").fillna(0.0)


def ledger_summary(frame: pd.DataFrame) -> dict:
    """Summary of a canonical frame (one row per community).

    Keys: rows, by_district {official name: {communities, started, completed, households,
    planned_investment_wan, completed_investment_wan}}, by_status {status: count},
    by_node {node name: communities whose node_reached >= that node}, bundles (distinct non-empty bundles),
    elevators_planned (sum). Money in 万元 rounded to 2 decimals; counts are ints.
    """
    n = int(len(frame))
    if n == 0:
        return {"rows": 0, "by_district": {}, "by_status": {}, "by_node": {name: 0 for name in NODE_NAMES},
                "bundles": 0, "elevators_planned": 0}
    node = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).astype("int64") \
        if "node_reached" in frame.columns else pd.Series(0, index=frame.index)
    work = pd.DataFrame({
        "district": frame["district"].astype("string").fillna("（未知）") if "district" in frame.columns
        else pd.Series("（未知）", index=frame.index),
        "started": (node >= STARTED_NODE).astype("int64"),
        "completed": (node >= COMPLETED_NODE).astype("int64"),
        "households": _num(frame, "households"),
        "planned": _num(frame, "planned_investment_wan"),
        "done": _num(frame, "completed_investment_wan"),
    })
    g = work.groupby("district", sort=False).agg(communities=("started", "size"), started=("started", "sum"),
                                                 completed=("completed", "sum"), households=("households", "sum"),
                                                 planned=("planned", "sum"), done=("done", "sum"))
    try:
        from loaders.config import district_names
        order = {name: i for i, name in enumerate(district_names())}
    except Exception:  # noqa: BLE001 - config not available: keep first-seen order
        order = {}
    g = g.loc[sorted(g.index, key=lambda d: (order.get(d, len(order)), str(d)))]
    g = g[g.index != "（未知）"]       # rows whose district could not be read (rejected files) are not a district
    by_district = {
        str(d): {
            "communities": int(r.communities),
            "started": int(r.started),
            "completed": int(r.completed),
            "households": int(round(r.households)),
            "planned_investment_wan": round(float(r.planned), 2),
            "completed_investment_wan": round(float(r.done), 2),
        }
        for d, r in g.iterrows()
    }
    status = frame["status"].astype("string").fillna("未启动") if "status" in frame.columns \
        else pd.Series("未启动", index=frame.index)
    counts = status.value_counts()
    rank = {name: i for i, name in enumerate(["未启动", *NODE_NAMES])}
    by_status = {str(k): int(counts[k]) for k in sorted(counts.index, key=lambda s: (rank.get(s, 99), str(s)))}
    by_node = {name: int((node >= k).sum()) for k, name in enumerate(NODE_NAMES, start=1)}
    bundles = 0
    if "bundle" in frame.columns:
        b = frame["bundle"].astype("string").str.strip()
        bundles = int(b[b.notna() & (b != "")].nunique())
    elevators = int(round(_num(frame, "elevators_planned").sum()))
    return {"rows": n, "by_district": by_district, "by_status": by_status, "by_node": by_node,
            "bundles": bundles, "elevators_planned": elevators}
