"""Store benchmark: `summary` over long histories (issue 3 §8).

    python bench/bench_store.py [--only qingdao|national] [--dir DIR] [--keep] [--repeat N]

Generates the histories straight into SQLite with the store's own schema (not through the reader):
  qingdao   1,108 communities × 80 weekly snapshots (10 districts × batches 2022–2024)
  national  220,000 communities × 52 weekly snapshots (31 provinces × batches 2019–2023)
Week 0 is inserted from numpy-built rows; later weeks are copied inside SQLite with the life-cycle advanced by
SQL expressions (INSERT … SELECT), and the per-snapshot totals are aggregated the way import_result writes them.
Then times: summary (`python -m loaders summary --json`: the aggregates kept with the snapshots; and, as before
them, the as-of rows + ledger_summary), at the latest date and at a mid-history date; totals_by_date; full-column ledger_as_of; community_history; version(); a login (its
writes are checked for damage first: only the tables they touch).
Goals: summary < 0.3 s (qingdao), < 2 s (national).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders import schema  # noqa: E402
from cli.store import store_summary  # noqa: E402
from loaders.store import _AGGREGATE_BACKFILL, COMMUNITY_COLUMNS, TOTAL_COLUMNS, LedgerStore  # noqa: E402
from loaders.store_common import FRAME_COLUMNS, _frame_from_rows, _no_gc, frame_blobs  # noqa: E402

QINGDAO = ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]
PROVINCES = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
             "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区",
             "新疆维吾尔自治区"]
STREETS = ["中山路街道", "台东街道", "辽宁路街道", "湛山街道", "八大峡街道", "浮山新区街道", "李村街道", "流亭街道"]
CLASSES = ["基础类", "完善类", "提升类"]
ITEMS = ["雨污分流、管网改造、楼道粉刷", "外墙保温、屋面防水、加装电梯", "停车位、充电桩、养老托育设施"]
EPOCH = date(1970, 1, 1)


def machine() -> str:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}"


def day(d: date) -> int:
    return (d - EPOCH).days


def generate(path: Path, *, communities: int, weeks: int, districts: list[str], batches: list[int],
             first_date: date, step: int = 6, seed: int = 7) -> dict:
    """Write a history of `weeks` weekly snapshots of `communities` communities into a new store at `path`."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    store = LedgerStore(path)          # creates the schema (and its indexes)
    con = store._connect()
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -200000")
    # bulk load without the community indexes, rebuilt once at the end
    con.execute("DROP INDEX IF EXISTS communities_by_snapshot")
    con.execute("DROP INDEX IF EXISTS communities_by_id")

    keys = [(d, b) for d in districts for b in batches]
    K = len(keys)
    # district sizes vary (weights 1..3), every key gets at least one community
    weights = rng.uniform(1, 3, K)
    key_of = np.sort(rng.choice(K, size=communities - K, p=weights / weights.sum()))
    key_of = np.sort(np.concatenate([np.arange(K), key_of]))
    n = communities
    idx = np.arange(n)
    district = np.array([keys[k][0] for k in range(K)], dtype=object)[key_of]
    batch = np.array([keys[k][1] for k in range(K)])[key_of]
    households = rng.integers(40, 900, n)
    planned = np.round(households * rng.uniform(0.8, 2.2, n), 1)
    elevators = np.where(rng.random(n) < 0.2, rng.integers(1, 6, n), 0)
    bundles = np.char.add("包", (idx // 3).astype(str))
    # hidden progress offset per community, kept in source_row so later weeks can advance in SQL
    offset = rng.integers(-30, 40, n)
    source_row = (idx % 1000) * 100 + (offset + 30)        # offset = source_row % 100 - 30
    lon = rng.uniform(110, 122, n)
    lat = rng.uniform(25, 42, n)
    base_day = day(first_date)

    def node_at(week):
        return np.clip((week - offset) // step + 1, 0, 8)

    con.execute("BEGIN")
    con.executemany("INSERT INTO imports (id, source_name, sha256, imported_at, report_date, rows) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(w + 1, f"bench-week{w:03d}.xlsx", "0" * 64, "2026-01-01T00:00:00+00:00",
                      (first_date + timedelta(weeks=w)).isoformat(), n) for w in range(weeks)])
    counts = np.bincount(key_of, minlength=K)
    con.executemany("INSERT INTO snapshots (id, import_id, district, batch_year, report_date, rows, active, "
                    "imported_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                    [(w * K + k + 1, w + 1, keys[k][0], keys[k][1], (first_date + timedelta(weeks=w)).isoformat(),
                      int(counts[k]), "2026-01-01T00:00:00+00:00") for w in range(weeks) for k in range(K)])

    # week 0 from numpy
    node0 = node_at(0)
    cols = {
        "community_id": [f"C{i:07d}" for i in range(n)],
        "name": [f"{STREETS[i % 8][:2]}{i % 97}号院" for i in range(n)],
        "district": district.tolist(),
        "street": [STREETS[i % 8] for i in range(n)],
        "batch_year": batch.tolist(),
        "built_year": (1980 + idx % 20).tolist(),
        "buildings": (1 + households // 60).tolist(),
        "households": households.tolist(),
        "floor_area_m2": np.round(households * 72.5, 1).tolist(),
        "renovation_class": [CLASSES[i % 3] for i in range(n)],
        "items": [ITEMS[i % 3] for i in range(n)],
        "elevators_planned": elevators.tolist(),
        "bundle": bundles.tolist(),
        "planned_investment_wan": planned.tolist(),
        "completed_investment_wan": np.round(planned * node0 / 8 * (node0 >= 6), 1).tolist(),
        "fund_central_wan": np.round(planned * 0.4, 1).tolist(),
        "fund_local_wan": np.round(planned * 0.5, 1).tolist(),
        "responsible": ["王工" if i % 2 else "李科长" for i in range(n)],
        "node_reached": node0.tolist(),
        "status": [schema.node_status(int(v)) for v in node0],
        "lon": lon.tolist(),
        "lat": lat.tolist(),
        "source_sheet": district.tolist(),
        "source_row": source_row.tolist(),
    }
    for k, key in enumerate(schema.NODE_KEYS, 1):
        # planned dates every `step` weeks from the community's offset; actual dates once reached
        plan = base_day + (offset + (k - 1) * step) * 7
        cols[schema.plan_column(key)] = plan.tolist()
        cols[schema.actual_column(key)] = [int(p) if r >= k else None for p, r in zip(plan, node0)]
    names = list(cols)
    snapshot_id = (key_of + 1).tolist()
    con.executemany(f"INSERT INTO communities (snapshot_id, {', '.join(names)}) "
                    f"VALUES ({', '.join('?' * (len(names) + 1))})",
                    zip(snapshot_id, *[cols[c] for c in names]))

    # later weeks: copy week 0 (rowid 1..n) with the life cycle advanced
    x = "(:w - (source_row % 100 - 30))"
    node_expr = f"MIN(8, MAX(0, ({x} - ({x} % {step} + {step}) % {step}) / {step} + 1))"
    # (floor division that also works for negative numbers)
    status_expr = "CASE {n} " + " ".join(f"WHEN {i} THEN '{schema.node_status(i)}'" for i in range(9)) + " END"
    select = []
    for c in COMMUNITY_COLUMNS:
        if c == "node_reached":
            select.append(node_expr)
        elif c == "status":
            select.append(status_expr.format(n=node_expr))
        elif c == "completed_investment_wan":
            select.append(f"CASE WHEN {node_expr} >= 6 THEN ROUND(planned_investment_wan * {node_expr} / 8.0, 1) "
                          f"ELSE 0 END")
        elif c.startswith("actual_"):
            k = schema.NODE_KEYS.index(c[len("actual_"):]) + 1
            select.append(f"CASE WHEN {node_expr} >= {k} THEN {schema.plan_column(c[len('actual_'):])} END")
        else:
            select.append(c)
    copy_sql = (f"INSERT INTO communities (snapshot_id, {', '.join(COMMUNITY_COLUMNS)}) "
                f"SELECT snapshot_id + :shift, {', '.join(select)} FROM communities WHERE rowid <= :n")
    for w in range(1, weeks):
        con.execute(copy_sql, {"w": w, "shift": w * K, "n": n})
    con.execute("COMMIT")
    t1 = time.perf_counter()
    con.execute("CREATE INDEX communities_by_snapshot ON communities(snapshot_id)")
    con.execute("CREATE INDEX communities_by_id ON communities(community_id)")
    t2 = time.perf_counter()
    con.execute("BEGIN")
    con.execute(f"""INSERT INTO snapshot_totals (snapshot_id, {', '.join(TOTAL_COLUMNS)})
        SELECT snapshot_id, COUNT(*), SUM(node_reached >= 6), SUM(node_reached >= 7), SUM(COALESCE(households, 0)),
               SUM(CASE WHEN node_reached >= 6 THEN COALESCE(households, 0) ELSE 0 END),
               SUM(COALESCE(planned_investment_wan, 0)), SUM(COALESCE(completed_investment_wan, 0)),
               SUM(COALESCE(elevators_planned, 0))
        FROM communities GROUP BY snapshot_id""")
    for sql in _AGGREGATE_BACKFILL:   # the summary aggregates, as a store made before them gets them
        con.execute(sql)
    # each snapshot's columnar frame, as import_result writes it: one week of rows at a time
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()      # every week has the same snapshots
    for w in range(weeks):
        with _no_gc():
            rows = con.execute(f"SELECT {', '.join(FRAME_COLUMNS)} FROM communities WHERE snapshot_id BETWEEN ? AND ? "
                               "ORDER BY snapshot_id, rowid", (w * K + 1, w * K + K)).fetchall()
            blobs = frame_blobs(_frame_from_rows(rows, FRAME_COLUMNS), zip(bounds[:-1], bounds[1:]))
        con.executemany("INSERT INTO snapshot_frames (snapshot_id, frame) VALUES (?, ?)",
                        ((w * K + k + 1, blob) for k, blob in enumerate(blobs)))
    con.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'")
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    t3 = time.perf_counter()
    return {"rows": n * weeks, "snapshots": K * weeks, "insert_s": t1 - t0, "index_s": t2 - t1,
            "totals_s": t3 - t2, "mb": path.stat().st_size / 1e6,
            "last_date": first_date + timedelta(weeks=weeks - 1), "mid_date": first_date + timedelta(weeks=weeks // 2)}


def timed(fn, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), value


def rows_summary(store, as_of, batch_years) -> dict:
    """The summary as it was computed before the aggregates: the as-of rows of its columns, then ledger_summary."""
    from cli.store import SUMMARY_COLUMNS
    from metrics.summary import ledger_summary

    frame = store.ledger_as_of(as_of, batch_years=batch_years, columns=SUMMARY_COLUMNS)
    return ledger_summary(frame.drop(columns=["report_date"]))


BENCH_PASSWORD = "bench-Passw0rd-2026"


def bench(name: str, path: Path, info: dict, goal: float, repeat: int) -> None:
    from loaders import accounts

    store = LedgerStore(path)
    if accounts.get_account(store, "bench") is None:
        accounts.create_account(store, accounts.operator(), "bench", "viewer", (), BENCH_PASSWORD)
    print(f"\n== {name}: {info['rows']:,} community rows in {info['snapshots']:,} snapshots, "
          f"file {info['mb']:,.0f} MB (generated in {info['insert_s']:.1f} s + indexes {info['index_s']:.1f} s "
          f"+ totals {info['totals_s']:.1f} s)")
    checks = [
        ("summary from the rows (before)", lambda: rows_summary(store, None, None)),
        ("summary (latest)", lambda: store_summary(store, None, None)),
        (f"summary --as-of {info['mid_date']}", lambda: store_summary(store, info["mid_date"], None)),
        ("summary --batch-year 2022", lambda: store_summary(store, None, [2022])),
        ("totals_by_date", lambda: store.totals_by_date()),
        ("ledger_as_of (all columns)", lambda: store.ledger_as_of()),
        ("community_history", lambda: store.community_history("C0000042")),
        ("version", lambda: store.version()),
        ("login (accounts + audit entry)", lambda: accounts.authenticate(store, "bench", BENCH_PASSWORD)),
    ]
    for label, fn in checks:
        med, best, value = timed(fn, repeat)
        size = f"{value['rows']:,} rows" if isinstance(value, dict) else (
            f"{len(value):,} rows" if hasattr(value, "__len__") and not isinstance(value, str) else "")
        flag = ""
        if label.startswith("summary") and "before" not in label:
            flag = "  OK" if med < goal else f"  OVER GOAL ({goal} s)"
        print(f"  {label:<34} median {med:7.3f} s  best {best:7.3f} s  {size}{flag}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["qingdao", "national"])
    ap.add_argument("--dir", type=Path, help="where to write the bench stores (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated stores (reused by the next run)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="bench_store_"))
    workdir.mkdir(parents=True, exist_ok=True)
    runs = [
        ("qingdao", dict(communities=1_108, weeks=80, districts=QINGDAO, batches=[2022, 2023, 2024],
                         first_date=date(2021, 1, 1), step=10), 0.3),
        ("national", dict(communities=220_000, weeks=52, districts=PROVINCES, batches=[2019, 2020, 2021, 2022, 2023],
                          first_date=date(2022, 1, 7)), 2.0),
    ]
    try:
        for name, spec, goal in runs:
            if args.only and args.only != name:
                continue
            path = workdir / f"bench_{name}.sqlite"
            meta = workdir / f"bench_{name}.info"
            if path.exists() and meta.exists() and args.keep:
                info = json.loads(meta.read_text())
                info["mid_date"] = date.fromisoformat(info["mid_date"])
            else:
                path.unlink(missing_ok=True)
                info = generate(path, **spec)
                meta.write_text(json.dumps(info, default=str))
            bench(name, path, info, goal, args.repeat)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
