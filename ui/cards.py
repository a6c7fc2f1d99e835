"""Indicator cards (指标卡) of the overview: each a value and its change since the previous weekly snapshot.

The numbers come from metrics.headline.Headline (now and as of 7 days earlier) and are written with
metrics.numbers; this module only chooses the wording and lays them out with st.metric.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from metrics.changes import fmt_money, fmt_money_change, fmt_points_change
from metrics.numbers import fmt_count_change, fmt_int, fmt_pct, fmt_wanhu



@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None = None       # the change, in words ("增加6个", "提高2.1个百分点")
    sign: int = 0                  # +1 / -1 / 0: arrow and colour of the change
    description: str | None = None  # small muted text after the change ("较上周", "同比…")
    help: str | None = None


def _sign(x) -> int:
    if x is None:
        return 0
    return (x > 1e-9) - (x < -1e-9)


def _diff(now, before):
    return None if now is None or before is None else now - before


def overview_cards(h, last_week=None) -> list[Card]:
    """The eight cards of the overview from this week's Headline `h` and last week's (`last_week`, may be None)."""
    def change(attr):
        return _diff(getattr(h, attr), getattr(last_week, attr)) if last_week is not None else None

    planned, households = change("planned"), change("households_benefited")
    elevators = change("elevators_planned")
    yoy = h.investment_yoy_wan
    yoy_note = None if yoy is None else (f"同比{fmt_money_change(yoy)}" if _sign(yoy) else "与上年同期持平")
    return [
        Card("计划改造小区", f"{fmt_int(h.planned)}个", _count(planned), _sign(planned), None,
             help=f"涉及{fmt_wanhu(h.households)}"),
        Card("已开工小区", f"{fmt_int(h.started)}个",
             None if h.new_started is None else f"本周新开工{fmt_int(max(h.new_started, 0))}个",
             _sign(h.new_started), None, help="达到「开工」及以后节点的小区"),
        Card("开工率（按小区）", fmt_pct(h.start_rate), _points(h.start_rate_change), _sign(h.start_rate_change),
             None, help="已开工小区数 ÷ 计划改造小区数"),
        Card("开工率（按户数）", fmt_pct(h.household_start_rate), _points(h.household_start_rate_change),
             _sign(h.household_start_rate_change), None, help="已开工小区户数 ÷ 计划改造小区户数"),
        Card("已完工小区", f"{fmt_int(h.completed)}个", _count(h.completed_change), _sign(h.completed_change)),
        Card("受益户数", fmt_wanhu(h.households_benefited), _count(households, "户"), _sign(households), None,
             help="已开工小区的户数"),
        Card(f"累计完成投资（占计划{fmt_pct(h.investment_completion_rate)}）", fmt_money(h.completed_investment_wan),
             _money(h.completed_investment_change_wan), _sign(h.completed_investment_change_wan), yoy_note,
             help=f"计划投资{fmt_money(h.planned_investment_wan)}；同比：与上一年度批次一年前同日的累计完成投资相比"),
        Card("计划加装电梯", f"{fmt_int(h.elevators_planned)}部", _count(elevators, "部"), _sign(elevators)),
    ]


def _count(delta, unit="个"):
    return None if delta is None else fmt_count_change(delta, unit)


def _points(delta):
    return None if delta is None else fmt_points_change(delta)


def _money(delta_wan):
    return None if delta_wan is None else fmt_money_change(delta_wan)


def changes_note(last_week_as_of: str) -> str:
    from metrics.numbers import fmt_date_cn

    return f"箭头旁为较上周（{fmt_date_cn(last_week_as_of)}）的变化。"


def shown_sign(card: Card) -> int:
    """The arrow follows the change as printed: a change that rounds to 持平 gets none."""
    return 0 if card.delta is None or "持平" in card.delta else card.sign


def show_cards(cards: list[Card], per_row: int = 4) -> None:
    """Cards in rows of `per_row`, bordered, with the change coloured by its sign."""
    for start in range(0, len(cards), per_row):
        columns = st.columns(per_row)
        for column, card in zip(columns, cards[start:start + per_row]):
            sign = shown_sign(card)
            arrow = {1: "up", -1: "down"}.get(sign, "off")
            colour = {1: "green", -1: "red"}.get(sign, "gray")
            column.metric(card.label, card.value, delta=card.delta, delta_color=colour, delta_arrow=arrow,
                          delta_description=card.description, help=card.help, border=True)


def investment_cards(h) -> list[Card]:
    """The four cards of the 投资 page: completed, planned, completion rate, last year's figure."""
    yoy = h.investment_yoy_wan
    return [
        Card("累计完成投资", fmt_money(h.completed_investment_wan), _money(h.completed_investment_change_wan),
             _sign(h.completed_investment_change_wan)),
        Card("计划投资", fmt_money(h.planned_investment_wan)),
        Card("投资完成率", fmt_pct(h.investment_completion_rate), help="累计完成投资 ÷ 计划投资"),
        Card("上年同期完成投资", fmt_money(h.last_year_completed_investment_wan),
             None if yoy is None else f"同比{fmt_money_change(yoy)}", _sign(yoy),
             help="上一年度批次在一年前同一日期的累计完成投资"),
    ]
