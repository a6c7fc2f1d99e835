"""Node warnings (预警): overdue nodes (红), nodes due soon (黄), the next week's deadlines (下周重点) and the
districts whose ledger was not updated in time (未按时报送). Thresholds come from config/warnings.toml [nodes].

A node is *pending* for a community when it comes after the community's reached node (node_reached), has a
planned date, and has no actual date on or before the as-of date.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from loaders.schema import NODES, actual_column, as_datetime, plan_column
from metrics.progress import RED, YELLOW, _order_key

ALERT_COLUMNS = [
    "level", "community_id", "name", "district", "street", "node", "node_key", "node_index", "planned_date",
    "days_late", "days_to_due", "responsible",
]
STALE_COLUMNS = ["district", "latest_date", "days_old"]


def _node_rules() -> dict:
    from loaders.config import warning_rules

    return warning_rules()["nodes"]


def _as_ts(as_of) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize()


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col in frame.columns:
        return frame[col].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def pending_nodes(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    """Every pending node of every community, with planned_date and days_late = (as_of − planned).days
    (positive: late; 0: due today; negative: days still to go) and days_to_due = −days_late."""
    as_of = _as_ts(as_of)
    if frame is None or len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS if c != "level"})
    reached = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).to_numpy()
    base = pd.DataFrame({
        "community_id": _text(frame, "community_id"), "name": _text(frame, "name"),
        "district": _text(frame, "district"), "street": _text(frame, "street"),
        "responsible": _text(frame, "responsible"),
    })
    parts = []
    for index, (key, label) in enumerate(NODES, start=1):
        plan = as_datetime(frame[plan_column(key)])
        actual = as_datetime(frame[actual_column(key)])
        done = actual.notna() & (actual <= as_of)
        mask = (reached < index) & plan.notna() & ~done
        if not mask.any():
            continue
        part = base[mask.to_numpy()].copy()
        part["node"] = label
        part["node_key"] = key
        part["node_index"] = index
        part["planned_date"] = plan[mask].dt.normalize().to_numpy()
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS if c != "level"})
    out = pd.concat(parts, ignore_index=True)
    out["days_late"] = (as_of - out["planned_date"]).dt.days.astype(int)
    out["days_to_due"] = -out["days_late"]
    return out


def node_alerts(frame: pd.DataFrame, as_of, due_soon_days: int | None = None) -> pd.DataFrame:
    """Overdue and due-soon nodes, one row per community and node, columns ALERT_COLUMNS.

    - 红 (overdue): planned date before as_of, no actual date; days_late = days since the planned date (>= 1).
    - 黄 (due soon): planned date from as_of to as_of + due_soon_days inclusive (config [nodes] due_soon_days
      = 14 when None); days_late = −days_to_due (0 = due today, −3 = due in three days).
    Sorted: 红 most overdue first, then 黄 soonest first; ties by district (official order), community, node.
    """
    if due_soon_days is None:
        due_soon_days = int(_node_rules()["due_soon_days"])
    pending = pending_nodes(frame, as_of)
    if len(pending) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS})
    overdue = pending["days_late"] > 0
    soon = ~overdue & (pending["days_to_due"] <= due_soon_days)
    out = pending[overdue | soon].copy()
    out.insert(0, "level", [RED if late else YELLOW for late in overdue[overdue | soon]])
    out["_level"] = (out["level"] != RED).astype(int)
    # 红: larger days_late first; 黄: smaller days_to_due first == larger days_late first as well
    out["_order"] = _order_key(out["district"])
    out = out.sort_values(["_level", "days_late", "_order", "community_id", "node_index"],
                          ascending=[True, False, True, True, True], kind="mergesort")
    return out[ALERT_COLUMNS].reset_index(drop=True)


def due_next_days(frame: pd.DataFrame, as_of, days: int = 7) -> pd.DataFrame:
    """Nodes planned from the day after as_of through as_of + days (下周重点), not yet done; by district (official
    order), then planned date, community and node. Columns as node_alerts without level."""
    pending = pending_nodes(frame, as_of)
    cols = [c for c in ALERT_COLUMNS if c != "level"]
    if len(pending) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    out = pending[(pending["days_to_due"] >= 1) & (pending["days_to_due"] <= days)].copy()
    out["_order"] = _order_key(out["district"])
    out = out.sort_values(["_order", "district", "planned_date", "community_id", "node_index"], kind="mergesort")
    return out[cols].reset_index(drop=True)


def alerts_by_district(alerts: pd.DataFrame) -> pd.DataFrame:
    """Counts of 红 and 黄 alerts per district: district, red, yellow (official order)."""
    if len(alerts) == 0:
        return pd.DataFrame({"district": pd.Series(dtype="string"), "red": pd.Series(dtype=int),
                             "yellow": pd.Series(dtype=int)})
    counts = pd.crosstab(alerts["district"], alerts["level"])
    out = pd.DataFrame({"district": counts.index,
                        "red": counts.get(RED, pd.Series(0, index=counts.index)).to_numpy(),
                        "yellow": counts.get(YELLOW, pd.Series(0, index=counts.index)).to_numpy()})
    out["_order"] = _order_key(out["district"])
    return out.sort_values(["_order", "district"]).drop(columns="_order").reset_index(drop=True)


def _latest_by_district(snapshot_dates, as_of: pd.Timestamp) -> pd.Series:
    if isinstance(snapshot_dates, pd.DataFrame):
        df = snapshot_dates
        date_col = "snapshot_date" if "snapshot_date" in df.columns else "report_date"
        if "report_date" in df.columns and date_col == "snapshot_date":
            df = df[pd.to_datetime(df["report_date"]) <= as_of]
        dates = pd.to_datetime(df[date_col])
        series = dates[dates <= as_of].groupby(df.loc[dates <= as_of, "district"]).max()
    elif isinstance(snapshot_dates, Mapping):
        series = pd.Series({k: pd.Timestamp(v) if v is not None else pd.NaT for k, v in snapshot_dates.items()},
                           dtype="datetime64[ns]")
    else:
        series = pd.to_datetime(pd.Series(snapshot_dates))
    return series


def stale_districts(snapshot_dates_by_district, as_of, stale_days: int | None = None,
                    expected: list[str] | None = None) -> pd.DataFrame:
    """Districts whose latest ledger is more than `stale_days` old at `as_of` (未按时报送), oldest first.

    `snapshot_dates_by_district`: a mapping or Series district → latest snapshot date, or a frame with
    district and snapshot_date (e.g. the store's totals_by_date; its rows after as_of are ignored) or
    report_date columns. `expected`: districts that should report; one with no ledger at all is listed with
    latest_date NaT and days_old <NA>. stale_days None → config [nodes] stale_ledger_days (7).
    Columns: district, latest_date, days_old.
    """
    as_of = _as_ts(as_of)
    if stale_days is None:
        stale_days = int(_node_rules()["stale_ledger_days"])
    latest = _latest_by_district(snapshot_dates_by_district, as_of)
    rows = []
    for district, when in latest.items():
        if pd.isna(when):
            rows.append((district, pd.NaT, pd.NA))
            continue
        days_old = (as_of - pd.Timestamp(when).normalize()).days
        if days_old > stale_days:
            rows.append((district, pd.Timestamp(when).normalize(), days_old))
    for district in expected or []:
        if district not in latest.index:
            rows.append((district, pd.NaT, pd.NA))
    out = pd.DataFrame(rows, columns=STALE_COLUMNS)
    out["days_old"] = out["days_old"].astype("Int64")
    out["latest_date"] = pd.to_datetime(out["latest_date"])
    out["_never"] = out["latest_date"].isna()
    out["_order"] = _order_key(out["district"].astype(str))
    out = out.sort_values(["_never", "days_old", "_order"], ascending=[False, False, True], kind="mergesort")
    return out[STALE_COLUMNS].reset_index(drop=True)
