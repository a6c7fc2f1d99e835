"""Step 3: completed investment, a slow-start curve between start and completion, scaled (k) so that each batch
reaches the article's figure on its date, and booked slowly in May (story.booking_window)."""
from __future__ import annotations

from datetime import date

from sample_generator.story import CURVE_POWER, booked_days, booking_window


def completed_wan(r: dict, d: date, k: float) -> float:
    """Completed investment (万元, 2 decimals) of community r as of d: 0 before start, then rising."""
    s = r["actual_start"]
    if s is None or s > d:
        return 0.0
    ratio = r["_final_ratio"]
    comp = r["actual_completion"]
    w0, w1 = booking_window(r["batch_year"])
    if w0 < s and d <= w1:  # works started inside the booking window are booked after the month closes
        return 0.0
    # a completion inside the booking window is booked (in full) only after the month closes
    if comp is not None and comp <= d and not (w0 < comp and d <= w1):
        f = ratio
    else:
        span = max(booked_days(r["batch_year"], s, r["_curve_end"]), 1.0)
        f = min(0.96 * ratio, k * ((booked_days(r["batch_year"], s, d) + 3) / span) ** CURVE_POWER)
    return round(r["_planned_cents"] * f) / 100.0


def solve_k(all_rows: list[dict], batch: int, target: float, when: date) -> float:
    """The curve factor k that makes the batch's completed investment as of `when` equal `target` (bisection)."""
    rows = [r for r in all_rows if r["batch_year"] == batch]
    lo, hi = 0.01, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        total = sum(completed_wan(r, when, mid) for r in rows)
        if total < target:
            lo = mid
        else:
            hi = mid
    return round(hi, 9)
