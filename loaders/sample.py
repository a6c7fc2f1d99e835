"""Build the default store from sample_data/ledgers through the same reader as any upload.

Layout: sample_data/ledgers/<YYYY-MM-DD>/*.xlsx|*.xls|*.csv — every file in a date folder has that report date.
The store is built into a temporary file next to the target and renamed into place when complete, under a
file lock, so a dashboard and a CLI started together never both build it nor see a half-built store.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

LEDGER_SUFFIXES = (".xlsx", ".xls", ".csv")


@dataclass
class BuildReport:
    path: Path
    files: int = 0
    imported: int = 0
    rows: int = 0
    snapshots: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1


def sample_files(ledgers_dir: Path) -> list[tuple[date, Path]]:
    """(report date, file) for every ledger under <YYYY-MM-DD>/ folders, in date then name order."""
    found = []
    if not ledgers_dir.is_dir():
        return found
    for folder in sorted(ledgers_dir.iterdir()):
        if not folder.is_dir():
            continue
        try:
            report_date = date.fromisoformat(folder.name)
        except ValueError:
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in LEDGER_SUFFIXES and not path.name.startswith(("~$", ".")):
                found.append((report_date, path))
    return found


def _say(message: str) -> None:
    log.info(message)
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _file_lock(lock_path: Path):
    """An exclusive inter-process lock (blocks until free)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as fh:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        except ImportError:  # Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.5)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)


def _read(args):
    """Read one sample file (runs in a worker process when parallel)."""
    report_date, path, source_name = args
    from loaders.reader import read_ledger
    from loaders.report import UnreadableLedger

    try:
        return read_ledger(path, source_name=source_name, report_date=report_date), None
    except UnreadableLedger as exc:
        return None, str(exc)


def _results(jobs, workers):
    """Yield (job, result, unreadable message) in job order, reading in parallel when workers > 1."""
    done = 0
    if workers > 1 and len(jobs) > 1:
        try:
            # spawn, not fork: the builder may run inside a threaded server (Streamlit), where fork can deadlock
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                for job, (result, message) in zip(jobs, pool.map(_read, jobs, chunksize=1)):
                    done += 1
                    yield job, result, message
            return
        except (OSError, RuntimeError, ImportError) as exc:  # e.g. no fork/semaphores: read the rest serially
            _say(f"  无法并行读取（{exc}），改为逐个读取")
    for job in jobs[done:]:
        result, message = _read(job)
        yield job, result, message


def build_store(target: Path, ledgers_dir: Path | None = None, *, workers: int | None = None) -> BuildReport:
    """Build a store at `target` from the sample ledgers (replacing nothing: target must not exist)."""
    from loaders import config
    from loaders.store import LedgerStore, StoreError

    ledgers_dir = Path(ledgers_dir) if ledgers_dir is not None else config.sample_ledgers_dir()
    files = sample_files(ledgers_dir)
    if workers is None:
        # each reading process has its own parsing child (loaders.safety), so one reader already keeps two
        # cores busy: on 2 cores a second reader only competes (measured 37 s serial vs 50 s with 2 workers)
        workers = max(1, min((os.cpu_count() or 1) // 2, 4))
    report = BuildReport(path=target, files=len(files), workers=workers)
    started = time.perf_counter()
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    if not files:
        _say(f"未找到示例台账（{ledgers_dir}），建立空数据库：{target}")
    else:
        _say(f"首次使用：正在从示例台账建立数据库（{len(files)}个文件，{ledgers_dir}）…")
    try:
        store = LedgerStore(tmp)
        root = ledgers_dir
        jobs = [(d, p, str(p.relative_to(root))) for d, p in files]
        for k, ((report_date, path, source_name), result, message) in enumerate(_results(jobs, workers), 1):
            if result is None:
                report.skipped.append(f"{source_name}：{message}")
                _say(f"  跳过 {source_name}：{message}")
                continue
            if result.errors:
                first = result.errors[0].describe()
                report.skipped.append(f"{source_name}：{len(result.errors)}个错误，如 {first}")
                _say(f"  跳过 {source_name}：{len(result.errors)}个错误，如 {first}")
                continue
            try:
                outcome = store.import_result(result)
            except StoreError as exc:
                report.skipped.append(f"{source_name}：{exc}")
                _say(f"  跳过 {source_name}：{exc}")
                continue
            report.imported += 1
            report.rows += outcome.rows
            report.snapshots += len(outcome.snapshots)
            if k % 20 == 0 or k == len(jobs):
                _say(f"  已读取 {k}/{len(jobs)} 个文件（{time.perf_counter() - started:.0f}秒）")
        _stamp_receipts(store)
        store.compact()
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    _say(f"示例数据库已建立：{target}（导入{report.imported}/{report.files}个文件，{report.snapshots}个快照，"
         f"{report.rows}行，用时{report.seconds:.1f}秒）")
    if report.skipped:
        _say(f"注意：{len(report.skipped)}个示例文件未导入")
    return report


def _stamp_receipts(store) -> None:
    """Give the sample's imports the fictional times the districts sent them (the build itself happens today,
    which would make every sample week late for the 报送 page): a citywide file at 09:00 on its report date, a
    district's own file at 16:30 the day after, so that the demo shows both 按时报送 and 逾期报送."""
    from loaders.audit import zone

    with store.transaction(write=True) as con:
        for import_id, source_name, report_date in con.execute(
                "SELECT id, source_name, report_date FROM imports").fetchall():
            day = date.fromisoformat(report_date)
            own_file = Path(source_name).stem in _district_names()
            at = datetime.combine(day + timedelta(days=1), dtime(16, 30)) if own_file else \
                datetime.combine(day, dtime(9, 0))
            stamp = at.replace(tzinfo=zone()).isoformat(timespec="seconds")
            con.execute("UPDATE imports SET imported_at = ? WHERE id = ?", (stamp, import_id))
            con.execute("UPDATE snapshots SET imported_at = ? WHERE import_id = ?", (stamp, import_id))


def _district_names() -> set[str]:
    from loaders.config import district_names

    return set(district_names())


def build_default_store(target: Path, ledgers_dir: Path | None = None, *, workers: int | None = None
                        ) -> BuildReport | None:
    """Build the default store at `target` unless it exists; safe when several processes start at once.
    Returns None when another process built it meanwhile."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.with_name(target.name + ".lock")):
        if target.exists():
            return None
        return build_store(target, ledgers_dir, workers=workers)


def open_default_store(*, seed_sample: bool | None = None, check_in_background: bool = False):
    """The store this deployment uses: LEDGER_DB (a SQLite path or a postgresql:// URL), else settings [store]
    url (PostgreSQL) or path (SQLite).

    Only the demo store (no store configured anywhere) is seeded from the sample ledgers, on first use. A store a
    user names, by --db, LEDGER_DB or a settings file, is opened as it is and starts empty: the fictional sample
    must never be mixed into a bureau's data. `seed_sample` overrides that choice (tests, `python -m loaders.sample`).
    `check_in_background`: the dashboard's handle (loaders.store.BACKGROUND_CHECK_BYTES).
    """
    from loaders import config
    from loaders.stores import open_store

    target = config.store_target()
    if isinstance(target, str):   # a PostgreSQL URL: a deployment's own server store, never seeded
        return open_store(target)
    if seed_sample is None:
        seed_sample = not config.store_is_configured()
    if seed_sample and not target.exists():
        build_default_store(target)
    store = open_store(target, check_in_background=check_in_background)
    if seed_sample:
        from loaders.accounts import ensure_demo_accounts

        ensure_demo_accounts(store)   # the README's demo accounts, only ever in this store
    return store


if __name__ == "__main__":  # python -m loaders.sample [TARGET]: rebuild timing aid
    logging.basicConfig(level=logging.WARNING)
    from loaders import config

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else config.store_path()
    if out.exists():
        print(f"{out} 已存在；如需重建请先删除", file=sys.stderr)
        sys.exit(1)
    build_default_store(out)
