"""Step 1: the communities and their static attributes (the same in every ledger that lists them)."""
from __future__ import annotations

import math

import numpy as np

from sample_generator.districts import DISTRICT_BY_NAME, DISTRICTS, GIVEN, ITEMS, SURNAMES, cn_number
from sample_generator.geography import load_inner_polygons, sample_point
from sample_generator.story import AREA_2023_M2, BUILDINGS_2023, ELEVATORS_2022, HOUSEHOLDS, PLANNED_WAN


def build_communities(rng, with_points: bool) -> list[dict]:
    """Every community of 2021-2024 with its static attributes: id, street, households, buildings, area,
    class, elevators, planned investment (exact batch totals), items, name, bundle, funds, people, point."""
    rows: list[dict] = []
    polys = load_inner_polygons() if with_points else None
    for batch in (2021, 2022, 2023, 2024):
        batch_rows = []
        for spec in DISTRICTS:
            n = spec.counts[batch]
            w = np.array([s[3] for s in spec.streets], dtype=float)
            street_idx = np.sort(rng.choice(len(spec.streets), size=n, p=w / w.sum()))
            for i in range(n):
                st = spec.streets[street_idx[i]]
                batch_rows.append({
                    "community_id": f"{spec.code}-{batch}-{i + 1:03d}",
                    "district": spec.name, "street": st[0], "batch_year": batch,
                    "_street_centre": (st[1], st[2]),
                })
        n = len(batch_rows)
        # households: lognormal, district flavour (old urban districts larger), exact batch total
        base = rng.lognormal(mean=np.log(260), sigma=0.55, size=n)
        flav = np.array([1.15 if r["district"] in ("市北区", "李沧区", "市南区") else 0.85 for r in batch_rows])
        hh = scale_to_int_sum(np.clip(base * flav, 70, 850), HOUSEHOLDS[batch], lo=60, hi=900)
        built = np.clip(np.round(rng.normal(1991, 5.0, size=n)), 1980, 2000).astype(int)
        per_bld = rng.uniform(18, 48, size=n)
        if batch == 2023:
            bld = scale_to_int_sum(hh / per_bld, BUILDINGS_2023, lo=1)
            area = scale_to_int_sum(hh * rng.uniform(62, 98, size=n), AREA_2023_M2 * 100) / 100.0
        else:
            bld = np.maximum(1, np.round(hh / per_bld)).astype(int)
            area = np.round(hh * rng.uniform(62, 98, size=n), 2)
        cls = rng.choice(["基础类", "完善类", "提升类"], size=n, p=[0.5, 0.38, 0.12])
        for j, r in enumerate(batch_rows):
            r.update(households=int(hh[j]), built_year=int(built[j]), buildings=int(bld[j]),
                     floor_area_m2=float(area[j]), renovation_class=str(cls[j]))
        _elevators(rng, batch_rows, batch)
        # planned investment (万元, cents exact): households x class cost + elevators
        cost = np.array([{"基础类": 0.8, "完善类": 1.0, "提升类": 1.3}[r["renovation_class"]] for r in batch_rows])
        wts = np.array([r["households"] for r in batch_rows]) * cost * rng.uniform(0.8, 1.25, size=n)
        wts += np.array([r["elevators_planned"] for r in batch_rows]) * 15.0
        cents = scale_to_int_sum(wts, PLANNED_WAN[batch] * 100, lo=1)
        for j, r in enumerate(batch_rows):
            r["planned_investment_wan"] = cents[j] / 100.0
            r["_planned_cents"] = int(cents[j])
            r["items"] = _items(rng, r["renovation_class"], r["elevators_planned"] > 0)
        rows.extend(batch_rows)
    _names(rng, rows)
    _bundles(rng, rows)
    _funds_and_people(rng, rows)
    if with_points:
        for r in rows:
            if r["batch_year"] in (2021, 2022):
                spec = DISTRICT_BY_NAME[r["district"]]
                dc = (sum(s[1] * s[3] for s in spec.streets) / sum(s[3] for s in spec.streets),
                      sum(s[2] * s[3] for s in spec.streets) / sum(s[3] for s in spec.streets))
                r["lon"], r["lat"] = sample_point(rng, polys[r["district"]], r["_street_centre"], dc)
            else:
                r["lon"], r["lat"] = (math.nan, math.nan)
    else:
        for r in rows:
            r["lon"], r["lat"] = (math.nan, math.nan)
    return rows


def scale_to_int_sum(weights: np.ndarray, total: int, lo: int | None = None, hi: int | None = None) -> np.ndarray:
    """Integers proportional to weights that add up to `total` exactly (largest remainder), within [lo, hi]."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * total
    out = np.floor(raw).astype(np.int64)
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)
    diff = int(total - out.sum())
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    guard = 0
    while diff != 0:
        j = order[i % len(order)]
        step = 1 if diff > 0 else -1
        if (hi is None or out[j] + step <= hi) and (lo is None or out[j] + step >= lo):
            out[j] += step
            diff -= step
        i += 1
        guard += 1
        if guard > 10_000_000:
            raise RuntimeError("cannot reach the total within bounds")
    return out


def _elevators(rng, rows: list[dict], batch: int) -> None:
    for r in rows:
        r["elevators_planned"] = 0
    totals = {2021: 84, 2022: ELEVATORS_2022, 2023: 150, 2024: 120}[batch]
    per_district = {d.name: d.elevators_2022 for d in DISTRICTS}
    quota = scale_to_int_sum(np.array([per_district[d.name] for d in DISTRICTS], float), totals)
    for spec, q in zip(DISTRICTS, quota):
        cands = [r for r in rows if r["district"] == spec.name and r["households"] >= 120
                 and r["renovation_class"] != "基础类"]
        if not cands:
            cands = [r for r in rows if r["district"] == spec.name]
        q = int(q)
        while q > 0:
            r = cands[int(rng.integers(0, len(cands)))]
            add = int(min(q, rng.integers(1, 4)))
            if r["elevators_planned"] + add <= 6:
                r["elevators_planned"] += add
                q -= add


def _items(rng, cls: str, elevator: bool) -> str:
    base = list(rng.choice(ITEMS["基础类"], size=int(rng.integers(3, 6)), replace=False))
    extra = []
    if cls in ("完善类", "提升类"):
        pool = [x for x in ITEMS["完善类"] if x != "加装电梯"]
        extra += list(rng.choice(pool, size=int(rng.integers(1, 3)), replace=False))
    if cls == "提升类":
        extra += list(rng.choice(ITEMS["提升类"], size=int(rng.integers(1, 3)), replace=False))
    if elevator:
        extra.insert(0, "加装电梯")
    return "、".join(base + extra)


def _names(rng, rows: list[dict]) -> None:
    for spec in DISTRICTS:
        used: set[str] = set()
        fixed = list(spec.fixed_names)
        for r in [r for r in rows if r["district"] == spec.name]:
            if r["batch_year"] == 2022 and fixed:
                name = fixed.pop(0)
            else:
                name = None
                while name is None or name in used:
                    kind = rng.random()
                    if kind < 0.35:
                        name = f"{rng.choice(spec.roads)}{int(rng.integers(1, 160))}号院"
                    elif kind < 0.55:
                        name = f"{rng.choice(spec.roads)}小区"
                    elif kind < 0.8:
                        name = f"{rng.choice(spec.places)}{rng.choice(['花园', '小区', '社区', '新村', '公寓', '苑', '里'])}"
                    else:
                        name = f"{rng.choice(spec.units)}{rng.choice(['宿舍', '家属院', '生活区'])}"
            used.add(name)
            r["name"] = name


def _bundles(rng, all_rows: list[dict]) -> None:
    for batch in (2021, 2022):
        for spec in DISTRICTS:
            rows = [r for r in all_rows if r["district"] == spec.name and r["batch_year"] == batch]
            k = spec.bundles[batch]
            n = len(rows)
            streets: dict[str, list] = {}
            for r in rows:
                streets.setdefault(r["street"], []).append(r)
            groups = list(streets.values())
            if len(groups) <= k:
                # bundles never cross a street: each street gets its share of the district's bundles
                counts = np.ones(len(groups), dtype=int)
                for _ in range(k - len(groups)):
                    load = [len(g) / c if c < len(g) else -1 for g, c in zip(groups, counts)]
                    counts[int(np.argmax(load))] += 1
                chunks = []
                for g, c in zip(groups, counts):
                    sizes = np.full(c, len(g) // c)
                    sizes[: len(g) % c] += 1
                    sizes = sizes[rng.permutation(c)]
                    pos = 0
                    for size in sizes:
                        chunks.append(g[pos: pos + size])
                        pos += size
            else:
                sizes = np.full(k, n // k)
                sizes[: n % k] += 1
                chunks, pos = [], 0
                for size in sizes:
                    chunks.append(rows[pos: pos + size])
                    pos += size
            for lot, chunk in enumerate(chunks, start=1):
                for r in chunk:
                    r["bundle"] = f"{spec.name}{batch}年老旧小区改造项目（{cn_number(lot)}标段）"
    for r in all_rows:
        r.setdefault("bundle", "")


def _funds_and_people(rng, rows: list[dict]) -> None:
    people: dict[tuple, str] = {}
    for r in rows:
        key = (r["district"], r["street"])
        if key not in people:
            people[key] = f"{SURNAMES[int(rng.integers(0, len(SURNAMES)))]}{GIVEN[int(rng.integers(0, len(GIVEN)))]}"
        r["person"] = people[key]
        r["unit"] = f"{r['street']}办事处"
        c = r["_planned_cents"]
        central = int(c * rng.uniform(0.18, 0.32))
        provincial = int(c * rng.uniform(0.03, 0.08))
        social = int(c * rng.uniform(0.04, 0.12))
        resident = int(c * rng.uniform(0.0, 0.04))
        local = c - central - provincial - social - resident
        r.update(fund_central_wan=central / 100, fund_provincial_wan=provincial / 100,
                 fund_local_wan=local / 100, fund_social_wan=social / 100, fund_resident_wan=resident / 100)
