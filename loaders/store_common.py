"""What the snapshot stores share, whatever the engine: loaders.store (SQLite) and loaders.store_pg (PostgreSQL).

The exceptions and result types, the checks and the split of a LedgerResult into snapshots, the per-snapshot
totals, the conversion of canonical columns to and from database values, and the frames the queries return.
An engine only runs SQL; everything a caller sees is built here, so both engines give the same frames.
`open_store(target)` picks the engine from the target.
"""
from __future__ import annotations

import gc
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders import schema
from loaders.report import LedgerResult

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


class StoreError(Exception):
    """A store operation was refused; str(exc) is one Chinese sentence for the user."""


class StoreUnavailable(StoreError):
    """The database (a SQLite file or a PostgreSQL server) cannot be used, or is not a store."""


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


_EPOCH = np.datetime64("1970-01-01", "D")


def _column_values(series: pd.Series, dtype: str, dates_as_days: bool = True) -> list:
    """One canonical column as Python values for the database driver (None for missing). Dates become integer
    days since 1970-01-01 (SQLite's columns) or datetime.date (PostgreSQL's date columns)."""
    if dtype.startswith("datetime64"):
        values = series.to_numpy(dtype="datetime64[ns]")
        if not dates_as_days:
            return values.astype("datetime64[D]").tolist()   # NaT -> None
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


# The blanks str.strip() takes off a bundle name (as ledger_summary counts bundles), for SQL's TRIM, which needs
# them named: the aggregates of a store made before them are computed in SQL.
BUNDLE_BLANKS = " \t\n\r\f\v\u00a0\u3000"


def _part_aggregates(frame: pd.DataFrame, bounds: list[tuple[int, int]]) -> tuple[list[list[tuple]], list[list[str]]]:
    """Per part (rows a..b of `frame`): its (node_reached, status or None, communities) counts and its distinct
    non-empty bundle names (stripped), the aggregates behind a summary that reads no community row."""
    part = np.repeat(np.arange(len(bounds)), [b - a for a, b in bounds])
    status = frame["status"].astype(object).where(frame["status"].notna(), None)
    counts = (pd.DataFrame({"part": part, "node": frame["node_reached"].to_numpy(dtype="int64"), "status": status})
              .groupby(["part", "node", "status"], dropna=False, sort=True).size())
    statuses: list[list[tuple]] = [[] for _ in bounds]
    for (i, node, text), n in counts.items():
        statuses[i].append((int(node), None if pd.isna(text) else str(text), int(n)))
    names = frame["bundle"].astype("string").str.strip()
    keep = (names.notna() & (names != "")).to_numpy()
    named = pd.DataFrame({"part": part[keep], "bundle": names[keep].astype(object)}).drop_duplicates()
    bundles: list[list[str]] = [[] for _ in bounds]
    for i, name in zip(named["part"].tolist(), named["bundle"].tolist()):
        bundles[i].append(name)
    return statuses, bundles


def snapshot_totals(frame: pd.DataFrame) -> dict:
    """The aggregates kept per snapshot (same meaning as the trend columns of totals_by_date)."""
    return _totals(_total_arrays(schema.conform(frame)), 0, len(frame))


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")



def _in_official_order(snapshot_rows: list[tuple]) -> list[tuple]:
    """(id, district, batch_year, …) rows in the configured district order (the order of the administrative
    codes, as bulletins list districts), then batch year; districts not in the configuration go last."""
    from loaders.config import district_names

    order = {name: i for i, name in enumerate(district_names())}
    return sorted(snapshot_rows, key=lambda r: (order.get(r[1], len(order)), r[1], r[2]))


# ------------------------------------------------------------------------------------------ one import, prepared
@dataclass(frozen=True)
class PreparedImport:
    """An accepted result, checked and split: the part of an import that touches no database."""
    source_name: str
    report_date: date
    frame: pd.DataFrame                              # sorted by (district, batch_year), file order inside each part
    sha256: str
    parts: list[tuple[tuple[str, int], int, int]]    # ((district, batch_year), first row, row after the last)
    arrays: dict[str, np.ndarray]                    # the per-row numbers behind the totals (_total_arrays)
    rows: list[tuple]                                # every canonical column as database values, in frame order
    statuses: list[list[tuple]]                      # per part: (node_reached, status, communities)
    bundles: list[list[str]]                         # per part: its distinct bundle names

    def frames(self) -> list[bytes]:
        """Each part's rows as the columnar frame the store keeps beside them (frame_blobs), in part order."""
        return frame_blobs(self.frame, [(a, b) for _, a, b in self.parts])

    @property
    def iso(self) -> str:
        return self.report_date.isoformat()


def prepare_import(result: LedgerResult, *, dates_as_days: bool = True) -> PreparedImport:
    """Check a result and split it by (district, batch_year). Raises ImportRefused (errors, no report date, no
    rows, rows without district or batch year) before any database is touched."""
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
    # one pass over the whole frame: sort by (district, batch_year) keeping file order inside each part,
    # convert every column once, then each snapshot is a slice
    frame = frame.sort_values(["district", "batch_year"], kind="stable").reset_index(drop=True)
    districts = frame["district"].to_numpy(dtype=object)
    batches = frame["batch_year"].to_numpy(dtype="int64")
    cuts = np.flatnonzero((districts[1:] != districts[:-1]) | (batches[1:] != batches[:-1])) + 1
    bounds = list(zip([0, *cuts.tolist()], [*cuts.tolist(), len(frame)]))
    parts = [((str(districts[a]), int(batches[a])), a, b) for a, b in bounds]
    rows = list(zip(*[_column_values(frame[c], t, dates_as_days) for c, t in schema.COLUMNS.items()]))
    return PreparedImport(result.source_name, report_date, frame, digest, parts, _total_arrays(frame), rows,
                          *_part_aggregates(frame, bounds))


def duplicate_snapshot(keys: Iterable[tuple[str, int]], report_date: date) -> DuplicateSnapshot:
    """The refusal of an import whose (district, batch_year) parts of report_date are stored already."""
    keys = list(keys)
    listed = "、".join(f"{d}{b}年度" for d, b in keys)
    return DuplicateSnapshot(
        f"截至{report_date.isoformat()}的{listed}台账已经导入过；如确需替换，请加 --replace（原版本会保留，可恢复）",
        [(d, b, report_date) for d, b in keys])


def no_such_snapshot(snapshot_id: int) -> StoreError:
    return StoreError(f"没有编号为{snapshot_id}的快照")


def already_current(snapshot_id: int, district: str, batch_year: int, report_date) -> StoreError:
    return StoreError(f"快照#{snapshot_id}（{district} {batch_year}年度 截至{_to_date(report_date).isoformat()}）"
                      "已是当前版本，无需恢复")


# --------------------------------------------------------------------------------------- the aggregate summary
@dataclass(frozen=True)
class SnapshotAggregates:
    """What store.snapshot_aggregates() reads of the selected snapshots, no community row: `picked` (district,
    batch_year, report_date, *TOTAL_COLUMNS) per snapshot, `statuses` their summed (node_reached, status,
    communities), `bundles` their distinct bundles. metrics.summary.summary_of_aggregates makes the figures."""
    picked: list[tuple]
    statuses: list[tuple]
    bundles: int



# ------------------------------------------------------------------------- each snapshot's rows as one frame
# The per-row columns of a snapshot (district and batch year are the snapshot's own) as one Arrow record batch,
# zstd-compressed, written with the snapshot and never changed, as the snapshot itself. ledger_as_of reads these
# instead of the rows: 280,000 communities come back in a fraction of a second, where their rows take seconds of
# per-value work in Python (sqlite3's tuples, then the columns built from them). The rows stay the record:
# community_history, the aggregates and any snapshot stored before these frames are read from them.
# A frame is its uncompressed size (8 bytes, little-endian) and the compressed batch; the schema is FRAME_SCHEMA,
# not stored (it would be most of a small district's frame).
FRAME_COLUMNS = [c for c in COMMUNITY_COLUMNS if c not in ("district", "batch_year")]
_ARROW_TYPES = {"string": pa.large_string(), "float64": pa.float64(), "Int64": pa.int64(), "int64": pa.int64()}
FRAME_SCHEMA = pa.schema([(c, _ARROW_TYPES.get(schema.COLUMNS[c], pa.timestamp("ns"))) for c in FRAME_COLUMNS])
_FRAME_CODEC = "zstd"


class FrameUnreadable(StoreUnavailable):
    """A snapshot's stored frame cannot be read back as written: the store is damaged."""


def frame_blobs(frame: pd.DataFrame, parts: Iterable[tuple[int, int]]) -> list[bytes]:
    """The frame kept beside each part's rows: `frame` is canonical, `parts` (first row, row after the last)."""
    table = pa.Table.from_pandas(frame[FRAME_COLUMNS], schema=FRAME_SCHEMA, preserve_index=False).combine_chunks()
    codec = pa.Codec(_FRAME_CODEC)
    blobs = []
    for a, b in parts:
        raw = table.slice(a, b - a).to_batches()[0].serialize()
        blobs.append(raw.size.to_bytes(8, "little") + codec.compress(raw, asbytes=True))
    return blobs


def _blob_table(blob: bytes, snapshot: tuple, per_row: list[str]) -> pa.Table:
    snapshot_id, rows = snapshot[0], int(snapshot[4])
    try:
        raw = pa.Codec(_FRAME_CODEC).decompress(blob[8:], int.from_bytes(blob[:8], "little"))
        batch = pa.ipc.read_record_batch(raw, FRAME_SCHEMA)
        batch.validate(full=True)
        if batch.num_rows != rows:    # another snapshot's frame, say: never shown as this one's rows
            raise pa.ArrowInvalid(f"{batch.num_rows} rows, the snapshot has {rows}")
    except (pa.ArrowException, OSError) as exc:
        raise FrameUnreadable(f"快照#{snapshot_id}保存的数据无法读出（{type(exc).__name__}），数据库可能已损坏；"
                              "请用最近一次备份的数据库文件替换后重新打开。") from exc
    return pa.Table.from_batches([batch]).select(per_row)


def _frame_schema(per_row: list[str]) -> pa.Schema:
    return pa.schema([FRAME_SCHEMA.field(c) for c in per_row])


def per_row_frame(parts: list[bytes | list[tuple]], picked: list[tuple], per_row: list[str]) -> pd.DataFrame:
    """The columns `per_row` of the picked snapshots (id, district, batch_year, report_date, rows), one after
    another: `parts[i]` is snapshot i's stored frame (bytes) or, for a snapshot stored before those frames, its
    rows as read (a list)."""
    if all(isinstance(p, list) for p in parts):
        return _frame_from_rows([row for p in parts for row in p], per_row)

    def table(part, snapshot):
        if not isinstance(part, list):
            return _blob_table(part, snapshot, per_row)
        return pa.Table.from_pandas(_frame_from_rows(part, per_row), schema=_frame_schema(per_row), preserve_index=False)

    # decompressing is most of the time, and zstd lets go of the GIL: one thread per core (the national bench's 217
    # frames, warm: 0.18 → 0.07 s on two cores)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        tables = list(pool.map(table, parts, picked))
    # one chunk per column: pandas combines a text column's chunks again whenever it is pickled (st.cache_data
    # does on every store) and every filter of it works chunk by chunk
    frame = pa.concat_tables(tables).combine_chunks().to_pandas(
        types_mapper={pa.large_string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype()}.get)
    for col in per_row:
        if schema.COLUMNS[col] == "int64":    # Arrow's int64 came back as Int64, the canonical int64 has no gaps
            frame[col] = frame[col].astype("int64")
    return frame


# ------------------------------------------------------------------------------------------ frames of the queries
SNAPSHOT_COLUMNS = ["snapshot_id", "district", "batch_year", "report_date", "rows", "source_name", "imported_at",
                    "active", "import_id", "replaced_by"]


def snapshots_frame(rows: list[tuple]) -> pd.DataFrame:
    """store.snapshots(): rows in SNAPSHOT_COLUMNS order, report_date as ISO text or date."""
    df = pd.DataFrame.from_records(rows, columns=SNAPSHOT_COLUMNS)
    df["snapshot_id"] = df["snapshot_id"].astype("int64")
    df["district"] = df["district"].astype("string")
    df["batch_year"] = df["batch_year"].astype("int64")
    df["report_date"] = [_to_date(v) for v in df["report_date"]]
    df["rows"] = df["rows"].astype("int64")
    df["source_name"] = df["source_name"].astype("string")
    df["active"] = df["active"].astype(bool)
    df["import_id"] = df["import_id"].astype("int64")
    df["replaced_by"] = df["replaced_by"].astype("Int64")
    return df


def selected_frame(picked: list[tuple]) -> pd.DataFrame:
    """store.selected_snapshots(): (snapshot_id, district, batch_year, report_date, …) rows, official order."""
    df = pd.DataFrame.from_records([p[:4] for p in picked],
                                   columns=["snapshot_id", "district", "batch_year", "report_date"])
    df["report_date"] = [_to_date(v) for v in df["report_date"]]
    return df


def ledger_columns(columns: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """The canonical columns ledger_as_of returns, and those of them read per row (district and batch_year are
    the snapshot's own, as a file is split by them)."""
    wanted = COMMUNITY_COLUMNS if columns is None else [c for c in COMMUNITY_COLUMNS if c in set(columns)]
    return wanted, [c for c in wanted if c not in ("district", "batch_year")]


def ledger_frame(per_row: pd.DataFrame | None, picked: list[tuple], columns: Iterable[str] | None) -> pd.DataFrame:
    """store.ledger_as_of(): the per-row columns of the picked snapshots (per_row_frame; None when none is
    wanted), in picked order, plus the snapshot's district, batch_year and report_date. `picked`: (id, district,
    batch_year, report_date, rows) per snapshot."""
    wanted, _ = ledger_columns(columns)
    counts = [int(p[4]) for p in picked]
    frame = per_row if per_row is not None else pd.DataFrame(index=pd.RangeIndex(sum(counts)))
    if "district" in wanted:
        frame["district"] = pd.array(np.repeat(np.array([p[1] for p in picked], dtype=object), counts),
                                     dtype="string")
    if "batch_year" in wanted:
        frame["batch_year"] = pd.array(np.repeat(np.array([p[2] for p in picked], dtype=np.int64), counts),
                                       dtype="Int64")
    # conform makes a new frame; a few columns are copied so that report_date is not set on a slice
    frame = schema.conform(frame) if columns is None else frame[wanted].copy()
    dates = np.array([np.datetime64(_to_date(p[3]), "D") for p in picked], dtype="datetime64[D]")
    frame["report_date"] = np.repeat(dates, counts).astype("datetime64[ns]")
    return frame


TOTALS_BY_DATE_COLUMNS = ["report_date", "district", "batch_year", *TOTAL_COLUMNS, "snapshot_date"]


def totals_frame(snaps: list[tuple], dates: list[date]) -> pd.DataFrame:
    """store.totals_by_date(): `snaps` are (district, batch_year, report_date, *TOTAL_COLUMNS) of the active
    snapshots, `dates` the report dates; each snapshot is carried forward to the dates after it."""
    cols = TOTALS_BY_DATE_COLUMNS
    if not snaps or not dates:
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
        out["report_date"] = pd.Series(dtype="datetime64[ns]")
        out["snapshot_date"] = pd.Series(dtype="datetime64[ns]")
        out["district"] = pd.Series(dtype="string")
        for c in ("planned_investment_wan", "completed_investment_wan"):
            out[c] = pd.Series(dtype="float64")
        return out
    s = pd.DataFrame.from_records(snaps, columns=["district", "batch_year", "snapshot_date", *TOTAL_COLUMNS])
    s["snapshot_date"] = pd.to_datetime([_to_date(v) for v in s["snapshot_date"]])
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


def history_frame(rows: list[tuple]) -> pd.DataFrame:
    """store.community_history(): rows of COMMUNITY_COLUMNS (dates as integer days), report_date, snapshot_id."""
    frame = _frame_from_rows(rows, COMMUNITY_COLUMNS + ["report_date", "snapshot_id"])
    report = (pd.to_datetime([_to_date(v) for v in frame.pop("report_date")]) if len(frame)
              else pd.Series(dtype="datetime64[ns]"))
    snapshot_ids = frame.pop("snapshot_id").astype("int64")
    frame = schema.conform(frame)
    frame["report_date"] = np.asarray(report, dtype="datetime64[ns]")
    frame["snapshot_id"] = snapshot_ids.to_numpy()
    return frame.reset_index(drop=True)
