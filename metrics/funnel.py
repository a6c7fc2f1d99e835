"""The stage funnel (摸底 → 意愿征求 → 方案设计 → 立项 → 招投标 → 开工 → 完工 → 验收): how many communities have
reached each node, as of a date, by district and over time. Before works start the start rate is 0 everywhere;
the funnel shows where the preparation stands (2022 batch at 2021-12-31: 273 consulted, 216 designed).

A community has reached node k at date D when its latest node with an actual date on or before D is k or later
(the definition of node_reached in loaders.schema), so "reached 意愿征求" counts every community at 意愿征求 or
beyond.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.schema import NODE_KEYS, NODE_NAMES, actual_column, as_datetime
from metrics.progress import UNKNOWN_DISTRICT, _order_key, start_rate

FUNNEL_COLUMNS = ["stage_index", "stage", "reached", "share", "planned"]


def _actual_dates(frame: pd.DataFrame) -> np.ndarray:
    """The actual date of every node, one column per node in order (NaT where none): parsed once, compared with
    every date of a history."""
    if len(frame) == 0:
        return np.empty((0, len(NODE_KEYS)), dtype="datetime64[ns]")
    return np.column_stack([as_datetime(frame[actual_column(key)]).to_numpy(dtype="datetime64[ns]")
                            for key in NODE_KEYS])


def _reached(actual: np.ndarray, as_of) -> np.ndarray:
    # node k (1-based) counts when its actual date is on or before as_of; NaT compares False
    when = np.datetime64(pd.Timestamp(as_of).normalize().to_datetime64(), "ns")
    done = actual <= when
    index = np.arange(1, actual.shape[1] + 1)
    return np.where(done, index, 0).max(axis=1, initial=0)


def reached_at(frame: pd.DataFrame, as_of) -> np.ndarray:
    """Per community, the 1-based index of the latest node whose actual date is on or before `as_of` (0: none),
    from the frame's actual dates: node_reached as a ledger reported at `as_of` would have computed it."""
    return _reached(_actual_dates(frame), as_of)


def _counts(reached: np.ndarray, planned: int) -> pd.DataFrame:
    rows = [(k, name, int((reached >= k).sum())) for k, name in enumerate(NODE_NAMES, start=1)]
    out = pd.DataFrame(rows, columns=["stage_index", "stage", "reached"])
    out["share"] = [start_rate(n, planned) for n in out["reached"]]
    out["planned"] = planned
    return out[FUNNEL_COLUMNS]


def stage_funnel(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per node (8, in order): reached = communities at that node or beyond (from node_reached, as the
    ledger reported it), share = reached / planned × 100 (None when nothing is planned), planned."""
    node = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).to_numpy() if len(frame) else np.zeros(0)
    return _counts(node, len(frame))


def funnel_by_district(frame: pd.DataFrame) -> pd.DataFrame:
    """stage_funnel per district (official order): columns district + FUNNEL_COLUMNS."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["district", *FUNNEL_COLUMNS]})
    districts = frame["district"].astype("string").fillna(UNKNOWN_DISTRICT)
    parts = [stage_funnel(group).assign(district=str(name)) for name, group in frame.groupby(districts, sort=False)]
    out = pd.concat(parts, ignore_index=True)
    out["_order"] = _order_key(out["district"])
    out = out.sort_values(["_order", "district", "stage_index"], kind="mergesort")
    return out[["district", *FUNNEL_COLUMNS]].reset_index(drop=True)


def funnel_history(frame: pd.DataFrame, dates) -> pd.DataFrame:
    """The funnel at each of `dates` (ascending), from the actual dates of `frame` (the as-of ledger: the history
    as the latest ledger records it): columns report_date + FUNNEL_COLUMNS."""
    actual = _actual_dates(frame)
    parts = [_counts(_reached(actual, d), len(frame)).assign(report_date=pd.Timestamp(d).normalize())
             for d in sorted(pd.Timestamp(d) for d in dates)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ["report_date", *FUNNEL_COLUMNS]})
    return pd.concat(parts, ignore_index=True)[["report_date", *FUNNEL_COLUMNS]]
