"""The model: all communities of 2021-2024 with their true life cycles and investment curves, built by the steps
in order (communities, timelines, investment), and what each ledger shows of it on a date (snapshot, as_of)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_generator import investment
from sample_generator.schedule import district_dates
from sample_generator.communities import build_communities
from sample_generator.districts import DISTRICTS
from sample_generator.story import (BATCH2022_FIRST, CONSULT_CUTOFF, END, INVEST_2021_DATE, INVEST_2022_DATE,
                                    NODE_KEYS, PLAN_DATE, SEED, TARGET_INV_2021_WAN, TARGET_INV_2022_WAN)
from sample_generator.timelines import build_timelines


class Model:
    """All communities of 2021-2024 with their true life-cycle dates and investment curves."""

    def __init__(self, seed: int = SEED, with_points: bool = True):
        self.rng = np.random.default_rng(seed)
        self.rows: list[dict] = build_communities(self.rng, with_points)
        build_timelines(self.rng, self.rows)
        self.k = {}
        for batch, target, when in ((2022, TARGET_INV_2022_WAN, INVEST_2022_DATE),
                                    (2021, TARGET_INV_2021_WAN, INVEST_2021_DATE)):
            self.k[batch] = investment.solve_k(self.rows, batch, target, when)
        self.frame = pd.DataFrame(self.rows)

    def completed_wan(self, r: dict, d: date, k: float | None = None) -> float:
        """Completed investment (万元, 2 decimals) of community r as of d, on its batch's solved curve."""
        return investment.completed_wan(r, d, self.k.get(r["batch_year"], 1.0) if k is None else k)

    def snapshot(self, district: str, batch: int, d: date) -> list[dict]:
        """The rows of a district and batch as its ledger of report date d shows them."""
        out = []
        for r in self.rows:
            if r["district"] != district or r["batch_year"] != batch:
                continue
            s = dict(r)
            for k in NODE_KEYS:
                v = s[f"actual_{k}"]
                if v is not None and v > d:
                    s[f"actual_{k}"] = None
            reached = 0
            for j, k in enumerate(NODE_KEYS, start=1):
                if s[f"actual_{k}"] is not None:
                    reached = j
            s["node_reached"] = reached
            s["completed_investment_wan"] = self.completed_wan(r, d)
            out.append(s)
        return out

    def as_of(self, d: date, batch: int) -> list[dict]:
        """For each district its latest snapshot on or before d (the store's as-of rule)."""
        out = []
        for spec in DISTRICTS:
            dates = [x for x in district_dates(spec.name) if x <= d]
            if batch == 2022:
                dates = [x for x in dates if x >= BATCH2022_FIRST] or ([PLAN_DATE] if d >= PLAN_DATE else [])
            if not dates:
                continue
            out += self.snapshot(spec.name, batch, max(dates))
        return out

    def story(self) -> dict:
        b22_end = self.as_of(END, 2022)
        b22_dec = self.as_of(CONSULT_CUTOFF, 2022)
        inv22 = sum(r["completed_investment_wan"] for r in self.as_of(INVEST_2022_DATE, 2022))
        inv21 = sum(r["completed_investment_wan"] for r in self.as_of(INVEST_2021_DATE, 2021))
        inv22_end = sum(r["completed_investment_wan"] for r in b22_end)
        inv21_end = sum(r["completed_investment_wan"] for r in self.as_of(date(2021, 5, 31), 2021))
        plan = [r for r in self.rows if r["batch_year"] in (2022, 2023, 2024)]
        return {
            "communities_2022": len(b22_end),
            "started_2022": sum(r["node_reached"] >= 6 for r in b22_end),
            "start_rate_2022": round(100 * sum(r["node_reached"] >= 6 for r in b22_end) / len(b22_end), 1),
            "consulted_by_2021_12_31": sum(r["node_reached"] >= 2 for r in b22_dec),
            "designed_by_2021_12_31": sum(r["node_reached"] >= 3 for r in b22_dec),
            "completed_investment_2022_by_2022_04_30_wan": round(inv22, 2),
            "completed_investment_2021_by_2021_04_30_wan": round(inv21, 2),
            "completed_investment_2022_by_2022_05_31_wan": round(inv22_end, 2),
            "completed_investment_2021_by_2021_05_31_wan": round(inv21_end, 2),
            "bundles_2022": len({r["bundle"] for r in b22_end}),
            "elevators_2022": sum(r["elevators_planned"] for r in b22_end),
            "plan_communities": len(plan),
            "plan_households": sum(r["households"] for r in plan),
            "plan_investment_wan": sum(r["_planned_cents"] for r in plan) / 100,
            "plan_by_batch": {b: sum(1 for r in plan if r["batch_year"] == b) for b in (2022, 2023, 2024)},
        }
