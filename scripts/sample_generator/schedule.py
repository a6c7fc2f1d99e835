"""Which ledgers exist: the report dates, the dates each district reports, the batches reported on a date;
and the date arithmetic the model uses."""
from __future__ import annotations

from datetime import date, timedelta

from sample_generator.story import BATCH2022_FIRST, END, HISTORY_START, LAIXI_LAST, LAST_FRIDAY


def report_dates() -> list[date]:
    """Every Friday 2021-01-08..2022-05-27, every month end 2021-01..2022-04 not a Friday, and 2022-05-31."""
    out = set()
    d = HISTORY_START
    while d <= LAST_FRIDAY:
        out.add(d)
        d += timedelta(days=7)
    y, m = 2021, 1
    while (y, m) <= (2022, 4):
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.add(nxt - timedelta(days=1))
        y, m = nxt.year, nxt.month
    out.add(END)
    return sorted(out)


def district_dates(district: str) -> list[date]:
    dates = report_dates()
    if district == "莱西市":
        dates = [d for d in dates if d <= LAIXI_LAST]
    return dates


def batches_on(d: date) -> list[int]:
    return [2021, 2022] if d >= BATCH2022_FIRST else [2021]


def days(n) -> timedelta:
    return timedelta(days=int(n))


def rdate(rng, a: date, b: date) -> date:
    """A uniformly drawn day in [a, b]."""
    if b <= a:
        return a
    return a + days(rng.integers(0, (b - a).days + 1))


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
