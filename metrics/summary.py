"""The figure set of `check --json` and `summary`: counts, households and investment by district, status, node."""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from loaders.schema import COMPLETED_NODE, NODE_NAMES, STARTED_NODE

NOT_STARTED = "未启动"
UNKNOWN_DISTRICT = "（未知）"


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
        return _empty()
    node = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).astype("int64") \
        if "node_reached" in frame.columns else pd.Series(0, index=frame.index)
    work = pd.DataFrame({
        "district": frame["district"].astype("string").fillna(UNKNOWN_DISTRICT) if "district" in frame.columns
        else pd.Series(UNKNOWN_DISTRICT, index=frame.index),
        "started": (node >= STARTED_NODE).astype("int64"),
        "completed": (node >= COMPLETED_NODE).astype("int64"),
        "households": _num(frame, "households"),
        "planned": _num(frame, "planned_investment_wan"),
        "done": _num(frame, "completed_investment_wan"),
    })
    g = work.groupby("district", sort=False).agg(communities=("started", "size"), started=("started", "sum"),
                                                 completed=("completed", "sum"), households=("households", "sum"),
                                                 planned=("planned", "sum"), done=("done", "sum"))
    status = frame["status"].astype("string").fillna(NOT_STARTED) if "status" in frame.columns \
        else pd.Series(NOT_STARTED, index=frame.index)
    bundles = 0
    if "bundle" in frame.columns:
        b = frame["bundle"].astype("string").str.strip()
        bundles = int(b[b.notna() & (b != "")].nunique())
    return {"rows": n, "by_district": _by_district(g.itertuples(name=None)),
            "by_status": _by_status(status.value_counts().items()), "by_node": _by_node(node.value_counts().items()),
            "bundles": bundles, "elevators_planned": int(round(_num(frame, "elevators_planned").sum()))}


def summary_of_totals(districts: Iterable[tuple], statuses: Iterable[tuple], bundles: int,
                      elevators_planned: float) -> dict:
    """The same figures as ledger_summary from aggregates kept with the snapshots, without a community row:
    `districts` (district, communities, started, completed, households, planned_wan, completed_wan) — several
    rows of a district are added up —, `statuses` (node_reached, status or None, communities), the number of
    distinct bundles and the planned elevators."""
    sums: dict[str, list[float]] = {}
    for district, *values in districts:
        acc = sums.setdefault(UNKNOWN_DISTRICT if district is None else str(district), [0.0] * 6)
        for i, v in enumerate(values):
            acc[i] += v or 0
    status_counts: dict[str, int] = {}
    node_counts: dict[int, int] = {}
    for node, status, count in statuses:
        key = NOT_STARTED if status is None else str(status)
        status_counts[key] = status_counts.get(key, 0) + int(count)
        node_counts[int(node or 0)] = node_counts.get(int(node or 0), 0) + int(count)
    rows = int(sum(node_counts.values()))
    if rows == 0:
        return _empty()
    return {"rows": rows, "by_district": _by_district((d, *v) for d, v in sums.items()),
            "by_status": _by_status(status_counts.items()), "by_node": _by_node(node_counts.items()),
            "bundles": int(bundles), "elevators_planned": int(round(elevators_planned or 0))}


def summary_as_of(store, as_of=None, batch_years=None, districts=None) -> dict | None:
    """ledger_summary's figures of store.ledger_as_of(as_of, batch_years, districts) from the aggregates the store
    keeps with each snapshot (no community row is read): summary_of_aggregates. None when the store has none
    (read-only and made before them)."""
    aggregates = store.snapshot_aggregates(as_of, batch_years, districts)
    return None if aggregates is None else summary_of_aggregates(aggregates)


def summary_of_aggregates(aggregates) -> dict:
    """summary_of_totals of a store_common.SnapshotAggregates, plus report_date (the latest snapshot's, a date or
    None), by_batch {batch_year: the by_district figures summed over the districts}, for the summary's table by
    year, and totals (every TOTAL_COLUMNS sum and report_date: metrics.headline's figures)."""
    from loaders.store_common import TOTAL_COLUMNS

    # float sums depend on the order they are added in: one order on every engine gives identical figures
    picked = sorted(aggregates.picked, key=lambda r: (r[0], int(r[1])))
    at = [3 + TOTAL_COLUMNS.index(c) for c in _SUMMARY_TOTALS]
    totals = totals_of_snapshots(picked)
    figures = summary_of_totals([(r[0], *(r[i] for i in at)) for r in picked], aggregates.statuses,
                                aggregates.bundles, totals["elevators_planned"])
    figures["report_date"] = totals["report_date"]
    by_batch: dict[int, dict] = {}
    for r in picked:
        sums = by_batch.setdefault(int(r[1]), dict.fromkeys(_SUMMARY_TOTALS, 0))
        for c, i in zip(_SUMMARY_TOTALS, at):
            sums[c] += r[i]
    figures["by_batch"] = by_batch
    figures["totals"] = totals
    return figures


def totals_of_snapshots(picked: list[tuple]) -> dict:
    """Every TOTAL_COLUMNS sum and report_date (the latest snapshot's) of SnapshotAggregates.picked rows:
    metrics.headline's figures."""
    from loaders.store_common import TOTAL_COLUMNS, _to_date

    # float sums depend on the order they are added in: one order on every engine gives identical figures
    picked = sorted(picked, key=lambda r: (r[0], int(r[1])))
    totals = {c: sum(r[3 + i] for r in picked) for i, c in enumerate(TOTAL_COLUMNS)}
    totals["report_date"] = max((_to_date(r[2]) for r in picked), default=None)
    return totals


_SUMMARY_TOTALS = ["communities", "started", "completed", "households", "planned_investment_wan",
                   "completed_investment_wan"]


def _empty() -> dict:
    return {"rows": 0, "by_district": {}, "by_status": {}, "by_node": {name: 0 for name in NODE_NAMES},
            "bundles": 0, "elevators_planned": 0}


def _by_district(rows: Iterable[tuple]) -> dict:
    """(district, communities, started, completed, households, planned, done) rows in official district order;
    rows whose district could not be read (rejected files) are not a district."""
    try:
        from loaders.config import district_names
        order = {name: i for i, name in enumerate(district_names())}
    except Exception:  # noqa: BLE001 - config not available: keep first-seen order
        order = {}
    rows = sorted((r for r in rows if r[0] != UNKNOWN_DISTRICT),
                  key=lambda r: (order.get(r[0], len(order)), str(r[0])))
    return {
        str(d): {
            "communities": int(communities),
            "started": int(started),
            "completed": int(completed),
            "households": int(round(households)),
            "planned_investment_wan": round(float(planned), 2),
            "completed_investment_wan": round(float(done), 2),
        }
        for d, communities, started, completed, households, planned, done in rows
    }


def _by_status(counts: Iterable[tuple]) -> dict:
    rank = {name: i for i, name in enumerate([NOT_STARTED, *NODE_NAMES])}
    counts = dict(counts)
    return {str(k): int(counts[k]) for k in sorted(counts, key=lambda s: (rank.get(s, 99), str(s)))}


def _by_node(node_counts: Iterable[tuple]) -> dict:
    """Communities whose node_reached is that node or later, from (node_reached, communities) pairs."""
    counts = list(node_counts)
    return {name: int(sum(c for node, c in counts if node >= k)) for k, name in enumerate(NODE_NAMES, start=1)}
