"""What changed: the wording of a change that never rounds a real change away, and the week-on-week comparison
of two as-of states (started and completed this week, newly overdue nodes, districts whose light changed, the
biggest movers) for the 本周变化 page and the big screen.

A change is written at the precision that shows it: an import that doubles 平度市's investment (297→605万元) is
"增加308.0万元", not "持平" because 0.03亿元 rounds to 0.0; the city's 7.0→7.1亿元 is "增加412.3万元". Only a number
that did not move (within float noise) is 持平.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.schema import COMPLETED_NODE, STARTED_NODE
from metrics.numbers import MISSING, fmt_number, fmt_yi, is_missing

NOISE = 1e-6          # sums of float money differ by this much without any real change
MAX_DECIMALS = 4


def _shown(value: float, decimals: int) -> str:
    """`value` at the fewest decimals (from `decimals`, at most MAX_DECIMALS) that do not round it to zero."""
    for places in range(decimals, MAX_DECIMALS + 1):
        text = fmt_number(abs(value), places)
        if text.strip("0.,") != "":
            return text
    return fmt_number(abs(value), MAX_DECIMALS)


def _change(delta, up: str, down: str, unit: str, decimals: int) -> str:
    if is_missing(delta):
        return MISSING
    delta = float(delta)
    if abs(delta) < NOISE:
        return "持平"
    return f"{up if delta > 0 else down}{_shown(delta, decimals)}{unit}"


def fmt_money(wan) -> str:
    """An amount for a card: 亿元 with one decimal from 1亿元 up (70339 -> "7.0亿元"), else 万元 with one decimal
    (605 -> "605.0万元"), so a district's 297 and 605万元 never both read "0.1亿元"."""
    if is_missing(wan):
        return MISSING
    return fmt_yi(wan) if abs(float(wan)) >= 10000 else f"{fmt_number(float(wan), 1)}万元"


def fmt_money_change(delta_wan) -> str:
    """A change of money in 万元: "增加5.8亿元" from 0.1亿元 up, else in 万元 ("增加308.0万元", "减少0.05万元");
    "持平" only when nothing moved; "—" when missing."""
    if not is_missing(delta_wan) and abs(float(delta_wan)) >= 500:     # 0.05亿元: shows as at least 0.1亿元
        return _change(float(delta_wan) / 10000, "增加", "减少", "亿元", 1)
    return _change(delta_wan, "增加", "减少", "万元", 1)


def fmt_points_change(delta) -> str:
    """A change of a percentage in points, one decimal, more when one would show 0.0: "提高0.04个百分点"."""
    return _change(delta, "提高", "降低", "个百分点", 1)


# ------------------------------------------------------------------------------------- two weeks compared
COMMUNITY_COLUMNS = ["community_id", "name", "district", "street", "status", "responsible"]
MOVER_COLUMNS = ["district", "start_rate_before", "start_rate", "start_rate_change", "started_before", "started",
                 "investment_before_wan", "investment_wan", "investment_change_wan", "light_before", "light"]


def _node(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0)


def crossed(now: pd.DataFrame, before: pd.DataFrame | None, node: int) -> pd.DataFrame:
    """Communities at `node` or beyond now that were not a week before (or not in that week's ledger), in the
    order of `now`: columns COMMUNITY_COLUMNS."""
    if now is None or len(now) == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COMMUNITY_COLUMNS})
    past = np.zeros(len(now))
    if before is not None and len(before):
        # each id's row a week before, looked up in Arrow's hash table; reversed, so that an id listed twice
        # (two batches) is found at its last row
        earlier = pa.array(before["community_id"].astype("string").array)[::-1]
        at = pc.fill_null(pc.index_in(pa.array(now["community_id"].astype("string").array), value_set=earlier), -1)
        at = at.to_numpy()
        past = np.where(at >= 0, _node(before).to_numpy()[::-1][at], 0)
    mask = (_node(now).to_numpy() >= node) & (past < node)
    return now.loc[mask, [c for c in COMMUNITY_COLUMNS if c in now.columns]].reset_index(drop=True)


def started_this_week(now, before) -> pd.DataFrame:
    return crossed(now, before, STARTED_NODE)


def completed_this_week(now, before) -> pd.DataFrame:
    return crossed(now, before, COMPLETED_NODE)


def newly_overdue(alerts_now: pd.DataFrame, alerts_before: pd.DataFrame | None) -> pd.DataFrame:
    """The overdue (红) node alerts of now that were not overdue a week before (same community and node)."""
    from metrics.progress import RED

    red = alerts_now[alerts_now["level"] == RED] if len(alerts_now) else alerts_now
    if alerts_before is None or len(alerts_before) == 0 or len(red) == 0:
        return red.reset_index(drop=True)
    old = alerts_before[alerts_before["level"] == RED]
    seen = set(zip(old["community_id"].astype(str), old["node_key"].astype(str)))
    keep = [(c, n) not in seen for c, n in zip(red["community_id"].astype(str), red["node_key"].astype(str))]
    return red[keep].reset_index(drop=True)


def district_movers(progress_now: pd.DataFrame, progress_before: pd.DataFrame | None) -> pd.DataFrame:
    """Each district of `progress_now` (a district_progress frame) against the other date's: start rate,
    started, completed investment and light, before and now, and the changes. Columns MOVER_COLUMNS, in the
    order of progress_now (official order); a district absent before has NaN / None before."""
    if progress_now is None or len(progress_now) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in MOVER_COLUMNS})
    before = (progress_before.set_index("district") if progress_before is not None and len(progress_before)
              else pd.DataFrame(columns=progress_now.columns).set_index("district"))
    out = pd.DataFrame({"district": progress_now["district"]})
    d = out["district"]
    out["start_rate_before"] = pd.to_numeric(d.map(before["start_rate"]), errors="coerce")
    out["start_rate"] = pd.to_numeric(progress_now["start_rate"], errors="coerce")
    out["start_rate_change"] = out["start_rate"] - out["start_rate_before"]
    out["started_before"] = pd.to_numeric(d.map(before["started"]), errors="coerce")
    out["started"] = progress_now["started"]
    out["investment_before_wan"] = pd.to_numeric(d.map(before["completed_investment_wan"]), errors="coerce")
    out["investment_wan"] = pd.to_numeric(progress_now["completed_investment_wan"], errors="coerce")
    out["investment_change_wan"] = out["investment_wan"] - out["investment_before_wan"]
    out["light_before"] = d.map(before["light"])
    out["light"] = progress_now["light"]
    return out[MOVER_COLUMNS].reset_index(drop=True)


def light_changes(movers: pd.DataFrame) -> pd.DataFrame:
    """The districts of a district_movers frame whose 红/黄/绿 light is not the one it had."""
    if len(movers) == 0:
        return movers
    changed = movers["light_before"].notna() & (movers["light_before"] != movers["light"])
    return movers[changed.to_numpy()].reset_index(drop=True)


def biggest_movers(movers: pd.DataFrame, column: str, n: int = 3) -> pd.DataFrame:
    """The `n` districts that moved most on `column` (start_rate_change or investment_change_wan), largest first;
    districts that did not move are left out."""
    moved = movers[pd.to_numeric(movers[column], errors="coerce").abs() > NOISE]
    return moved.sort_values(column, ascending=False, kind="mergesort").head(n).reset_index(drop=True)
