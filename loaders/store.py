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
"""
from __future__ import annotations

import gc
import hashlib
import logging
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from loaders import schema
from loaders.report import LedgerResult

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 30_000

DATE_COLUMNS = [c for c, t in schema.COLUMNS.items() if t.startswith("datetime64")]
# Columns of the communities table, in order (after snapshot_id).
COMMUNITY_COLUMNS = list(schema.COLUMNS)

TOTAL_COLUMNS = [
    "communities",
    "started",
    "completed",
    "households",
    "started_households",
    "planned_investment_wan",
    "completed_investment_wan",
    "elevators_planned",
]


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


class StoreError(Exception):
    """A store operation was refused; str(exc) is one Chinese sentence for the user."""


class StoreUnavailable(StoreError):
    """The database file cannot be opened or is not a store."""


class StoreDamaged(StoreUnavailable):
    """The file is a store but SQLite finds damaged pages in it: nothing is read from or written to it."""


def damaged_message(path: Path) -> str:
    """What a damaged store means and how to get the data back (the same words in the CLI and the dashboard)."""
    return (f"数据库文件 {path} 已损坏（完整性检查未通过），为免读出错误数据或把损坏扩大，已停止使用该文件。"
            "恢复方法：停止看板和正在进行的导入，用最近一次备份的数据库文件（.sqlite 副本）替换该文件后重新打开；"
            "没有备份时，可把各期原始台账按截至日期先后重新导入一个新的数据库（命令行 --db 或环境变量 LEDGER_DB 指定新文件）。"
            "损坏的文件请保留，交系统管理员检查磁盘。")


class ImportRefused(StoreError):
    """The result cannot be stored (it has errors, no report date, no rows, …). Nothing was written."""


class DuplicateSnapshot(StoreError):
    """A (district, batch_year, report_date) is already stored and replace was not asked for."""

    def __init__(self, message: str, keys: list[tuple[str, int, date]]):
        super().__init__(message)
        self.keys = keys


@dataclass(frozen=True)
class StoredSnapshot:
    snapshot_id: int
    district: str
    batch_year: int
    report_date: date
    rows: int
    replaced_snapshot_id: int | None = None

    def describe(self) -> str:
        text = f"{self.district} {self.batch_year}年度 截至{self.report_date.isoformat()}：{self.rows}个小区"
        if self.replaced_snapshot_id is not None:
            text += f"（替换了原版本#{self.replaced_snapshot_id}，原版本保留可恢复）"
        return text


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    source_name: str
    report_date: date
    sha256: str
    snapshots: list[StoredSnapshot] = field(default_factory=list)
    same_content_as: tuple[int, str] | None = None   # (import id, source name) of an earlier identical import

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.snapshots)

    @property
    def replaced(self) -> list[int]:
        return [s.replaced_snapshot_id for s in self.snapshots if s.replaced_snapshot_id is not None]


# ---------------------------------------------------------------------------------------------- conversions
def _to_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise StoreError(f"日期「{value}」无法识别，应为 YYYY-MM-DD 格式") from exc
    raise StoreError(f"日期「{value}」无法识别，应为 YYYY-MM-DD 格式")


def _years(batch_years) -> list[int] | None:
    if batch_years is None:
        return None
    if isinstance(batch_years, (int, np.integer)):
        return [int(batch_years)]
    if isinstance(batch_years, range):
        return list(batch_years)
    return sorted({int(y) for y in batch_years})


def _names(districts) -> list[str] | None:
    if districts is None:
        return None
    if isinstance(districts, str):
        return [districts]
    return list(districts)


def _in_clause(column: str, values: list | None, params: list) -> str:
    if values is None:
        return ""
    if not values:
        return " AND 0"
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' * len(values))})"


_EPOCH = np.datetime64("1970-01-01", "D")


def _column_values(series: pd.Series, dtype: str) -> list:
    """One canonical column as Python values for sqlite3 (None for missing)."""
    if dtype.startswith("datetime64"):
        values = series.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(values)
        days = values.astype("datetime64[D]").astype(np.int64)
        out = days.tolist()
        if missing.any():
            for i in np.flatnonzero(missing):
                out[i] = None
        return out
    if dtype == "float64":
        values = series.to_numpy(dtype="float64")
        out = values.tolist()
        missing = np.isnan(values)
        if missing.any():
            for i in np.flatnonzero(missing):
                out[i] = None
        return out
    if dtype == "int64":
        return series.to_numpy(dtype="int64").tolist()
    # Int64 and string: pandas' NA -> None
    return series.astype(object).where(series.notna(), None).tolist()


def _typed(values: tuple | list, dtype: str | None):
    """One column of sqlite values (None = missing) as a canonical pandas array, without per-value pandas work."""
    n = len(values)
    if dtype is None:
        return np.asarray(values, dtype=object) if n else np.array([], dtype=object)
    if dtype.startswith("datetime64") or dtype == "Int64":
        floats = np.array(values, dtype="float64") if n else np.array([], dtype="float64")  # None -> nan
        missing = np.isnan(floats)
        ints = np.where(missing, 0, floats).astype(np.int64)
        if dtype == "Int64":
            return pd.arrays.IntegerArray(ints, missing)
        out = (_EPOCH + ints).astype("datetime64[ns]")
        out[missing] = np.datetime64("NaT")
        return out
    if dtype == "float64":
        return np.array(values, dtype="float64") if n else np.array([], dtype="float64")
    if dtype == "int64":
        floats = np.array(values, dtype="float64") if n else np.array([], dtype="float64")
        return np.where(np.isnan(floats), 0, floats).astype(np.int64)
    return pd.array(list(values), dtype=dtype)


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while building many row tuples: they hold no cycles, and otherwise
    the collector runs again and again over them (half the time of a 220,000-row read)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _frame_from_rows(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows read from the communities table back into canonical dtypes (columns outside the schema stay as is)."""
    transposed = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({col: _typed(values, schema.COLUMNS.get(col)) for col, values in zip(columns, transposed)})


def canonical_sha256(frame: pd.DataFrame) -> str:
    """Content hash of a canonical frame (row order matters, index does not)."""
    canon = schema.conform(frame.reset_index(drop=True))
    hashed = pd.util.hash_pandas_object(canon, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update("|".join(canon.columns).encode())
    return digest.hexdigest()


def _total_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-row numbers behind the snapshot totals (missing counts and amounts count as 0)."""
    node = frame["node_reached"].to_numpy(dtype="int64")
    started = node >= schema.STARTED_NODE
    households = frame["households"].astype("Int64").fillna(0).to_numpy(dtype="int64")
    return {
        "communities": np.ones(len(frame), dtype=np.int64),
        "started": started.astype(np.int64),
        "completed": (node >= schema.COMPLETED_NODE).astype(np.int64),
        "households": households,
        "started_households": np.where(started, households, 0),
        "planned_investment_wan": frame["planned_investment_wan"].astype("float64").fillna(0).to_numpy(),
        "completed_investment_wan": frame["completed_investment_wan"].astype("float64").fillna(0).to_numpy(),
        "elevators_planned": frame["elevators_planned"].astype("Int64").fillna(0).to_numpy(dtype="int64"),
    }


def _totals(arrays: dict[str, np.ndarray], start: int, stop: int) -> dict:
    """The totals of rows start..stop (one snapshot)."""
    return {c: (float if c.endswith("_wan") else int)(arrays[c][start:stop].sum()) for c in TOTAL_COLUMNS}


def snapshot_totals(frame: pd.DataFrame) -> dict:
    """The aggregates kept per snapshot (same meaning as the trend columns of totals_by_date)."""
    return _totals(_total_arrays(schema.conform(frame)), 0, len(frame))


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------------- store
def _in_official_order(snapshot_rows: list[tuple]) -> list[tuple]:
    """(id, district, batch_year, …) rows in the configured district order (the order of the administrative
    codes, as bulletins list districts), then batch year; districts not in the configuration go last."""
    from loaders.config import district_names

    order = {name: i for i, name in enumerate(district_names())}
    return sorted(snapshot_rows, key=lambda r: (order.get(r[1], len(order)), r[1], r[2]))


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


def _check_integrity(con: sqlite3.Connection, path: Path) -> None:
    """PRAGMA quick_check: damaged pages in the middle of a file read as normal data otherwise (a query only
    fails when it happens to touch one). Linear in the file size, about 0.1 s for the 20 MB sample store."""
    try:
        problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CORRUPT"):
            raise StoreDamaged(damaged_message(path)) from exc
        raise
    if problems != ["ok"]:
        log.error("store %s failed quick_check: %s", path, "; ".join(problems))
        raise StoreDamaged(damaged_message(path))


def _is_store(con: sqlite3.Connection) -> bool:
    try:
        return con.execute("SELECT 1 FROM meta WHERE key = 'schema'").fetchone() is not None
    except sqlite3.OperationalError as exc:
        if str(exc).startswith("no such"):   # no meta table (or not ours): another program's database
            return False
        raise


# Ways to read a store that cannot be opened for writing, tried in turn: read-only (enough when the WAL's
# -shm file exists or can be created), then immutable (a read-only folder, where -shm cannot be created;
# nobody can write there, so the file cannot change under the reader).
_READ_ONLY_OPENS = ("mode=ro", "mode=ro&immutable=1")


class LedgerStore:
    """The snapshot history in one SQLite file. Safe to share between threads: each call opens its own
    connection (cheap for SQLite), so a Streamlit `cache_resource` handle works across reruns and sessions."""

    def __init__(self, path: str | Path):
        # Opening never builds or seeds anything: a store a user names starts empty (loaders.sample seeds the
        # demo store only, by an explicit call).
        self.path = Path(path)
        self._read_open: str | None = None   # URI parameters for reading when the file cannot be written
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
        with self._sqlite_errors():
            con = self._connect(self._read_open)
            try:
                con.execute("BEGIN")
                yield con
                con.execute("COMMIT")
            finally:
                con.close()

    @contextmanager
    def _write(self, *, bump: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or nothing. `bump`: it changes what ledger queries return."""
        if self._read_open is not None:   # opening it for writing failed already (a read-only folder or disk)
            raise _read_only(self.path)
        with self._sqlite_errors():
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    _check_integrity(con, self.path)   # under the write lock: the state about to be changed
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
    def transaction(self, *, write: bool, data_changed: bool = False) -> Iterator[sqlite3.Connection]:
        """A transaction on the store's file for another module's own tables, in plain SQL with ? parameters:
        all of it or nothing. write=False is a read transaction (works on a read-only store). `data_changed`:
        the statements change what ledger queries return (a withdrawal), so version() changes and caches refresh;
        accounts and audit entries leave it unchanged."""
        if not write:
            with self._read() as con:
                yield con
            return
        with self._write(bump=data_changed) as con:
            yield con

    def _open(self) -> None:
        """Use the file if it is a store; make it one if it is new or empty (0 bytes). Any other file is
        refused before a byte of it is written, and a store that cannot be written is opened for reading."""
        if self.path.exists() and self.path.stat().st_size > 0:
            con = self._readable()
            try:
                _check_integrity(con, self.path)
                if not _is_store(con):
                    raise StoreUnavailable(
                        f"文件 {self.path} 是其他程序的数据库，不是台账数据库；为免改动其中的数据，未做任何操作。"
                        "请用 --db 指定台账数据库，或指定一个尚不存在的文件以新建数据库。")
                if self._read_open is None and con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    con.execute("PRAGMA journal_mode = WAL")
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
    def import_result(self, result: LedgerResult, replace: bool = False) -> ImportOutcome:
        """Store an accepted ledger as one snapshot per (district, batch_year). All or nothing.

        Raises ImportRefused (errors, no report date, no rows, rows without district or batch year) and
        DuplicateSnapshot (a key already stored and replace=False); in both cases nothing is written.
        """
        if result.errors:
            raise ImportRefused(f"台账「{result.source_name}」有{len(result.errors)}个错误，未导入；请改正后重新导入")
        if result.report_date is None:
            raise ImportRefused(f"台账「{result.source_name}」没有截至日期（报告日期），未导入；请用 --report-date 指定")
        report_date = _to_date(result.report_date)
        frame = schema.conform(result.frame.reset_index(drop=True))
        if frame.empty:
            raise ImportRefused(f"台账「{result.source_name}」没有任何小区，未导入")
        if frame["district"].isna().any():
            raise ImportRefused(f"台账「{result.source_name}」有小区缺少所属区市，未导入")
        if frame["batch_year"].isna().any():
            raise ImportRefused(f"台账「{result.source_name}」有小区缺少改造年度，未导入；请用 --batch-year 指定")
        digest = canonical_sha256(frame)
        iso = report_date.isoformat()
        # one pass over the whole frame: sort by (district, batch_year) keeping file order inside each part,
        # convert every column once, then each snapshot is a slice
        frame = frame.sort_values(["district", "batch_year"], kind="stable").reset_index(drop=True)
        districts = frame["district"].to_numpy(dtype=object)
        batches = frame["batch_year"].to_numpy(dtype="int64")
        cuts = np.flatnonzero((districts[1:] != districts[:-1]) | (batches[1:] != batches[:-1])) + 1
        bounds = list(zip([0, *cuts.tolist()], [*cuts.tolist(), len(frame)]))
        parts = [((str(districts[a]), int(batches[a])), a, b) for a, b in bounds]
        arrays = _total_arrays(frame)
        rows = list(zip(*[_column_values(frame[c], t) for c, t in schema.COLUMNS.items()]))
        stamp = _now()

        with self._write() as con:
            existing = {}
            for key, _, _ in parts:
                row = con.execute(
                    "SELECT id FROM snapshots WHERE active = 1 AND district = ? AND batch_year = ? AND report_date = ?",
                    (*key, iso),
                ).fetchone()
                if row:
                    existing[key] = row[0]
            if existing and not replace:
                keys = [(d, b, report_date) for d, b in existing]
                listed = "、".join(f"{d}{b}年度" for d, b in existing)
                raise DuplicateSnapshot(
                    f"截至{iso}的{listed}台账已经导入过；如确需替换，请加 --replace（原版本会保留，可恢复）", keys
                )
            same = con.execute("SELECT id, source_name FROM imports WHERE sha256 = ? ORDER BY id LIMIT 1",
                               (digest,)).fetchone()
            cur = con.execute(
                "INSERT INTO imports (source_name, sha256, imported_at, report_date, rows, replace) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (result.source_name, digest, stamp, iso, len(frame), int(bool(replace))),
            )
            import_id = cur.lastrowid
            stored = []
            placeholders = ", ".join("?" * (len(COMMUNITY_COLUMNS) + 1))
            insert_sql = f"INSERT INTO communities (snapshot_id, {', '.join(COMMUNITY_COLUMNS)}) VALUES ({placeholders})"
            for key, a, b in parts:
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
                con.executemany(insert_sql, ((snapshot_id, *row) for row in rows[a:b]))
                stored.append(StoredSnapshot(snapshot_id, key[0], key[1], report_date, b - a, old))
        log.info("imported %s: %d rows in %d snapshots", result.source_name, len(frame), len(stored))
        return ImportOutcome(import_id, result.source_name, report_date, digest, stored,
                             (int(same[0]), str(same[1])) if same else None)

    def restore(self, snapshot_id: int) -> StoredSnapshot:
        """Make an inactive (replaced) version the active one again; the version it displaces becomes inactive."""
        with self._write() as con:
            # a number beyond SQLite's integers cannot name a snapshot (and could not be bound)
            row = con.execute(
                "SELECT district, batch_year, report_date, rows, active FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone() if 0 < snapshot_id < 2**63 else None
            if row is None:
                raise StoreError(f"没有编号为{snapshot_id}的快照")
            district, batch, iso, rows, active = row
            if active:
                raise StoreError(f"快照#{snapshot_id}（{district} {batch}年度 截至{iso}）已是当前版本，无需恢复")
            current = con.execute(
                "SELECT id FROM snapshots WHERE active = 1 AND district = ? AND batch_year = ? AND report_date = ?",
                (district, batch, iso),
            ).fetchone()
            displaced = None
            if current:
                displaced = current[0]
                con.execute("UPDATE snapshots SET active = 0, replaced_by = ? WHERE id = ?", (snapshot_id, displaced))
            con.execute("UPDATE snapshots SET active = 1, replaced_by = NULL WHERE id = ?", (snapshot_id,))
        return StoredSnapshot(snapshot_id, district, int(batch), date.fromisoformat(iso), int(rows), displaced)

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
        cols = ["snapshot_id", "district", "batch_year", "report_date", "rows", "source_name", "imported_at",
                "active", "import_id", "replaced_by"]
        df = pd.DataFrame.from_records(rows, columns=cols)
        df["snapshot_id"] = df["snapshot_id"].astype("int64")
        df["district"] = df["district"].astype("string")
        df["batch_year"] = df["batch_year"].astype("int64")
        df["report_date"] = pd.to_datetime(df["report_date"]).dt.date
        df["rows"] = df["rows"].astype("int64")
        df["source_name"] = df["source_name"].astype("string")
        df["active"] = df["active"].astype(bool)
        df["import_id"] = df["import_id"].astype("int64")
        df["replaced_by"] = df["replaced_by"].astype("Int64")
        return df

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
        sql = (f"SELECT id, district, batch_year, MAX(report_date) AS report_date FROM snapshots "
               f"WHERE {where} GROUP BY district, batch_year")
        return sql, params

    def selected_snapshots(self, as_of=None, batch_years=None, districts=None) -> pd.DataFrame:
        """The snapshots ledger_as_of would use: snapshot_id, district, batch_year, report_date (date)."""
        sql, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        with self._read() as con:
            rows = _in_official_order(con.execute(sql, params).fetchall())
        df = pd.DataFrame.from_records(rows, columns=["snapshot_id", "district", "batch_year", "report_date"])
        df["report_date"] = [date.fromisoformat(v) for v in df["report_date"]]
        return df

    def ledger_as_of(self, as_of=None, batch_years=None, districts=None, *, columns: Iterable[str] | None = None
                     ) -> pd.DataFrame:
        """Canonical rows plus report_date (the snapshot's date, datetime64): for each (district, batch_year)
        its latest active snapshot on or before as_of (None = latest). Rows come in official district order, batch
        year, then as in the file. `columns` limits the canonical columns read (a summary needs only a few)."""
        wanted = COMMUNITY_COLUMNS if columns is None else [c for c in COMMUNITY_COLUMNS if c in set(columns)]
        # district and batch_year are the snapshot's own (a file is split by them), so they are not read per row
        per_row = [c for c in wanted if c not in ("district", "batch_year")]
        sel, params = self._selected_snapshots_sql(as_of, batch_years, districts)
        query = f"SELECT {', '.join(per_row) or '1'} FROM communities WHERE snapshot_id = ? ORDER BY rowid"
        rows: list[tuple] = []
        picked: list[tuple] = []
        counts: list[int] = []
        with self._read() as con, _no_gc():
            picked = _in_official_order(con.execute(sel, params).fetchall())
            for snapshot_id, *_ in picked:
                part = con.execute(query, (snapshot_id,)).fetchall()   # index range, already in file order
                rows.extend(part)
                counts.append(len(part))
            frame = (_frame_from_rows(rows, per_row) if per_row
                     else pd.DataFrame(index=pd.RangeIndex(sum(counts))))
        del rows
        if "district" in wanted:
            frame["district"] = pd.array(np.repeat(np.array([p[1] for p in picked], dtype=object), counts),
                                         dtype="string")
        if "batch_year" in wanted:
            frame["batch_year"] = pd.array(np.repeat(np.array([p[2] for p in picked], dtype=np.int64), counts),
                                           dtype="Int64")
        frame = frame[wanted]
        if columns is None:
            frame = schema.conform(frame)
        dates = np.array([np.datetime64(p[3], "D") for p in picked], dtype="datetime64[D]")
        frame["report_date"] = np.repeat(dates, counts).astype("datetime64[ns]")
        return frame

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
        dates = self.report_dates(batch_years)
        cols = ["report_date", "district", "batch_year", *TOTAL_COLUMNS, "snapshot_date"]
        if not snaps or not dates:
            out = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
            out["report_date"] = pd.Series(dtype="datetime64[ns]")
            out["snapshot_date"] = pd.Series(dtype="datetime64[ns]")
            out["district"] = pd.Series(dtype="string")
            for c in ("planned_investment_wan", "completed_investment_wan"):
                out[c] = pd.Series(dtype="float64")
            return out
        s = pd.DataFrame.from_records(snaps, columns=["district", "batch_year", "snapshot_date", *TOTAL_COLUMNS])
        s["snapshot_date"] = pd.to_datetime(s["snapshot_date"], format="%Y-%m-%d")
        keys = s[["district", "batch_year"]].drop_duplicates()
        grid = keys.merge(pd.DataFrame({"report_date": pd.to_datetime(dates)}), how="cross")
        grid = grid.sort_values("report_date", kind="stable")
        s = s.sort_values("snapshot_date", kind="stable")
        merged = pd.merge_asof(grid, s, left_on="report_date", right_on="snapshot_date",
                               by=["district", "batch_year"], direction="backward")
        merged = merged.dropna(subset=["snapshot_date"])
        merged = merged[cols].sort_values(["report_date", "district", "batch_year"], kind="stable")
        for c in TOTAL_COLUMNS:
            merged[c] = merged[c].astype("float64" if c.endswith("_wan") else "int64")
        merged["district"] = merged["district"].astype("string")
        merged["batch_year"] = merged["batch_year"].astype("int64")
        return merged.reset_index(drop=True)

    def community_history(self, community_id: str) -> pd.DataFrame:
        """The community's row in every active snapshot holding it, by report date: canonical columns,
        report_date (datetime64) and snapshot_id."""
        sql = (f"SELECT {', '.join('c.' + c for c in COMMUNITY_COLUMNS)}, s.report_date, s.id "
               f"FROM communities c JOIN snapshots s ON s.id = c.snapshot_id "
               f"WHERE c.community_id = ? AND s.active = 1 ORDER BY s.report_date, s.id")
        with self._read() as con:
            rows = con.execute(sql, (str(community_id),)).fetchall()
        frame = _frame_from_rows(rows, COMMUNITY_COLUMNS + ["report_date", "snapshot_id"])
        report = pd.to_datetime(frame.pop("report_date"), format="%Y-%m-%d") if len(frame) else pd.Series(
            dtype="datetime64[ns]")
        snapshot_ids = frame.pop("snapshot_id").astype("int64")
        frame = schema.conform(frame)
        frame["report_date"] = report.astype("datetime64[ns]").to_numpy()
        frame["snapshot_id"] = snapshot_ids.to_numpy()
        return frame.reset_index(drop=True)
