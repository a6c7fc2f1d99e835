"""LedgerStore: every accepted weekly ledger kept as snapshots in one SQLite file.

A snapshot is one (district, batch_year, report_date). An imported LedgerResult is split by district and batch
year; each part becomes a snapshot. Nothing is ever updated in place: a newer ledger adds snapshots, a replaced
snapshot stays in the file as inactive and can be restored.

Why SQLite (see docs/store.md): it ships with Python, needs no set-up, and in WAL mode a command-line import can
write while the dashboard keeps reading the same file; the dashboard sees the import on its next query.

Tables
  meta             key/value: store_id (changes when the file is rebuilt), generation (bumped on every write)
  imports          one row per import_result call
  snapshots        one row per (district, batch_year, report_date) version; active = the version queries use
  snapshot_totals  per-snapshot aggregates written at import, so trends never scan community rows
  communities      the canonical rows of every snapshot (dates as integer days since 1970-01-01)
  snapshot_frames  each snapshot's rows again as one compressed columnar frame, what ledger_as_of reads
                   (store_common.frame_blobs: 280,000 rows in a fraction of a second instead of seconds)
  accounts         loaders.accounts; audit_log: loaders.audit (their SQL goes through transaction())
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pandas as pd

from loaders import schema
from loaders.report import LedgerResult
# What both engines share lives in loaders.store_common; its names stay importable from here.
from loaders.store_common import (  # noqa: F401
    BUNDLE_BLANKS, COMMUNITY_COLUMNS, DATE_COLUMNS, TOTAL_COLUMNS, DuplicateSnapshot, ImportOutcome, ImportRefused, StoredSnapshot,
    StoreError, StoreUnavailable, _column_values, _frame_from_rows, _in_official_order, _names, _no_gc, _now,
    SnapshotAggregates, _to_date, _total_arrays, _totals, _typed, _years, already_current, canonical_sha256, duplicate_snapshot,
    history_frame, ledger_columns, ledger_frame, no_such_snapshot, per_row_frame, prepare_import, selected_frame,
    snapshot_totals, snapshots_frame, totals_frame)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 30_000


def _sql_type(dtype: str) -> str:
    if dtype in ("Int64", "int64") or dtype.startswith("datetime64"):
        return "INTEGER"
    if dtype == "float64":
        return "REAL"
    return "TEXT"


_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS imports (
        id INTEGER PRIMARY KEY,
        source_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        report_date TEXT NOT NULL,
        rows INTEGER NOT NULL,
        replace INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS snapshots (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        district TEXT NOT NULL,
        batch_year INTEGER NOT NULL,
        report_date TEXT NOT NULL,
        rows INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        replaced_by INTEGER REFERENCES snapshots(id),
        imported_at TEXT NOT NULL
    )""",
    # At most one active version of a (district, batch, date): the database enforces the replace rule too.
    """CREATE UNIQUE INDEX IF NOT EXISTS snapshots_active_key
        ON snapshots(district, batch_year, report_date) WHERE active = 1""",
    "CREATE INDEX IF NOT EXISTS snapshots_by_batch ON snapshots(batch_year, district, report_date)",
    f"""CREATE TABLE IF NOT EXISTS snapshot_totals (
        snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id),
        {", ".join(f"{c} {'REAL' if c.endswith('_wan') else 'INTEGER'} NOT NULL" for c in TOTAL_COLUMNS)}
    )""",
    f"""CREATE TABLE IF NOT EXISTS communities (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        {", ".join(f"{c} {_sql_type(t)}" for c, t in schema.COLUMNS.items())}
    )""",
    "CREATE INDEX IF NOT EXISTS communities_by_snapshot ON communities(snapshot_id)",
    "CREATE INDEX IF NOT EXISTS communities_by_id ON communities(community_id)",
]
# The aggregates behind `summary` that no per-snapshot total can hold: how many communities are at each node with
# each status, and the distinct bundle names (a bundle can span snapshots, so their counts do not add up).
# Written with the snapshot by import_result (snapshots never change, so they stay exact); a store made before
# them gets them at open from its community rows (_AGGREGATE_BACKFILL).
_AGGREGATE_DDL = [
    """CREATE TABLE IF NOT EXISTS snapshot_statuses (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        node_reached INTEGER NOT NULL,
        status TEXT,
        communities INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS snapshot_statuses_by_snapshot ON snapshot_statuses(snapshot_id)",
    """CREATE TABLE IF NOT EXISTS snapshot_bundles (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        bundle TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, bundle)
    ) WITHOUT ROWID""",
]
_TRIMMED_BUNDLE = f"TRIM(bundle, '{BUNDLE_BLANKS}')"
_AGGREGATE_BACKFILL = [
    """INSERT INTO snapshot_statuses (snapshot_id, node_reached, status, communities)
       SELECT snapshot_id, COALESCE(node_reached, 0), status, COUNT(*) FROM communities GROUP BY 1, 2, 3""",
    f"""INSERT INTO snapshot_bundles (snapshot_id, bundle)
       SELECT DISTINCT snapshot_id, {_TRIMMED_BUNDLE} FROM communities WHERE {_TRIMMED_BUNDLE} <> ''""",
]
_DDL += _AGGREGATE_DDL
# Tables made with the store and added, empty, to a store made before them, so that no query meets a missing table
# on either engine (PostgreSQL: store_pg.MIGRATIONS): loaders.accounts' and loaders.audit's, and each snapshot's
# rows as one columnar frame (store_common.frame_blobs; a snapshot stored before them is read from its rows).
_OWN_TABLES_DDL = [
    """CREATE TABLE IF NOT EXISTS snapshot_frames (
        snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id),
        frame BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS accounts (
        login TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        districts TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL,
        demo INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL,
        locked_until TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY,
        "time" TEXT NOT NULL,
        "user" TEXT NOT NULL,
        role TEXT NOT NULL,
        districts TEXT NOT NULL,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT NOT NULL,
        file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        report_date TEXT NOT NULL,
        rows INTEGER,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
]
_DDL += _OWN_TABLES_DDL


def _table_names(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# The tables a store made before the summary aggregates lacks (_add_aggregates)
_AGGREGATE_TABLES = {"snapshot_statuses", "snapshot_bundles"}


def _table_of(ddl: str) -> str:
    return ddl.split("EXISTS", 1)[1].split("(", 1)[0].strip()


class StoreDamaged(StoreUnavailable):
    """The file is a store but SQLite finds damaged pages in it: nothing is read from or written to it."""


def damaged_message(path: Path) -> str:
    """What a damaged store means and how to get the data back (the same words in the CLI and the dashboard)."""
    return (f"数据库文件 {path} 已损坏（完整性检查未通过），为免读出错误数据或把损坏扩大，已停止使用该文件。"
            "恢复方法：停止看板和正在进行的导入，用最近一次备份的数据库文件（.sqlite 副本）替换该文件后重新打开；"
            "没有备份时，可把各期原始台账按截至日期先后重新导入一个新的数据库（命令行 --db 或环境变量 LEDGER_DB 指定新文件）。"
            "损坏的文件请保留，交系统管理员检查磁盘。")


def _in_clause(column: str, values: list | None, params: list) -> str:
    if values is None:
        return ""
    if not values:
        return " AND 0"
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' * len(values))})"



# --------------------------------------------------------------------------------------------------- store
def _read_only(path: Path) -> StoreUnavailable:
    return StoreUnavailable(f"没有写入数据库 {path} 的权限（该文件或其所在文件夹是只读的）。"
                            "请让系统管理员开放写权限，或用 --db 指定可以写入的位置。")


def _unusable(path: Path, exc: sqlite3.Error) -> StoreUnavailable | None:
    """What a SQLite failure means for the user, naming the file and what to do (None: not a file problem)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        text = (f"数据库 {path} 正被另一个程序写入（可能另一次导入正在进行），等待{BUSY_TIMEOUT_MS / 1000:g}秒后仍未结束。"
                "请稍后重试。")
    elif name.startswith("SQLITE_READONLY"):
        return _read_only(path)
    elif name.startswith("SQLITE_CORRUPT"):
        return StoreDamaged(damaged_message(path))
    elif name == "SQLITE_NOTADB":
        text = f"文件 {path} 不是台账数据库（或已严重损坏）。请确认 --db 指向的是台账数据库，或从备份恢复该文件。"
    elif name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        text = f"无法打开数据库文件 {path}（没有访问权限，或路径不可用）。请检查路径和权限，或用 --db 指定其他位置。"
    elif name == "SQLITE_FULL":
        text = f"磁盘空间不足，无法写入数据库 {path}。请清理磁盘后重试；数据库中原有的数据未受影响。"
    elif name.startswith("SQLITE_IOERR"):
        text = f"读写数据库文件 {path} 时发生磁盘错误。请检查磁盘后重试；如仍失败，请从备份恢复该文件。"
    else:
        return None
    return StoreUnavailable(text)


def _check_integrity(con: sqlite3.Connection, path: Path, tables: tuple[str, ...] = ()) -> None:
    """PRAGMA quick_check: damaged pages in the middle of a file read as normal data otherwise (a query only
    fails when it happens to touch one). The whole file is linear in its size: about 0.1 s for the 20 MB sample
    store, half a minute for a national one (4.5 GB). `tables`: only these tables and their indexes (SQLite
    3.33+), milliseconds whatever the file's size: what a write that touches nothing else needs."""
    try:
        pragmas = [f'PRAGMA quick_check("{table}")' for table in tables] or ["PRAGMA quick_check(5)"]
        problems = [row[0] for pragma in pragmas for row in con.execute(pragma)]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CORRUPT"):
            raise StoreDamaged(damaged_message(path)) from exc
        raise
    if any(problem != "ok" for problem in problems):
        log.error("store %s failed quick_check%s: %s", path, f" of {', '.join(tables)}" if tables else "",
                  "; ".join(problems[:5]))
        raise StoreDamaged(damaged_message(path))


# A file at least this large is checked in a background thread when the dashboard opens it (check_in_background):
# its first visitor after a server start does not wait for the whole file (half a minute to minutes for a
# national store). Smaller files, and every command, are checked before anything is read.
BACKGROUND_CHECK_BYTES = 256 * 1024 * 1024

# Background checks made at open but not yet begun: the dashboard begins them once its first page is drawn
# (start_pending_checks), because the check reads the whole file and, on two cores, slowed that page by a second
# or more (a national store's first page, all batches: 3.6–6.1 s with the check beside it, 2.8–3.6 s without).
_PENDING_CHECKS: list[threading.Thread] = []
_PENDING_LOCK = threading.Lock()


def start_pending_checks() -> None:
    """Begin every background check waiting for it (see _PENDING_CHECKS); a no-op when none waits."""
    with _PENDING_LOCK:   # started under the lock: wait_for_check never joins a thread taken but not started
        for thread in _PENDING_CHECKS:
            thread.start()
        _PENDING_CHECKS.clear()

# Files this process has found sound at open, by what identifies one state of a file (see _file_state): a
# dashboard process opens its store once per page's cold run and a bench or test many times, and quick_check is
# linear in the file (seconds for a national store). Writes check every time, under the write lock.
_SOUND_AT_OPEN: set[tuple] = set()


def _file_state(path: Path) -> tuple | None:
    """The file and its write-ahead log as (device, inode, size, mtime in ns): any write by SQLite or by
    anything else (a torn copy, a disk tool) changes one of them. An empty log holds nothing (SQLite makes a new
    one for every first connection and removes it after the last). None when the file cannot be looked at."""
    try:
        main = path.stat()
    except OSError:
        return None
    try:
        wal = Path(f"{path}-wal").stat()
        wal_state = (wal.st_ino, wal.st_size, wal.st_mtime_ns) if wal.st_size else None
    except OSError:
        wal_state = None
    return (str(path.absolute()), main.st_dev, main.st_ino, main.st_size, main.st_mtime_ns, wal_state)


def _is_store(con: sqlite3.Connection) -> bool:
    try:
        return con.execute("SELECT 1 FROM meta WHERE key = 'schema'").fetchone() is not None
    except sqlite3.OperationalError as exc:
        if str(exc).startswith("no such"):   # no meta table (or not ours): another program's database
            return False
        raise


# (district, batch_year, report_date, *TOTAL_COLUMNS) of the snapshots whose ids `picked` (a table or a
# subquery) holds: SnapshotAggregates.picked.
_TOTALS_OF_PICKED = (f"SELECT s.district, s.batch_year, s.report_date, {', '.join('t.' + c for c in TOTAL_COLUMNS)} "
                     "FROM {picked} p JOIN snapshots s ON s.id = p.id JOIN snapshot_totals t ON t.snapshot_id = p.id")


# Ways to read a store that cannot be opened for writing, tried in turn: read-only (enough when the WAL's
# -shm file exists or can be created), then immutable (a read-only folder, where -shm cannot be created;
# nobody can write there, so the file cannot change under the reader).
_READ_ONLY_OPENS = ("mode=ro", "mode=ro&immutable=1")


class LedgerStore:
    """The snapshot history in one SQLite file. Safe to share between threads: each call opens its own
    connection (cheap for SQLite), so a Streamlit `cache_resource` handle works across reruns and sessions."""

    def __init__(self, path: str | Path, *, check_in_background: bool = False):
        # Opening never builds or seeds anything: a store a user names starts empty (loaders.sample seeds the
        # demo store only, by an explicit call). check_in_background: the dashboard's long-lived handle
        # (BACKGROUND_CHECK_BYTES).
        self.path = Path(path)
        self._check_in_background = check_in_background
        self._damage: StoreDamaged | None = None   # what the background check found: every later call raises it
        self._checking: threading.Thread | None = None
        self._read_open: str | None = None   # URI parameters for reading when the file cannot be written
        self._own_tables_missing: list[str] = []   # a read-only store made before accounts: read them as empty
        self._aggregates = True   # False: a read-only store made before the summary aggregates (_add_aggregates)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"无法创建数据库所在的文件夹 {self.path.parent}。"
                                   "请检查路径和写入权限，或用 --db 指定其他位置。") from exc
        with self._sqlite_errors():
            self._open()

    def __repr__(self) -> str:
        return f"LedgerStore({str(self.path)!r})"

    # -- connections
    def _connect(self, uri_params: str | None = None) -> sqlite3.Connection:
        target = self.path if uri_params is None else f"{self.path.absolute().as_uri()}?{uri_params}"
        con = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                              uri=uri_params is not None)
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            con.close()
            raise
        return con

    @contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            problem = _unusable(self.path, exc)
            if problem is None:
                raise
            raise problem from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        self._raise_if_damaged()
        with self._sqlite_errors():
            con = self._connect(self._read_open)
            try:
                for ddl in self._own_tables_missing:   # empty stand-ins in the connection's temp database
                    con.execute(ddl.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
                con.execute("BEGIN")
                yield con
                con.execute("COMMIT")
            finally:
                con.close()

    @contextmanager
    def _write(self, *, bump: bool = True, tables: tuple[str, ...] = ()) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or nothing. `bump`: it changes what ledger queries return.
        `tables`: the only tables it writes, the only ones checked first (else the whole file)."""
        self._raise_if_damaged()
        if self._read_open is not None or self._own_tables_missing:
            raise _read_only(self.path)   # found at open: a read-only folder, disk or file
        with self._sqlite_errors():
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    _check_integrity(con, self.path, tables)   # under the write lock: the state about to change
                    yield con
                except BaseException:
                    if con.in_transaction:   # SQLite has already rolled back after some errors (disk full)
                        con.execute("ROLLBACK")
                    raise
                if bump:
                    con.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'"
                    )
                con.execute("COMMIT")
            finally:
                con.close()

    # -- the one hook for modules that keep their own tables in this file (loaders.accounts, loaders.audit)
    @contextmanager
    def transaction(self, *, write: bool, data_changed: bool = False, tables: Iterable[str] = ()
                    ) -> Iterator[sqlite3.Connection]:
        """A transaction on the store's file for another module's own tables, in plain SQL with ? parameters:
        all of it or nothing. write=False is a read transaction (works on a read-only store). `data_changed`:
        the statements change what ledger queries return (a withdrawal), so version() changes and caches refresh;
        accounts and audit entries leave it unchanged. `tables`: the only tables the statements write; only
        they are checked for damage first, so a login on a national store does not wait for the whole file
        (empty: the whole file is checked)."""
        if not write:
            with self._read() as con:
                yield con
            return
        with self._write(bump=data_changed, tables=tuple(tables)) as con:
            yield con

    def _open(self) -> None:
        """Use the file if it is a store; make it one if it is new or empty (0 bytes). Any other file is
        refused before a byte of it is written, and a store that cannot be written is opened for reading."""
        if self.path.exists() and self.path.stat().st_size > 0:
            con = self._readable()
            try:
                self._check_at_open(con)
                if not _is_store(con):
                    raise StoreUnavailable(
                        f"文件 {self.path} 是其他程序的数据库，不是台账数据库；为免改动其中的数据，未做任何操作。"
                        "请用 --db 指定台账数据库，或指定一个尚不存在的文件以新建数据库。")
                if self._read_open is None and con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    con.execute("PRAGMA journal_mode = WAL")
                self._add_own_tables(con)
                self._add_aggregates(con)
            finally:
                con.close()
            return
        con = self._connect()
        try:
            # the tables first, in one transaction, so that a crash leaves an empty file or a whole store
            con.execute("BEGIN IMMEDIATE")
            try:
                for ddl in _DDL:
                    con.execute(ddl)
                con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                con.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (uuid.uuid4().hex[:12],))
                con.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("PRAGMA journal_mode = WAL")
        finally:
            con.close()

    def _check_at_open(self, con: sqlite3.Connection) -> None:
        """quick_check once per state of the file in this process. A large file opened for the dashboard
        (check_in_background) is checked in a thread instead, unless opening writes to it; the thread begins
        with start_pending_checks or wait_for_check. Until the verdict, reads come from pages SQLite finds sound
        (a damaged page a query touches is an error, never data), writes check for themselves, and after a failed
        check every call raises StoreDamaged."""
        state = _file_state(self.path)
        if state is not None and state in _SOUND_AT_OPEN:
            return
        if (self._check_in_background and self.path.stat().st_size >= BACKGROUND_CHECK_BYTES
                and not self._writes_at_open(con)):
            self._checking = threading.Thread(target=self._background_check, args=(state,), daemon=True,
                                              name=f"quick_check {self.path.name}")
            with _PENDING_LOCK:
                _PENDING_CHECKS.append(self._checking)
            return
        _check_integrity(con, self.path)
        self._sound_since(state)

    def _sound_since(self, state: tuple | None) -> None:
        """The check that began at `state` passed: remember it unless somebody wrote during the check."""
        if state is not None and state == _file_state(self.path):
            _SOUND_AT_OPEN.add(state)

    def _background_check(self, state: tuple | None) -> None:
        try:
            con = self._connect(self._read_open)
            try:
                _check_integrity(con, self.path)
            finally:
                con.close()
        except StoreDamaged as exc:
            self._damage = exc
            return
        except sqlite3.Error as exc:
            problem = _unusable(self.path, exc)
            if isinstance(problem, StoreDamaged):
                self._damage = problem
            else:   # not a verdict on the file (it was locked, say): the next process checks it again
                log.warning("background quick_check of %s did not finish: %s", self.path, exc)
            return
        self._sound_since(state)

    @property
    def check_pending(self) -> bool:
        """A background check was made at open and has not begun yet."""
        return self._checking is not None and self._checking.ident is None

    def wait_for_check(self, timeout: float | None = None) -> None:
        """Wait for the background check (beginning it if it still waits); raise StoreDamaged if it found
        damage."""
        if self._checking is not None:
            if self.check_pending:
                start_pending_checks()
            self._checking.join(timeout)
        self._raise_if_damaged()

    def _raise_if_damaged(self) -> None:
        if self._damage is not None:
            raise self._damage

    def _writes_at_open(self, con: sqlite3.Connection) -> bool:
        """Whether _open will write: the switch to WAL, the tables _add_own_tables and _add_aggregates add (a
        damaged file must be refused before any of it)."""
        if self._read_open is not None:
            return False
        present = _table_names(con)
        tables = {_table_of(ddl) for ddl in _OWN_TABLES_DDL} | _AGGREGATE_TABLES
        return con.execute("PRAGMA journal_mode").fetchone()[0] != "wal" or not tables <= present

    def _add_own_tables(self, con: sqlite3.Connection) -> None:
        """A store made before accounts and the audit log gets their tables; one that cannot be written reads
        them as empty (temporary stand-ins on each read connection)."""
        present = _table_names(con)
        missing = [ddl for ddl in _OWN_TABLES_DDL if _table_of(ddl) not in present]
        if not missing:
            return
        if self._read_open is None:
            try:
                con.execute("BEGIN IMMEDIATE")
                for ddl in missing:
                    con.execute(ddl)
                con.execute("COMMIT")
                return
            except sqlite3.OperationalError as exc:   # a file without write permission opens read-only
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                    raise
        self._own_tables_missing = missing

    def _add_aggregates(self, con: sqlite3.Connection) -> None:
        """A store made before the summary aggregates gets them, computed once from its community rows (about a
        minute for a national history); one that cannot be written answers summaries from the rows."""
        present = _table_names(con)
        self._aggregates = _AGGREGATE_TABLES <= present
        if self._aggregates or self._read_open is not None or self._own_tables_missing:
            return
        try:
            con.execute("BEGIN IMMEDIATE")
            for sql in (*_AGGREGATE_DDL, *_AGGREGATE_BACKFILL):
                con.execute(sql)
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                raise
            return
        log.info("store %s: summary aggregates added", self.path)
        self._aggregates = True

    def _readable(self) -> sqlite3.Connection:
        """A connection that can read the file, read-only if it cannot be written (sets self._read_open)."""
        tries = (None, *_READ_ONLY_OPENS)
        for uri_params in tries:
            try:
                # in a read-only folder even _connect's pragmas fail, as they read the WAL index
                con = self._connect(uri_params)
                try:
                    con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                except sqlite3.Error:
                    con.close()
                    raise
            except sqlite3.OperationalError as exc:
                if uri_params == tries[-1] or not getattr(exc, "sqlite_errorname", "").startswith(
                        ("SQLITE_READONLY", "SQLITE_CANTOPEN")):
                    raise
                continue
            self._read_open = uri_params
            if uri_params is not None:
                log.info("%s cannot be written; reading it with %s", self.path, uri_params)
            return con

    # -- cache key
    def version(self) -> str:
        """Changes on every import or restore (and when the file is rebuilt): use it as a cache key."""
        with self._read() as con:
            rows = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('store_id', 'generation')"))
        return f"{rows.get('store_id', '')}-{rows.get('generation', '0')}"

    def compact(self) -> None:
        """Fold the write-ahead log into the file and leave it self-contained (no -wal beside it), so the file
        can be copied or renamed into place as one piece."""
        with self._sqlite_errors():
            con = self._connect()
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                con.execute("PRAGMA journal_mode = DELETE")
            finally:
                con.close()

    # -- writing
    def import_result(self, result: LedgerResult, replace: bool = False, *,
                      on_write: Callable[[sqlite3.Connection, ImportOutcome], None] | None = None) -> ImportOutcome:
        """Store an accepted ledger as one snapshot per (district, batch_year). All or nothing.

        Raises ImportRefused (errors, no report date, no rows, rows without district or batch year) and
        DuplicateSnapshot (a key already stored and replace=False); in both cases nothing is written.
        `on_write(con, outcome)` runs inside the same write transaction once the rows are in (the audit entry):
        if it raises, nothing of the import is stored.
        """
        prep = prepare_import(result)
        report_date, iso, arrays = prep.report_date, prep.iso, prep.arrays
        frames = prep.frames()    # encoded before the write transaction, which they would only lengthen
        stamp = _now()

        with self._write() as con:
            existing = {}
            for key, _, _ in prep.parts:
                row = con.execute(
                    "SELECT id FROM snapshots WHERE active = 1 AND district = ? AND batch_year = ? AND report_date = ?",
                    (*key, iso),
                ).fetchone()
                if row:
                    existing[key] = row[0]
            if existing and not replace:
                raise duplicate_snapshot(existing, report_date)
            same = con.execute("SELECT id, source_name FROM imports WHERE sha256 = ? ORDER BY id LIMIT 1",
                               (prep.sha256,)).fetchone()
            cur = con.execute(
                "INSERT INTO imports (source_name, sha256, imported_at, report_date, rows, replace) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (prep.source_name, prep.sha256, stamp, iso, len(prep.frame), int(bool(replace))),
            )
            import_id = cur.lastrowid
            stored = []
            placeholders = ", ".join("?" * (len(COMMUNITY_COLUMNS) + 1))
            insert_sql = f"INSERT INTO communities (snapshot_id, {', '.join(COMMUNITY_COLUMNS)}) VALUES ({placeholders})"
            for part, (key, a, b) in enumerate(prep.parts):
                old = existing.get(key)
                if old is not None:
                    con.execute("UPDATE snapshots SET active = 0 WHERE id = ?", (old,))
                cur = con.execute(
                    "INSERT INTO snapshots (import_id, district, batch_year, report_date, rows, active, imported_at) "
                    "VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (import_id, key[0], key[1], iso, b - a, stamp),
                )
                snapshot_id = cur.lastrowid
                if old is not None:
                    con.execute("UPDATE snapshots SET replaced_by = ? WHERE id = ?", (snapshot_id, old))
                totals = _totals(arrays, a, b)
                con.execute(
                    f"INSERT INTO snapshot_totals (snapshot_id, {', '.join(TOTAL_COLUMNS)}) "
                    f"VALUES (?, {', '.join('?' * len(TOTAL_COLUMNS))})",
                    (snapshot_id, *[totals[c] for c in TOTAL_COLUMNS]),
                )
                con.executemany(insert_sql, ((snapshot_id, *row) for row in prep.rows[a:b]))
                con.execute("INSERT INTO snapshot_frames (snapshot_id, frame) VALUES (?, ?)", (snapshot_id, frames[part]))
                con.executemany("INSERT INTO snapshot_statuses VALUES (?, ?, ?, ?)",
                                ((snapshot_id, *counts) for counts in prep.statuses[part]))
                con.executemany("INSERT INTO snapshot_bundles VALUES (?, ?)",
                                ((snapshot_id, name) for name in prep.bundles[part]))
                stored.append(StoredSnapshot(snapshot_id, key[0], key[1], report_date, b - a, old))
            outcome = ImportOutcome(import_id, prep.source_name, report_date, prep.sha256, stored,
                                    (int(same[0]), str(same[1])) if same else None)
            if on_write is not None:
                on_write(con, outcome)
        log.info("imported %s: %d rows in %d snapshots", prep.source_name, len(prep.frame), len(stored))
        return outcome

    def restore(self, snapshot_id: int, *,
                on_write: Callable[[sqlite3.Connection, StoredSnapshot], None] | None = None) -> StoredSnapshot:
        """Make an inactive (replaced) version the active one again; the version it displaces becomes inactive.
        `on_write(con, restored)` runs inside the same write transaction (the audit entry), as for import_result."""
        with self._write() as con:
            # a number beyond SQLite's integers cannot name a snapshot (and could not be bound)
            row = con.execute(
                "SELECT district, batch_year, report_date, rows, active FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone() if 0 < snapshot_id < 2**63 else None
            if row is None:
                raise no_such_snapshot(snapshot_id)
            district, batch, iso, rows, active = row
            if active:
                raise already_current(snapshot_id, district, batch, iso)
            current = con.execute(
                "SELECT id FROM snapshots WHERE active = 1 AND district = ? AND batch_year = ? AND report_date = ?",
                (district, batch, iso),
            ).fetchone()
            displaced = None
            if current:
                displaced = current[0]
                con.execute("UPDATE snapshots SET active = 0, replaced_by = ? WHERE id = ?", (snapshot_id, displaced))
            con.execute("UPDATE snapshots SET active = 1, replaced_by = NULL WHERE id = ?", (snapshot_id,))
            restored = StoredSnapshot(snapshot_id, district, int(batch), date.fromisoformat(iso), int(rows), displaced)
            if on_write is not None:
                on_write(con, restored)
        return restored

    # -- reading
    def snapshots(self, include_inactive: bool = False) -> pd.DataFrame:
        """snapshot_id, district, batch_year, report_date, rows, source_name, imported_at, active,
        import_id, replaced_by — ordered by report date, district, batch year."""
        where = "" if include_inactive else "WHERE s.active = 1"
        with self._read() as con:
            rows = con.execute(
                f"""SELECT s.id, s.district, s.batch_year, s.report_date, s.rows, i.source_name, s.imported_at,
                           s.active, s.import_id, s.replaced_by
                    FROM snapshots s JOIN imports i ON i.id = s.import_id {where}
                    ORDER BY s.report_date, s.district, s.batch_year, s.id"""
            ).fetchall()
        return snapshots_frame(rows)

    def report_dates(self, batch_years=None) -> list[date]:
        """Distinct report dates of the active snapshots, ascending."""
        params: list = []
        where = _in_clause("batch_year", _years(batch_years), params)
        with self._read() as con:
            rows = con.execute(
                f"SELECT DISTINCT report_date FROM snapshots WHERE active = 1{where} ORDER BY report_date", params
            ).fetchall()
        return [date.fromisoformat(r[0]) for r in rows]

    def _selected_snapshots_sql(self, as_of, batch_years, districts) -> tuple[str, list]:
        """SQL selecting, per (district, batch_year), the latest active snapshot on or before as_of."""
        params: list = []
        where = "active = 1"
        if as_of is not None:
            where += " AND report_date <= ?"
            params.append(_to_date(as_of).isoformat())
        where += _in_clause("batch_year", _years(batch_years), params)
        where += _in_clause("district", _names(districts), params)
        # SQLite: with a single MAX() aggregate, the bare columns come from the row holding the maximum.
        sql = (f"SELECT id, district, batch_year, MAX(report_date) AS report_date, rows FROM snapshots "
               f"WHERE {where} GROUP BY district, batch_year")
        return sql, params

    def selected_snapshots(self, as_of=None, batch_years=None, districts=None) -> pd.DataFrame:
        """The snapshots ledger_as_of would use: snapshot_id, district, batch_year, report_date (date)."""
        sql, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        with self._read() as con:
            rows = _in_official_order(con.execute(sql, params).fetchall())
        return selected_frame(rows)

    def ledger_as_of(self, as_of=None, batch_years=None, districts=None, *, columns: Iterable[str] | None = None
                     ) -> pd.DataFrame:
        """Canonical rows plus report_date (the snapshot's date, datetime64): for each (district, batch_year)
        its latest active snapshot on or before as_of (None = latest). Rows come in official district order, batch
        year, then as in the file. `columns` limits the canonical columns read (a summary needs only a few)."""
        _, per_row = ledger_columns(columns)
        sel, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        query = f"SELECT {', '.join(per_row)} FROM communities WHERE snapshot_id = ? ORDER BY rowid"
        frame = None
        with self._read() as con, _no_gc():
            picked = _in_official_order(con.execute(sel, params).fetchall())
            if per_row:
                parts = []
                for snapshot_id, *_ in picked:
                    # as bytes whatever an edit of the file put there (text that is not UTF-8 would stop the read)
                    stored = con.execute("SELECT CAST(frame AS BLOB) FROM snapshot_frames WHERE snapshot_id = ?",
                                         (snapshot_id,)).fetchone()
                    # the rows: an index range, already in file order
                    parts.append(stored[0] if stored else con.execute(query, (snapshot_id,)).fetchall())
                frame = per_row_frame(parts, picked, per_row)
        return ledger_frame(frame, picked, columns)

    def snapshot_aggregates(self, as_of=None, batch_years=None, districts=None) -> SnapshotAggregates | None:
        """The aggregates kept with the snapshots ledger_as_of(as_of, batch_years, districts) would read (no
        community row is read; metrics.summary.summary_as_of makes the figures). None when this store has none
        (read-only and made before them)."""
        if not self._aggregates:
            return None
        sel, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        with self._read() as con:
            con.execute("CREATE TEMP TABLE picked AS SELECT id FROM (" + sel + ")", params)
            picked = con.execute(_TOTALS_OF_PICKED.format(picked="picked")).fetchall()
            statuses = con.execute(
                "SELECT node_reached, status, SUM(communities) FROM snapshot_statuses "
                "WHERE snapshot_id IN (SELECT id FROM picked) GROUP BY 1, 2").fetchall()
            bundles = con.execute("SELECT COUNT(DISTINCT bundle) FROM snapshot_bundles "
                                  "WHERE snapshot_id IN (SELECT id FROM picked)").fetchone()[0]
        return SnapshotAggregates(picked, statuses, bundles)

    def snapshot_totals(self, as_of=None, batch_years=None, districts=None) -> list[tuple] | None:
        """snapshot_aggregates(…).picked alone: the totals kept with each selected snapshot, all a headline or a
        ranking needs. Counting the distinct bundles is most of snapshot_aggregates' time (0.04 of 0.05 s for
        280,000 communities, and the overview asks for six as-of states). None when this store has none."""
        if not self._aggregates:
            return None
        sel, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        with self._read() as con:
            return con.execute(_TOTALS_OF_PICKED.format(picked=f"({sel})"), params).fetchall()

    def totals_by_date(self, batch_years=None, districts=None) -> pd.DataFrame:
        """For every date D of report_dates(batch_years): the as-of-D totals per (district, batch_year).

        Columns: report_date, district, batch_year, communities, started, completed, households,
        started_households, planned_investment_wan, completed_investment_wan, elevators_planned,
        snapshot_date (the date of the snapshot carried forward). Dates are datetime64. Reads only the
        per-snapshot totals, never community rows."""
        params: list = []
        where = _in_clause("s.batch_year", _years(batch_years), params)
        where += _in_clause("s.district", _names(districts), params)
        with self._read() as con:
            snaps = con.execute(
                f"""SELECT s.district, s.batch_year, s.report_date, {', '.join('t.' + c for c in TOTAL_COLUMNS)}
                    FROM snapshots s JOIN snapshot_totals t ON t.snapshot_id = s.id
                    WHERE s.active = 1{where}""",
                params,
            ).fetchall()
        return totals_frame(snaps, self.report_dates(batch_years))

    def community_history(self, community_id: str) -> pd.DataFrame:
        """The community's row in every active snapshot holding it, by report date: canonical columns,
        report_date (datetime64) and snapshot_id."""
        sql = (f"SELECT {', '.join('c.' + c for c in COMMUNITY_COLUMNS)}, s.report_date, s.id "
               f"FROM communities c JOIN snapshots s ON s.id = c.snapshot_id "
               f"WHERE c.community_id = ? AND s.active = 1 ORDER BY s.report_date, s.id")
        with self._read() as con:
            rows = con.execute(sql, (str(community_id),)).fetchall()
        return history_frame(rows)
