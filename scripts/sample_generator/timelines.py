"""Step 2: the life cycle of every community, planned and actual date of each node (NODE_KEYS)."""
from __future__ import annotations

from datetime import date

import numpy as np

from sample_generator.schedule import days, month_end, rdate
from sample_generator.districts import DISTRICT_BY_NAME, DISTRICTS
from sample_generator.story import (CONSULTED_BY_2021, DESIGNED_BY_2021, END, LAIXI_LAST, N_2022, NODE_KEYS,
                                    STARTED_2022)


def build_timelines(rng, rows: list[dict]) -> None:
    """Planned and actual dates of every node: the 2021 and 2022 batches' life cycles as the story needs them,
    plans only for 2023 and 2024; planned dates never go backwards along the life cycle."""
    for r in rows:
        for k in NODE_KEYS:
            r[f"plan_{k}"] = None
            r[f"actual_{k}"] = None
        r["_curve_end"] = None
        r["_final_ratio"] = 1.0
    _timeline_2021(rng, rows)
    _timeline_2022(rng, rows)
    _plan_only(rng, rows, 2023)
    _plan_only(rng, rows, 2024)
    for r in rows:
        # planned node dates never go backwards along the life cycle
        prev = None
        for k in NODE_KEYS:
            p = r[f"plan_{k}"]
            if p is not None and prev is not None and p < prev:
                r[f"plan_{k}"] = prev
            if r[f"plan_{k}"] is not None:
                prev = r[f"plan_{k}"]


def _chain_plan(rng, r: dict, jitter=(-4, 12), month_end_plan=False) -> None:
    """Planned dates from the actual ones (倒排工期: planned a little before actual, mostly)."""
    for k in NODE_KEYS:
        a = r[f"actual_{k}"]
        if a is not None and r[f"plan_{k}"] is None:
            p = a - days(rng.integers(jitter[0], jitter[1] + 1))
            r[f"plan_{k}"] = month_end(p) if month_end_plan and k in ("consultation", "design") else p


def _timeline_2021(rng, all_rows: list[dict]) -> None:
    rows = [r for r in all_rows if r["batch_year"] == 2021]
    n = len(rows)
    not_accepted = set(rng.choice(n, size=19, replace=False).tolist())
    not_completed = set(list(not_accepted)[:3])
    for i, r in enumerate(rows):
        spec = DISTRICT_BY_NAME[r["district"]]
        lag = spec.lag
        if spec.survey:
            r["actual_survey"] = rdate(rng, date(2020, 7, 1), date(2020, 8, 31))
        c = rdate(rng, date(2020, 9, 10), date(2020, 12, 10)) + days(rng.integers(0, 15) * lag)
        d = c + days(rng.integers(15, 45))
        a = max(d + days(rng.integers(10, 30)), date(2021, 1, 6)) + days(rng.integers(0, 30))
        t = a + days(rng.integers(10, 30))
        s = max(t + days(rng.integers(5, 20)), date(2021, 3, 29)) + days(rng.exponential(38) + 20 * lag)
        s = min(s, date(2021, 7, 30) - days(rng.integers(0, 20)))
        dur = int(rng.integers(100, 190))
        comp = s + days(dur)
        acc = comp + days(rng.integers(20, 80))
        r.update(actual_consultation=c, actual_design=d, actual_approval=a, actual_tender=t, actual_start=s)
        r["_curve_end"] = comp
        if i in not_completed:
            r["plan_completion"] = comp - days(rng.integers(20, 60))
            r["plan_acceptance"] = r["plan_completion"] + days(30)
            comp = None
        elif i in not_accepted:
            r["actual_completion"] = comp
            r["plan_acceptance"] = comp + days(rng.integers(20, 45))
        else:
            r["actual_completion"] = comp
            r["actual_acceptance"] = acc
        # keep everything inside the history window
        for k in NODE_KEYS:
            v = r[f"actual_{k}"]
            if v is not None and v > END:
                r[f"actual_{k}"] = None
                r[f"plan_{k}"] = r[f"plan_{k}"] or (v - days(rng.integers(0, 20)))
        r["_final_ratio"] = float(rng.uniform(0.97, 1.0))
        _chain_plan(rng, r, month_end_plan=spec.name in ("即墨区", "平度市"))
        if r["actual_survey"] is None and spec.survey:
            r["plan_survey"] = date(2020, 8, 31)


def _timeline_2022(rng, all_rows: list[dict]) -> None:
    rows = [r for r in all_rows if r["batch_year"] == 2022]
    idx_by_district = {}
    for i, r in enumerate(rows):
        idx_by_district.setdefault(r["district"], []).append(i)
    # 1. not started by 2022-05-31 (莱西市: by 2022-05-20): quotas per district
    ns = []
    for spec in DISTRICTS:
        ids = idx_by_district[spec.name]
        ns += sorted(rng.choice(ids, size=spec.not_started_2022, replace=False).tolist())
    ns_set = set(ns)
    assert len(ns) == N_2022 - STARTED_2022
    # 2. not consulted by 2021-12-31: the not-started ones + others, weighted toward laggard districts
    others = [i for i in range(len(rows)) if i not in ns_set]
    w = np.array([0.15 + 2.5 * DISTRICT_BY_NAME[rows[i]["district"]].lag for i in others])
    late_consult = set(rng.choice(others, size=(N_2022 - CONSULTED_BY_2021) - len(ns), replace=False,
                                  p=w / w.sum()).tolist()) | ns_set
    consulted = [i for i in range(len(rows)) if i not in late_consult]
    assert len(consulted) == CONSULTED_BY_2021
    cdate = {}
    for i in consulted:
        lag = DISTRICT_BY_NAME[rows[i]["district"]].lag
        cdate[i] = rdate(rng, date(2021, 10, 8), date(2021, 12, 20)) + days(rng.integers(0, 6) * lag)
    # 3. designed by 2021-12-31: the 216 with the earliest consultation (with a little noise)
    score = sorted(consulted, key=lambda i: (cdate[i] + days(rng.integers(0, 12)), i))
    designed = set(score[:DESIGNED_BY_2021])
    # the due-soon not-started ones (planned start within 14 days of their last report)
    due_soon = {}
    for spec in DISTRICTS:
        if spec.name in ("市北区", "黄岛区", "莱西市"):
            cand = [i for i in ns if rows[i]["district"] == spec.name]
            due_soon[cand[0]] = date(2022, 6, 2) if spec.name == "莱西市" else rdate(rng, date(2022, 6, 3),
                                                                                    date(2022, 6, 12))
    for i, r in enumerate(rows):
        spec = DISTRICT_BY_NAME[r["district"]]
        lag = spec.lag
        if spec.survey:
            r["actual_survey"] = rdate(rng, date(2021, 6, 1), date(2021, 9, 20))
        r["plan_consultation"] = rdate(rng, date(2021, 10, 31), date(2021, 12, 25))
        if i in cdate:
            c = cdate[i]
            if i in designed:
                d = min(c + days(rng.integers(7, 35)), date(2021, 12, 30))
                d = max(d, c + days(2))
            else:
                d = max(c + days(rng.integers(14, 40)), date(2022, 1, 4)) + days(rng.integers(0, 25))
        elif i not in ns_set:
            c = rdate(rng, date(2022, 1, 4), date(2022, 2, 20)) + days(rng.integers(0, 10) * lag)
            d = c + days(rng.integers(10, 30))
        else:
            c = d = None
        deadline = LAIXI_LAST if spec.name == "莱西市" else END
        if i not in ns_set:
            # started: approval, tender, start between design and the deadline
            lo = max(d + days(rng.integers(10, 25)), date(2022, 1, 10))
            a = lo
            t = a + days(rng.integers(10, 30))
            s = max(t + days(rng.integers(5, 20)), date(2022, 3, 1)) + days(rng.exponential(16) + 25 * lag)
            if s > deadline:
                s = deadline - days(rng.integers(0, 8))
            if t >= s:
                t = s - days(rng.integers(4, 10))
            if a >= t:
                a = t - days(rng.integers(4, 10))
            assert d < a < t < s <= deadline, (d, a, t, s)
            dur = int(rng.integers(70, 200)) if r["renovation_class"] == "基础类" else int(rng.integers(110, 230))
            comp = s + days(dur)
            acc = comp + days(rng.integers(15, 45))
            r.update(actual_consultation=c, actual_design=d, actual_approval=a, actual_tender=t, actual_start=s)
            r["_curve_end"] = comp
            r["_final_ratio"] = float(rng.uniform(0.97, 1.0))
            if comp <= deadline:
                r["actual_completion"] = comp
                if acc <= deadline:
                    r["actual_acceptance"] = acc
                else:
                    r["plan_acceptance"] = acc - days(rng.integers(0, 10))
            else:
                r["plan_completion"] = comp - days(rng.integers(0, 15))
                r["plan_acceptance"] = r["plan_completion"] + days(30)
            _chain_plan(rng, r, jitter=(-6, 12 + int(8 * lag)), month_end_plan=spec.name in ("即墨区", "平度市"))
        else:
            # not started: stuck somewhere before 开工
            stage = int(rng.integers(0, 5)) if lag >= 0.8 else int(rng.integers(2, 5))  # nodes done after survey
            chain = [("consultation", rdate(rng, date(2022, 1, 10), date(2022, 3, 20)))]
            chain.append(("design", chain[-1][1] + days(rng.integers(15, 40))))
            chain.append(("approval", chain[-1][1] + days(rng.integers(10, 30))))
            chain.append(("tender", chain[-1][1] + days(rng.integers(10, 25))))
            for k, v in chain[:stage]:
                r[f"actual_{k}"] = min(v, deadline - days(3))
            _chain_plan(rng, r, jitter=(5, 30))
            ps = due_soon.get(i) or rdate(rng, date(2022, 4, 8), date(2022, 5, 25))
            r["plan_start"] = ps
            # planned dates of the nodes not reached: scheduled backwards from the planned start
            back = {"tender": 15, "approval": 35, "design": 60, "consultation": 90}
            for k, off in back.items():
                if r[f"actual_{k}"] is None:
                    r[f"plan_{k}"] = min(ps - days(off), r[f"plan_{k}"] or date(2099, 1, 1)) \
                        if k != "consultation" else r["plan_consultation"]
            r["plan_completion"] = ps + days(150)
            r["plan_acceptance"] = ps + days(180)
        # survey planned date
        if spec.survey:
            r["plan_survey"] = date(2021, 9, 30) - days(rng.integers(0, 20))
        # planned start for started ones must be set; completion planned from planned start if missing
        if r["plan_start"] is None:
            r["plan_start"] = r["actual_start"] - days(rng.integers(-6, 12))
        if r["plan_completion"] is None:
            r["plan_completion"] = (r["actual_completion"] or r["plan_start"] + days(150)) - days(rng.integers(0, 10))
        if r["plan_acceptance"] is None:
            r["plan_acceptance"] = r["plan_completion"] + days(30)


def _plan_only(rng, rows: list[dict], batch: int) -> None:
    for r in (r for r in rows if r["batch_year"] == batch):
        s = rdate(rng, date(batch, 3, 1), date(batch, 6, 30))
        r["plan_start"] = s
        r["plan_completion"] = s + days(rng.integers(120, 220))
