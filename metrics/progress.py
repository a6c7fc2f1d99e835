"""Start rates, the pro-rata schedule (序时进度), the 红/黄/绿 district light and the district rankings.

Definitions (DOMAIN.md, docs/ARCHITECTURE.md):
- planned: communities in the ledger (计划任务数); started: node_reached >= 6 (开工 or later);
  completed: node_reached >= 7 (完工 or later).
- start rate (开工率) = started / planned × 100, in percent, None when nothing is planned; it may exceed 100.
- schedule rate (序时进度) = communities whose planned start date (plan_start) is on or before the as-of date,
  over all planned communities, in percent; a community without a planned start is not yet due.
- behind_points = schedule_rate − start_rate (> 0: behind schedule).
- light (config/warnings.toml [district_schedule]): behind > red_behind → 红; behind ≥ yellow_behind → 黄;
  else 绿. behind_points is compared as printed (half-up to one decimal), so the light always agrees with the
  number next to it in a table.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from loaders.schema import COMPLETED_NODE, STARTED_NODE, as_datetime
from metrics.numbers import round_half_up

RED, YELLOW, GREEN = "红", "黄", "绿"
LIGHTS = (RED, YELLOW, GREEN)           # most urgent first
UNKNOWN_DISTRICT = "未填报区市"
UNASSIGNED_CITY = "未归属城市"        # a stored district no configured city holds

PROGRESS_COLUMNS = [
    "district", "planned", "started", "start_rate", "households", "started_households", "household_start_rate",
    "completed", "planned_investment_wan", "completed_investment_wan", "elevators_planned", "due_start",
    "schedule_rate", "behind_points", "light", "rank_start", "rank_investment",
]


def start_rate(started, planned) -> float | None:
    """Started over planned in percent (300, 318 -> 94.339…); None when planned is 0 or missing.
    Not rounded: format with metrics.numbers.fmt_pct. May exceed 100."""
    if planned is None or pd.isna(planned) or float(planned) == 0:
        return None
    if started is None or pd.isna(started):
        return None
    return float(started) / float(planned) * 100.0


def _as_timestamp(as_of) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize()


def schedule_thresholds(rules: dict | None = None) -> tuple[float, float]:
    """(yellow_behind, red_behind) from `rules` (the whole warnings.toml dict or its [district_schedule]
    table), else from config/warnings.toml."""
    if rules is None:
        from loaders.config import warning_rules

        rules = warning_rules()
    section = rules.get("district_schedule", rules)
    return float(section["yellow_behind"]), float(section["red_behind"])


def schedule_light(behind_points, rules: dict | None = None) -> str:
    """红/黄/绿 for points behind the pro-rata schedule; None (no schedule or no plan) → 绿."""
    if behind_points is None or pd.isna(behind_points):
        return GREEN
    yellow, red = schedule_thresholds(rules)
    behind = round_half_up(float(behind_points), 1)
    if behind > red:
        return RED
    if behind >= yellow:
        return YELLOW
    return GREEN


def official_order() -> list[str]:
    """District names in the order of their administrative codes (config/districts.toml), then the cities in
    the order of the province file (rows of city_progress sort and break ties by it too)."""
    from loaders.config import city_names, district_names

    return district_names() + city_names()


def _order_key(names: pd.Series) -> pd.Series:
    order = {name: i for i, name in enumerate(official_order())}
    return names.map(lambda n: order.get(n, len(order)))


def _sum(series: pd.Series) -> float:
    value = pd.to_numeric(series, errors="coerce").sum(skipna=True)
    return float(value) if pd.notna(value) else 0.0


# Money sums are added in different orders by different paths (rows, snapshot sums, two engines); float
# addition is not associative, so the last digits differ. A 万元 figure rounded to 1e-6 (one fen) is exact
# for every ledger value and identical on every path, so a change shows only when the money changed.
MONEY_DECIMALS = 6


def money(value) -> float:
    return round(float(value), MONEY_DECIMALS)


# The columns totals() reads: a frame narrowed to them first is split by district or year without copying the
# other forty (280,000 communities: 0.12 → 0.05 s for the districts' rows of a national programme).
TOTALS_COLUMNS = ["node_reached", "households", "planned_investment_wan", "completed_investment_wan",
                  "elevators_planned", "plan_start"]


def totals(frame: pd.DataFrame, as_of=None) -> dict:
    """The aggregate figures of a canonical frame (used per district and for the whole city).
    due_start / schedule_rate need `as_of`; without it they are None."""
    node = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0)
    started_mask = node >= STARTED_NODE
    households = pd.to_numeric(frame["households"], errors="coerce")
    planned = int(len(frame))
    started = int(started_mask.sum())
    hh = _sum(households)
    started_hh = _sum(households[started_mask])
    out = {
        "planned": planned,
        "started": started,
        "start_rate": start_rate(started, planned),
        "households": int(hh),
        "started_households": int(started_hh),
        "household_start_rate": start_rate(started_hh, hh),
        "completed": int((node >= COMPLETED_NODE).sum()),
        "planned_investment_wan": money(_sum(frame["planned_investment_wan"])),
        "completed_investment_wan": money(_sum(frame["completed_investment_wan"])),
        "elevators_planned": int(_sum(frame["elevators_planned"])),
        "due_start": None,
        "schedule_rate": None,
    }
    if as_of is not None:
        plan_start = as_datetime(frame["plan_start"])
        due = int((plan_start <= _as_timestamp(as_of)).sum())  # NaT compares False: not due
        out["due_start"] = due
        out["schedule_rate"] = start_rate(due, planned)
    return out


def totals_of_sums(sums: dict) -> dict:
    """totals() (without due_start and schedule_rate) from sums kept with the snapshots: communities, started,
    completed, households, started_households, planned_investment_wan, completed_investment_wan,
    elevators_planned (store_common.TOTAL_COLUMNS), so a headline reads no community row."""
    planned, started = int(sums["communities"]), int(sums["started"])
    hh, started_hh = float(sums["households"]), float(sums["started_households"])
    return {
        "planned": planned,
        "started": started,
        "start_rate": start_rate(started, planned),
        "households": int(hh),
        "started_households": int(started_hh),
        "household_start_rate": start_rate(started_hh, hh),
        "completed": int(sums["completed"]),
        "planned_investment_wan": money(sums["planned_investment_wan"]),
        "completed_investment_wan": money(sums["completed_investment_wan"]),
        "elevators_planned": int(sums["elevators_planned"]),
        "due_start": None,
        "schedule_rate": None,
    }


def _behind(schedule_rate, rate):
    if schedule_rate is None or rate is None or pd.isna(schedule_rate) or pd.isna(rate):
        return None
    return float(schedule_rate) - float(rate)


def district_progress(frame: pd.DataFrame, as_of: date | str | pd.Timestamp, rules: dict | None = None) -> pd.DataFrame:
    """One row per district present in `frame` (official order), columns PROGRESS_COLUMNS.

    Rates are in percent and unrounded (None when nothing is planned). rank_start: 1 = highest start rate,
    ties broken by the household start rate, then the official district order (ranks are unique).
    rank_investment: 1 = highest completed investment, ties by the official order.
    """
    if frame is None or len(frame) == 0:
        return _progress_table([], rules)
    districts = frame["district"].astype("string").fillna(UNKNOWN_DISTRICT)
    return _progress_table([{"district": str(name), **totals(group, as_of)}
                            for name, group in frame[TOTALS_COLUMNS].groupby(districts, sort=False)], rules)


def district_progress_of_sums(picked: list[tuple], cities: dict[str, str] | None = None) -> pd.DataFrame:
    """district_progress from the sums kept with the snapshots (store_common.SnapshotAggregates.picked: district,
    batch_year, report_date, *TOTAL_COLUMNS per snapshot), no community row read: every column but the schedule's
    (due_start, schedule_rate, behind_points and light are None), so the ranks are the same. `cities` (district →
    city): one row per city, as city_progress."""
    from loaders.store_common import TOTAL_COLUMNS

    sums: dict[str, dict] = {}
    # one order of addition on every path and engine: identical float sums (MONEY_DECIMALS)
    for row in sorted(picked, key=lambda r: (str(r[0]), int(r[1]))):
        name = str(row[0]) if cities is None else cities.get(str(row[0]), UNASSIGNED_CITY)
        group = sums.setdefault(name, dict.fromkeys(TOTAL_COLUMNS, 0))
        for column, value in zip(TOTAL_COLUMNS, row[3:]):
            group[column] += value or 0
    return _progress_table([{"district": name, **totals_of_sums(group)} for name, group in sums.items()
                            if group["communities"]], None, schedule=False)


def _progress_table(rows: list[dict], rules: dict | None, schedule: bool = True) -> pd.DataFrame:
    """PROGRESS_COLUMNS of one totals() row per district: the schedule light, official order, the ranks."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PROGRESS_COLUMNS})
    for row in rows:
        row["behind_points"] = _behind(row["schedule_rate"], row["start_rate"])
        row["light"] = schedule_light(row["behind_points"], rules) if schedule else None
    out = pd.DataFrame(rows)
    out["_order"] = _order_key(out["district"])
    out = out.sort_values(["_order", "district"], kind="mergesort").reset_index(drop=True)
    out["rank_start"] = _rank(out, ["start_rate", "household_start_rate"])
    out["rank_investment"] = _rank(out, ["completed_investment_wan"])
    return out.drop(columns="_order")[PROGRESS_COLUMNS]


def city_progress(frame: pd.DataFrame, as_of, cities: dict[str, str], rules: dict | None = None) -> pd.DataFrame:
    """district_progress one level up, for a province: one row per city, `cities` mapping each district to its
    city (loaders.config.district_cities). The column `district` holds the city's name, so every figure and
    table drawn from district rows draws cities unchanged."""
    if frame is None or len(frame) == 0:
        return district_progress(frame, as_of, rules)
    by_city = frame.assign(district=frame["district"].astype("object").map(cities).fillna(UNASSIGNED_CITY))
    return district_progress(by_city, as_of, rules)


def _rank(progress: pd.DataFrame, by: list[str]) -> pd.Series:
    """1-based unique ranks: larger values first on each column of `by` (None last), then the official order."""
    keys = pd.DataFrame(index=progress.index)
    sort_cols, ascending = [], []
    for col in by:
        # round away float noise so that 2/3 and 4/6 tie; missing rates sort last
        keys[col] = pd.to_numeric(progress[col], errors="coerce").round(9).fillna(float("-inf"))
        sort_cols.append(col)
        ascending.append(False)
    keys["_order"] = _order_key(progress["district"])
    keys["_name"] = progress["district"]
    ordered = keys.sort_values(sort_cols + ["_order", "_name"], ascending=ascending + [True, True], kind="mergesort")
    ranks = pd.Series(range(1, len(ordered) + 1), index=ordered.index)
    return ranks.reindex(progress.index).astype(int)


def laggards_first(progress: pd.DataFrame) -> pd.DataFrame:
    """The progress rows ordered so that a leader sees the laggards at once: 红, then 黄, then 绿; within a
    light the lower start rate first; then the official order."""
    if len(progress) == 0:
        return progress.copy()
    keys = pd.DataFrame(index=progress.index)
    keys["_light"] = progress["light"].map({light: i for i, light in enumerate(LIGHTS)}).fillna(len(LIGHTS))
    keys["_rate"] = pd.to_numeric(progress["start_rate"], errors="coerce").round(9).fillna(float("inf"))
    keys["_order"] = _order_key(progress["district"])
    order = keys.sort_values(["_light", "_rate", "_order"], kind="mergesort").index
    return progress.loc[order].reset_index(drop=True)


def ranking_change(current: pd.DataFrame, previous: pd.DataFrame | None, rank_column: str = "rank_start") -> pd.DataFrame:
    """`current` with a column rank_change = previous rank − current rank (positive = moved up since the
    previous bulletin; <NA> for a district absent from `previous` or when there is no previous bulletin)."""
    out = current.copy()
    if previous is None or len(previous) == 0:
        out["rank_change"] = pd.array([pd.NA] * len(out), dtype="Int64")
        return out
    before = previous.set_index("district")[rank_column]
    prev_rank = out["district"].map(before)
    out["rank_change"] = (pd.to_numeric(prev_rank, errors="coerce") - out[rank_column]).astype("Int64")
    return out


def city_total(frame: pd.DataFrame, as_of, rules: dict | None = None) -> dict:
    """The whole-city (全市合计) row over all districts of `frame`, same keys as a district_progress row
    (district = "全市合计", ranks None)."""
    row = {"district": "全市合计", **totals(frame, as_of)}
    row["behind_points"] = _behind(row["schedule_rate"], row["start_rate"])
    row["light"] = schedule_light(row["behind_points"], rules)
    row["rank_start"] = None
    row["rank_investment"] = None
    return row
