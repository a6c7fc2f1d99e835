"""The same history on SQLite and on PostgreSQL, side by side in one run (issue 13 §4).

    python bench/bench_store_pg.py [--communities N] [--weeks W] [--repeat R] [--url postgresql://…]
                                   [--sqlite FILE]

The history is generated into SQLite by bench/bench_store.py's generator (31 provinces × batches 2019–2025),
then copied into PostgreSQL by loaders.store_pg.copy_from_sqlite, the migration path a deployment uses. Without
--url the PostgreSQL side is a throw-away cluster (tests/pg_fixtures.PgServer: loopback, fsync off) removed at
the end. --sqlite FILE uses a history generated before (kept as it is; a file made before the summary aggregates
gets them when opened, timed). Then both stores answer the same calls: summary (as `python -m loaders summary
--json`, from the aggregates kept with the snapshots; and as before them, from the as-of rows) at the latest and
at a mid-history date, summary of one batch, totals_by_date, a full-column ledger_as_of, community_history,
version(), opening the store, and one more weekly ledger of every community through import_result.
Goal: summary under 1 s. The national programme is --communities 280000 --weeks 52 (14.6 M rows).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from bench_store import PROVINCES, generate, machine, rows_summary, timed  # noqa: E402

from cli.store import store_summary  # noqa: E402
from loaders.store import LedgerStore  # noqa: E402
from loaders.store_pg import PgLedgerStore, copy_from_sqlite  # noqa: E402

GOAL_S = 1.0


def reopened(store, url: str) -> str:
    """Open the store once more, as a new dashboard process or command does after the first (SQLite: the
    file's quick_check is not repeated for a state this process found sound)."""
    if isinstance(store, LedgerStore):
        return LedgerStore(store.path).version()
    with PgLedgerStore(url) as again:
        return again.version()


def throwaway_database() -> tuple:
    """A throw-away PostgreSQL cluster on loopback (tests/pg_fixtures: fsync off) and an empty database in it:
    (server, url). server.remove() ends it."""
    from pg_fixtures import PgServer, pg_bindir

    server = PgServer(pg_bindir())
    server.init()
    return server, server.url(server.create_database())


def copy_into(lite: LedgerStore, pg: PgLedgerStore) -> None:
    """The SQLite history into PostgreSQL by copy_from_sqlite, the migration path a deployment uses, then ANALYZE."""
    t0 = time.perf_counter()
    copy_from_sqlite(lite, pg)
    with pg._read() as con:
        con.execute("ANALYZE")
        size = con.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
    print(f"copied into PostgreSQL in {time.perf_counter() - t0:.0f} s; database {size:,.0f} MB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--communities", type=int, default=28_000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--url", help="an empty PostgreSQL database (default: a throw-away local cluster)")
    ap.add_argument("--sqlite", type=Path, help="a history generated before (default: generate one)")
    ap.add_argument("--import", dest="import_week", action="store_true",
                    help="with --sqlite: also time one more weekly import (it stays in that file)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    workdir = Path(tempfile.mkdtemp(prefix="bench_store_pg_"))
    server = None
    try:
        t0 = time.perf_counter()
        path = args.sqlite or workdir / "bench.sqlite"
        if args.sqlite is None:
            generate(path, communities=args.communities, weeks=args.weeks, districts=PROVINCES,
                     batches=list(range(2019, 2026)), first_date=date(2022, 1, 7))
            made = f"generated in {time.perf_counter() - t0:.0f} s"
        else:
            made = "generated before"
        t0 = time.perf_counter()
        lite = LedgerStore(path)
        first_open = time.perf_counter() - t0
        dates = lite.report_dates()
        info = {"mid_date": dates[len(dates) // 2], "last_date": dates[-1]}
        snaps = lite.snapshots()
        print(f"history: {len(lite.ledger_as_of(columns=['community_id'])):,} communities × {len(dates)} weeks = "
              f"{int(snaps['rows'].sum()):,} rows in {len(snaps):,} snapshots; SQLite file "
              f"{path.stat().st_size / 1e6:,.0f} MB, {made}; first open {first_open:.1f} s "
              "(quick_check, and the summary aggregates when the file was made before them)")
        url = args.url
        if url is None:
            server, url = throwaway_database()
        with PgLedgerStore(url, statement_timeout_s=3600) as pg:
            copy_into(lite, pg)
            checks = [
                ("summary from the rows (before)", lambda s: rows_summary(s, None, None)),
                ("summary (latest)", lambda s: store_summary(s, None, None)),
                (f"summary --as-of {info['mid_date']}", lambda s: store_summary(s, info["mid_date"], None)),
                ("summary --batch-year 2022", lambda s: store_summary(s, None, [2022])),
                ("totals_by_date", lambda s: s.totals_by_date()),
                ("ledger_as_of (all columns)", lambda s: s.ledger_as_of()),
                ("community_history", lambda s: s.community_history("C0000042")),
                ("version", lambda s: s.version()),
                ("open the store again", lambda s: reopened(s, url)),
            ]
            print(f"\n{'query':<34} {'SQLite median':>14} {'PostgreSQL median':>18}  rows")
            for label, fn in checks:
                (lite_med, _, value), (pg_med, _, pg_value) = timed(lambda: fn(lite), args.repeat), timed(
                    lambda: fn(pg), args.repeat)
                rows = value["rows"] if isinstance(value, dict) else (len(value) if not isinstance(value, str) else "")
                same = (value == pg_value) if isinstance(value, (dict, str)) else len(value) == len(pg_value)
                flag = ""
                if label.startswith("summary") and "before" not in label:
                    flag = "  OK" if max(lite_med, pg_med) < GOAL_S else f"  OVER GOAL ({GOAL_S:g} s)"
                print(f"{label:<34} {lite_med:12.3f} s {pg_med:16.3f} s  {rows:,}{'' if same else '  DIFFERENT'}"
                      f"{flag}" if rows != "" else f"{label:<34} {lite_med:12.4f} s {pg_med:16.4f} s")
            if args.sqlite is not None and not args.import_week:
                return 0
            # one more weekly ledger of every community, through import_result (checks, split, totals, rows)
            from datetime import timedelta

            from loaders.report import LedgerResult

            latest = lite.ledger_as_of()
            week = LedgerResult(latest.drop(columns=["report_date"]), source_name="bench-next-week.xlsx",
                                report_date=info["last_date"] + timedelta(weeks=1), errors=[])
            times = []
            for store in (lite, pg):
                t0 = time.perf_counter()
                store.import_result(week)
                times.append(time.perf_counter() - t0)
            print(f"{'import_result (one more week)':<34} {times[0]:12.3f} s {times[1]:16.3f} s  {len(latest):,}")
    finally:
        if server is not None:
            server.remove()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
