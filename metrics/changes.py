"""What changed: the wording of a change that never rounds a real change away, and the week-on-week comparison
of two as-of states (started and completed this week, newly overdue nodes, districts whose light changed, the
biggest movers) for the 本周变化 page and the big screen.

A change is written at the precision that shows it: an import that doubles 平度市's investment (297→605万元) is
"增加308.0万元", not "持平" because 0.03亿元 rounds to 0.0; the city's 7.0→7.1亿元 is "增加412.3万元". Only a number
that did not move (within float noise) is 持平.
"""
from __future__ import annotations

import pandas as pd

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
