"""The headline figures of the overview cards and the bulletin's first paragraph (总体进展).

The caller fetches three canonical frames of the same batch(es) and districts: the state as of now, as of a
week earlier (the previous weekly snapshot), and the previous batch as of one year earlier.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from metrics.numbers import (
    fmt_date_cn, fmt_int, fmt_money_change_yi, fmt_pct, fmt_points_change, fmt_wanhu, fmt_yi,
)
from metrics.progress import start_rate, totals, totals_of_sums


@dataclass(frozen=True)
class Headline:
    """Headline figures. Counts are communities (个); money 万元; rates in percent, unrounded; changes are
    against the week-earlier frame (None when there is none).

    planned                       communities in the ledger (计划改造)
    households                    households of all planned communities
    started                       communities at 开工 or later (node_reached >= 6)
    new_started                   started − started a week earlier (本周新开工)
    start_rate                    started / planned × 100 (开工率, may exceed 100; None when nothing planned)
    start_rate_change             start_rate − last week's start_rate, in points
    started_households            households of started communities
    household_start_rate          started_households / households × 100
    household_start_rate_change   in points against last week
    completed                     communities at 完工 or later (node_reached >= 7); completed_change vs last week
    households_benefited          households of started communities (受益户数; = started_households)
    planned_investment_wan        sum of planned investment
    completed_investment_wan      sum of completed investment (累计完成投资); completed_investment_change_wan
                                  vs last week
    investment_completion_rate    completed / planned investment × 100
    last_year_completed_investment_wan  the previous batch's completed investment one year earlier
    investment_yoy_wan            completed_investment_wan − last_year_completed_investment_wan (同比);
                                  None when there is no last-year data
    elevators_planned             elevators planned (计划加装电梯, 部)
    report_date                   latest report_date in the current frame, when it has that column
    """

    planned: int
    households: int
    started: int
    new_started: int | None
    start_rate: float | None
    start_rate_change: float | None
    started_households: int
    household_start_rate: float | None
    household_start_rate_change: float | None
    completed: int
    completed_change: int | None
    households_benefited: int
    planned_investment_wan: float
    completed_investment_wan: float
    completed_investment_change_wan: float | None
    investment_completion_rate: float | None
    last_year_completed_investment_wan: float | None
    investment_yoy_wan: float | None
    elevators_planned: int
    report_date: pd.Timestamp | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _has_rows(frame) -> bool:
    if isinstance(frame, dict):
        return frame["communities"] > 0
    return frame is not None and len(frame) > 0


def _totals(state) -> dict:
    return totals_of_sums(state) if isinstance(state, dict) else totals(state)


def _latest(state) -> pd.Timestamp | None:
    if isinstance(state, dict):
        return pd.Timestamp(state["report_date"]) if state.get("report_date") else None
    if "report_date" in state.columns:
        return pd.to_datetime(state["report_date"]).max()
    return None


def _diff(now, before):
    if now is None or before is None:
        return None
    return now - before


def headline(current: pd.DataFrame, last_week: pd.DataFrame | None = None,
             last_year: pd.DataFrame | None = None) -> Headline:
    """Headline figures of `current`, with changes against `last_week` and the year-on-year investment against
    `last_year` (see Headline for each definition). An empty or None comparison frame gives None changes.
    Each state is a canonical frame or the sums kept with its snapshots (a dict of store_common.TOTAL_COLUMNS
    and report_date, as metrics.summary.summary_as_of gives them: the same figures without reading a community row)."""
    now = _totals(current)
    before = _totals(last_week) if _has_rows(last_week) else None
    year = _totals(last_year) if _has_rows(last_year) else None
    report_date = _latest(current) if _has_rows(current) else None

    def change(key):
        return _diff(now[key], before[key]) if before is not None else None

    last_year_inv = year["completed_investment_wan"] if year is not None else None
    return Headline(
        planned=now["planned"],
        households=now["households"],
        started=now["started"],
        new_started=change("started"),
        start_rate=now["start_rate"],
        start_rate_change=change("start_rate"),
        started_households=now["started_households"],
        household_start_rate=now["household_start_rate"],
        household_start_rate_change=change("household_start_rate"),
        completed=now["completed"],
        completed_change=change("completed"),
        households_benefited=now["started_households"],
        planned_investment_wan=now["planned_investment_wan"],
        completed_investment_wan=now["completed_investment_wan"],
        completed_investment_change_wan=change("completed_investment_wan"),
        investment_completion_rate=start_rate(now["completed_investment_wan"], now["planned_investment_wan"]),
        last_year_completed_investment_wan=last_year_inv,
        investment_yoy_wan=_diff(now["completed_investment_wan"], last_year_inv),
        elevators_planned=now["elevators_planned"],
        report_date=report_date,
    )


def headline_sentence(h: Headline, as_of, batch_year: int | None = None, area: str = "全市") -> str:
    """The bulletin's model sentence (DOMAIN.md), every number from `h`, e.g.
    截至2022年5月31日，全市2022年度计划改造老旧小区318个，已开工300个、约2.70万户，开工率94.3%，较上周提高2.1个百分点；
    其中完工12个；本周新开工6个。累计完成投资7.0亿元，同比增加5.8亿元。
    Clauses whose comparison is missing (no last week, no last year) are left out."""
    batch = f"{batch_year}年度" if batch_year else ""
    parts = [f"截至{fmt_date_cn(as_of)}，{area}{batch}计划改造老旧小区{fmt_int(h.planned)}个，"
             f"已开工{fmt_int(h.started)}个、约{fmt_wanhu(h.started_households)}，开工率{fmt_pct(h.start_rate)}"]
    if h.start_rate_change is not None:
        parts.append(f"，较上周{fmt_points_change(h.start_rate_change)}")
    parts.append(f"；其中完工{fmt_int(h.completed)}个")
    if h.new_started is not None:
        parts.append(f"；本周新开工{fmt_int(max(h.new_started, 0))}个")
    parts.append(f"。累计完成投资{fmt_yi(h.completed_investment_wan)}")
    if h.investment_yoy_wan is not None:
        yoy = fmt_money_change_yi(h.investment_yoy_wan)
        parts.append(f"，同比{yoy}" if yoy != "持平" else "，与上年同期持平")
    parts.append("。")
    return "".join(parts)

