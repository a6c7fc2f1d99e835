"""Chinese number conventions of official bulletins (DOMAIN.md "How official bulletins write numbers").

One function per convention; the dashboard, the tables and the bulletin all call these, so a figure is written
the same way everywhere. Rounding is half-up on the displayed decimal (94.35 -> 94.4, 94.339 -> 94.3), done in
Decimal after a first rounding that removes binary noise (0.9434 * 100 = 94.33999999999999 shows 94.3).
Missing values (None, NaN, NaT) are written "—".
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"


def is_missing(value) -> bool:
    """True for None, NaN, pd.NA and NaT."""
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value: float, decimals: int = 1) -> float:
    """Round half up (away from zero) on `decimals` places, as a reader rounds on paper."""
    d = _decimal(value, decimals)
    return float(d)


def _decimal(value: float, decimals: int) -> Decimal:
    # Round to 9 places first so that float noise (94.34999999999999) does not decide the half.
    noise_free = Decimal(repr(round(float(value), 9)))
    quantum = Decimal(1).scaleb(-decimals)
    d = noise_free.quantize(quantum, rounding=ROUND_HALF_UP)
    return d + 0 if d != 0 else abs(d)  # never "-0.0"


def _fixed(value: float, decimals: int, thousands: bool = False) -> str:
    d = _decimal(value, decimals)
    return f"{d:,.{decimals}f}" if thousands else f"{d:.{decimals}f}"


def fmt_number(value, decimals: int = 1, thousands: bool = True) -> str:
    """A plain number, half-up, with thousands separators: 1234.56 -> "1,234.6"."""
    if is_missing(value):
        return MISSING
    return _fixed(value, decimals, thousands)


def fmt_yi(wan, decimals: int = 1) -> str:
    """Money given in 万元, written in 亿元 with one decimal, for sentences and cards: 70000 -> "7.0亿元"."""
    if is_missing(wan):
        return MISSING
    return f"{_fixed(float(wan) / 10000, decimals, thousands=True)}亿元"


def fmt_wan(wan, decimals: int = 1, unit: bool = True) -> str:
    """Money in 万元 for tables: 1234.5 -> "1,234.5万元" (unit=False -> "1,234.5" when the header has the unit)."""
    if is_missing(wan):
        return MISSING
    text = _fixed(float(wan), decimals, thousands=True)
    return f"{text}万元" if unit else text


def round_half_up_many(values, decimals: int = 1):
    """round_half_up over an array (numpy float64, NaN kept): the same results, vectorised, for large tables."""
    import numpy as np

    x = np.asarray(values, dtype="float64")
    scale = 10.0 ** decimals
    # as _decimal: drop binary noise first (9 places), then half-up away from zero on the displayed place
    scaled = np.round(np.round(np.abs(x), 9) * scale, 6)
    out = np.sign(x) * np.floor(scaled + 0.5) / scale
    return out + 0.0   # no -0.0


def fmt_wan_many(values, decimals: int = 1, unit: bool = True) -> list[str]:
    """fmt_wan over many values at once (same text, vectorised rounding): for maps and big tables."""
    rounded = round_half_up_many(values, decimals)
    suffix = "万元" if unit else ""
    return [MISSING if v != v else f"{v:,.{decimals}f}{suffix}" for v in rounded.tolist()]


def fmt_pct(pct, decimals: int = 1) -> str:
    """A percentage already in percent, one decimal: 94.339 -> "94.3%"; None -> "—"."""
    if is_missing(pct):
        return MISSING
    return f"{_fixed(float(pct), decimals)}%"


def fmt_points_change(delta, decimals: int = 1) -> str:
    """A change of a percentage in points: 2.1 -> "提高2.1个百分点", -0.4 -> "降低0.4个百分点",
    anything that shows as 0.0 -> "持平"; None -> "—"."""
    return _signed_change(delta, decimals, "提高", "降低", "个百分点")


def fmt_money_change_yi(delta_wan, decimals: int = 1) -> str:
    """A change of money given in 万元, in 亿元: 58000 -> "增加5.8亿元", -3000 -> "减少0.3亿元", 0.0 -> "持平"."""
    return _signed_change(None if is_missing(delta_wan) else float(delta_wan) / 10000, decimals, "增加", "减少", "亿元")


def _signed_change(delta, decimals: int, up: str, down: str, unit: str) -> str:
    """"提高2.1个百分点" / "减少0.3亿元": the word for the direction, the rounded size, the unit; "持平" when it
    rounds to zero; "—" when missing."""
    if is_missing(delta):
        return MISSING
    d = _decimal(float(delta), decimals)
    if d == 0:
        return "持平"
    return f"{up if d > 0 else down}{abs(d):,.{decimals}f}{unit}"


def fmt_wanhu(households, decimals: int = 2) -> str:
    """Households in 万户 with two decimals: 87654 -> "8.77万户"."""
    if is_missing(households):
        return MISSING
    return f"{_fixed(float(households) / 10000, decimals, thousands=True)}万户"


def fmt_int(n) -> str:
    """A count with thousands separators: 1108 -> "1,108"."""
    if is_missing(n):
        return MISSING
    return f"{int(_decimal(float(n), 0)):,}"


def fmt_count_change(delta, unit: str = "个") -> str:
    """A change of a count: 3 -> "增加3个", -2 -> "减少2个", 0 -> "持平"."""
    if is_missing(delta):
        return MISSING
    n = int(_decimal(float(delta), 0))
    if n == 0:
        return "持平"
    return f"{'增加' if n > 0 else '减少'}{abs(n):,}{unit}"


def fmt_rank_change(delta) -> str:
    """A change in rank (positive = moved up): 2 -> "上升2位", -1 -> "下降1位", 0 -> "持平", None -> "—"."""
    if is_missing(delta):
        return MISSING
    n = int(delta)
    if n == 0:
        return "持平"
    return f"{'上升' if n > 0 else '下降'}{abs(n)}位"


def _as_date(d) -> date:
    if isinstance(d, datetime):  # pandas Timestamp is a datetime
        return d.date()
    if isinstance(d, date):
        return d
    if isinstance(d, str):
        return date.fromisoformat(d.strip()[:10])
    if hasattr(d, "to_pydatetime"):
        return d.to_pydatetime().date()
    raise TypeError(f"not a date: {d!r}")


def fmt_date_cn(d) -> str:
    """A date in Chinese: 2022-05-31 -> "2022年5月31日" (accepts date, datetime, Timestamp or ISO text)."""
    if is_missing(d):
        return MISSING
    x = _as_date(d)
    return f"{x.year}年{x.month}月{x.day}日"


def fmt_month_day_cn(d) -> str:
    """A date without the year: 2022-05-31 -> "5月31日"."""
    if is_missing(d):
        return MISSING
    x = _as_date(d)
    return f"{x.month}月{x.day}日"
