"""The snapshot store on tiny in-memory canonical frames (no reader involved). The `store` fixture runs every
test of the contract against both engines: LedgerStore (SQLite) and PgLedgerStore (PostgreSQL, a throw-away
server started by tests/pg_fixtures.py); tests of SQLite files are marked sqlite only."""
from __future__ import annotations

import sqlite3
import sys
import threading
from datetime import date

import pandas as pd
import pytest

from loaders import schema
from loaders.report import Issue, LedgerResult
from loaders.store import (DuplicateSnapshot, ImportRefused, LedgerStore, StoreError, StoreUnavailable,
                           damaged_message)
from metrics.summary import summary_as_of
from pg_fixtures import stored_state

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


def community(cid, district="市北区", batch=2022, households=100, planned=500.0, completed=0.0, node=0,
              bundle=None, elevators=None, **extra):
    return dict(community_id=cid, name=f"小区{cid}", district=district, batch_year=batch, households=households,
                planned_investment_wan=planned, completed_investment_wan=completed, node_reached=node,
                status=schema.node_status(node), bundle=bundle, elevators_planned=elevators, **extra)


def ledger(report_date, *rows, source="台账.xlsx", errors=()):
    frame = schema.conform(pd.DataFrame(list(rows)))
    return LedgerResult(frame=frame, report_date=report_date, source_name=source, errors=list(errors))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("pg_store")
    return LedgerStore(tmp_path / "ledger.sqlite")


def week1():
    return ledger(date(2022, 3, 4),
                  community("SB1", node=2, completed=0.0),
                  community("SB2", node=6, completed=50.0, households=80),
                  community("SN1", district="市南区", node=1),
                  community("SB9", batch=2021, node=7, completed=300.0, planned=300.0))


def week2():
    return ledger(date(2022, 3, 11),
                  community("SB1", node=6, completed=20.0),
                  community("SB2", node=7, completed=400.0, households=80),
                  community("SN1", district="市南区", node=2))


def test_import_splits_by_district_and_batch(store):
    outcome = store.import_result(week1())
    keys = sorted((s.district, s.batch_year, s.rows) for s in outcome.snapshots)
    assert keys == [("市北区", 2021, 1), ("市北区", 2022, 2), ("市南区", 2022, 1)]
    assert outcome.rows == 4
    assert len(outcome.sha256) == 64
    snaps = store.snapshots()
    assert len(snaps) == 3
    assert set(snaps["report_date"]) == {date(2022, 3, 4)}
    assert set(snaps["source_name"]) == {"台账.xlsx"}


def test_ledger_as_of_round_trips_canonical_dtypes(store):
    start = pd.Timestamp("2022-03-01")
    result = ledger(date(2022, 3, 4), community("SB1", node=6, actual_start=start, lon=120.38, lat=36.07,
                                                street="台东街道", source_row=5, elevators=2),
                    community("SB2"))
    store.import_result(result)
    got = store.ledger_as_of()
    assert list(got.columns) == list(schema.COLUMNS) + ["report_date"]
    for col, dtype in schema.COLUMNS.items():
        assert str(got[col].dtype) == str(pd.Series(dtype=dtype).dtype), col
    row = got.set_index("community_id").loc["SB1"]
    assert row["actual_start"] == start
    assert row["street"] == "台东街道"
    assert row["source_row"] == 5
    assert row["elevators_planned"] == 2
    assert row["lon"] == pytest.approx(120.38)
    assert row["report_date"] == pd.Timestamp("2022-03-04")
    other = got.set_index("community_id").loc["SB2"]
    assert pd.isna(other["actual_start"]) and pd.isna(other["street"]) and pd.isna(other["elevators_planned"])


def test_history_is_never_lost(store):
    store.import_result(week1())
    store.import_result(week2())
    old = store.ledger_as_of(date(2022, 3, 4), batch_years=2022).set_index("community_id")
    assert old.loc["SB1", "node_reached"] == 2
    assert old.loc["SB2", "completed_investment_wan"] == 50.0
    new = store.ledger_as_of(batch_years=[2022]).set_index("community_id")
    assert new.loc["SB1", "node_reached"] == 6
    assert new.loc["SB2", "completed_investment_wan"] == 400.0
    assert store.report_dates() == [date(2022, 3, 4), date(2022, 3, 11)]
    # a late-arriving older ledger (backfill) does not touch the newer snapshots
    store.import_result(ledger(date(2022, 2, 25), community("SB1", node=1)))
    assert store.ledger_as_of(batch_years=2022).set_index("community_id").loc["SB1", "node_reached"] == 6
    assert store.ledger_as_of(date(2022, 2, 28)).set_index("community_id").loc["SB1", "node_reached"] == 1


def test_as_of_picks_latest_snapshot_per_district_and_batch(store):
    store.import_result(week1())
    # only 市北区 2022 reports on the 11th
    store.import_result(ledger(date(2022, 3, 11), community("SB1", node=6), community("SB2", node=7)))
    got = store.ledger_as_of(date(2022, 3, 20))
    by_id = got.set_index("community_id")
    assert by_id.loc["SB1", "report_date"] == pd.Timestamp("2022-03-11")
    assert by_id.loc["SN1", "report_date"] == pd.Timestamp("2022-03-04")   # carried forward
    assert by_id.loc["SB9", "report_date"] == pd.Timestamp("2022-03-04")   # the 2021 batch too
    assert len(got) == 4
    assert len(store.ledger_as_of(date(2022, 3, 20), districts="市南区")) == 1
    assert store.ledger_as_of(date(2022, 3, 1)).empty                       # before any snapshot
    assert list(store.ledger_as_of(batch_years=2021)["community_id"]) == ["SB9"]
    sel = store.selected_snapshots(date(2022, 3, 20), batch_years=2022)
    assert dict(zip(sel["district"], sel["report_date"])) == {"市北区": date(2022, 3, 11), "市南区": date(2022, 3, 4)}


def test_ledger_as_of_columns_subset(store):
    store.import_result(week1())
    got = store.ledger_as_of(columns=["district", "node_reached", "households"])
    assert list(got.columns) == ["district", "households", "node_reached", "report_date"]
    assert got["households"].sum() == 380


def test_result_with_errors_changes_nothing(store):
    store.import_result(week1())
    before = stored_state(store)
    version = store.version()
    bad = ledger(date(2022, 3, 11), community("SB1", node=6),
                 errors=[Issue("error", "市北区", 5, "户数", "abc", "应为数字")])
    with pytest.raises(ImportRefused, match="错误"):
        store.import_result(bad)
    assert stored_state(store) == before
    assert store.version() == version
    assert store.report_dates() == [date(2022, 3, 4)]


def test_result_without_report_date_or_rows_is_refused(store):
    with pytest.raises(ImportRefused, match="截至日期"):
        store.import_result(ledger(None, community("SB1")))
    with pytest.raises(ImportRefused, match="没有任何小区"):
        store.import_result(ledger(date(2022, 3, 4)))
    assert store.snapshots(include_inactive=True).empty


def test_failure_midway_rolls_back(store, monkeypatch):
    store.import_result(week1())
    version = store.version()
    store_module = sys.modules[type(store).__module__]   # the engine's module calls _totals per snapshot
    calls = {"n": 0}
    real = store_module._totals

    def fail_on_second(arrays, start, stop):
        calls["n"] += 1
        if calls["n"] == 2:   # the first snapshot of the import is already written by then
            raise RuntimeError("disk full")
        return real(arrays, start, stop)

    monkeypatch.setattr(store_module, "_totals", fail_on_second)
    with pytest.raises(RuntimeError):
        store.import_result(week2())
    assert store.version() == version
    assert len(store.snapshots(include_inactive=True)) == 3
    assert store.report_dates() == [date(2022, 3, 4)]
    assert calls["n"] == 2


def test_snapshot_totals_of_a_frame():
    frame = schema.conform(pd.DataFrame([community("A", node=6, households=10, elevators=2, completed=5.0),
                                         community("B", node=7, households=None, planned=1.5),
                                         community("C", node=1, households=7)]))
    assert store_module_totals(frame) == {
        "communities": 3, "started": 2, "completed": 1, "households": 17, "started_households": 10,
        "planned_investment_wan": 1001.5, "completed_investment_wan": 5.0, "elevators_planned": 2}


def store_module_totals(frame):
    from loaders.store import snapshot_totals

    return snapshot_totals(frame)


def test_duplicate_without_replace_is_refused(store):
    store.import_result(week1())
    before = stored_state(store)
    with pytest.raises(DuplicateSnapshot, match="--replace") as info:
        store.import_result(ledger(date(2022, 3, 4), community("SB1", node=3), community("XX", district="崂山区")))
    assert info.value.keys == [("市北区", 2022, date(2022, 3, 4))]
    assert stored_state(store) == before
    # nothing of that file was stored, not even the new 崂山区 part
    assert "崂山区" not in set(store.snapshots(include_inactive=True)["district"])


def test_replace_keeps_old_version_recoverable(store):
    store.import_result(week1())
    old_id = int(store.snapshots().query("district == '市北区' and batch_year == 2022")["snapshot_id"].iloc[0])
    fixed = ledger(date(2022, 3, 4), community("SB1", node=3), community("SB2", node=6), community("SB3", node=1),
                   source="台账-更正.xlsx")
    outcome = store.import_result(fixed, replace=True)
    assert outcome.replaced == [old_id]
    new_id = outcome.snapshots[0].snapshot_id
    current = store.ledger_as_of(batch_years=2022, districts="市北区")
    assert sorted(current["community_id"]) == ["SB1", "SB2", "SB3"]
    everything = store.snapshots(include_inactive=True).set_index("snapshot_id")
    assert not everything.loc[old_id, "active"]
    assert everything.loc[old_id, "replaced_by"] == new_id
    assert everything.loc[new_id, "source_name"] == "台账-更正.xlsx"
    assert old_id not in set(store.snapshots()["snapshot_id"])
    # untouched parts of the date stay as they were
    assert len(store.ledger_as_of(districts="市南区")) == 1

    assert outcome.same_content_as is None
    again = store.import_result(fixed, replace=True)             # the very same file once more
    assert again.same_content_as == (outcome.import_id, "台账-更正.xlsx")
    assert store.restore(new_id).replaced_snapshot_id == again.snapshots[0].snapshot_id

    restored = store.restore(old_id)
    assert restored.replaced_snapshot_id == new_id
    current = store.ledger_as_of(batch_years=2022, districts="市北区")
    assert sorted(current["community_id"]) == ["SB1", "SB2"]
    assert current.set_index("community_id").loc["SB1", "node_reached"] == 2
    with pytest.raises(StoreError, match="已是当前版本"):
        store.restore(old_id)
    with pytest.raises(StoreError, match="没有编号"):
        store.restore(9999)


def test_totals_by_date(store):
    store.import_result(week1())
    store.import_result(ledger(date(2022, 3, 11), community("SB1", node=6, completed=20.0),
                               community("SB2", node=7, completed=400.0, households=80)))
    totals = store.totals_by_date(batch_years=2022)
    assert list(totals.columns) == [
        "report_date", "district", "batch_year", "communities", "started", "completed", "households",
        "started_households", "planned_investment_wan", "completed_investment_wan", "elevators_planned",
        "snapshot_date"]
    t = totals.set_index(["report_date", "district"])
    first = t.loc[(pd.Timestamp("2022-03-04"), "市北区")]
    assert (first["communities"], first["started"], first["completed"]) == (2, 1, 0)
    assert first["households"] == 180 and first["started_households"] == 80
    assert first["completed_investment_wan"] == 50.0
    second = t.loc[(pd.Timestamp("2022-03-11"), "市北区")]
    assert (second["started"], second["completed"], second["started_households"]) == (2, 1, 180)
    assert second["completed_investment_wan"] == 420.0
    assert second["snapshot_date"] == pd.Timestamp("2022-03-11")
    carried = t.loc[(pd.Timestamp("2022-03-11"), "市南区")]
    assert carried["snapshot_date"] == pd.Timestamp("2022-03-04") and carried["communities"] == 1
    assert len(totals) == 4
    # same figures as aggregating ledger_as_of
    frame = store.ledger_as_of(date(2022, 3, 11), batch_years=2022)
    assert frame["completed_investment_wan"].sum() == totals[
        totals["report_date"] == pd.Timestamp("2022-03-11")]["completed_investment_wan"].sum()
    assert store.totals_by_date(districts="崂山区").empty


def test_community_history(store):
    store.import_result(week1())
    store.import_result(week2())
    hist = store.community_history("SB1")
    assert list(hist["report_date"]) == [pd.Timestamp("2022-03-04"), pd.Timestamp("2022-03-11")]
    assert list(hist["node_reached"]) == [2, 6]
    assert store.community_history("NOPE").empty


def test_version_changes_on_every_write(store):
    v0 = store.version()
    store.import_result(week1())
    v1 = store.version()
    out = store.import_result(ledger(date(2022, 3, 4), community("SB1", node=3)), replace=True)
    v2 = store.version()
    store.restore(out.replaced[0])
    v3 = store.version()
    assert len({v0, v1, v2, v3}) == 4
    assert store.version() == v3


def test_second_connection_sees_new_import(tmp_path):
    path = tmp_path / "shared.sqlite"
    dashboard = LedgerStore(path)
    cli = LedgerStore(path)
    cli.import_result(week1())
    seen = dashboard.version()
    assert dashboard.report_dates() == [date(2022, 3, 4)]
    # a reader in the middle of a long read does not block the writer, and sees the import afterwards
    con = dashboard._connect()
    con.execute("BEGIN")
    con.execute("SELECT COUNT(*) FROM communities").fetchone()
    done = threading.Event()

    def write():
        cli.import_result(week2())
        done.set()

    t = threading.Thread(target=write)
    t.start()
    t.join(10)
    assert done.is_set()
    assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 3   # its snapshot is stable
    con.execute("COMMIT")
    con.close()
    assert dashboard.version() != seen
    assert dashboard.report_dates() == [date(2022, 3, 4), date(2022, 3, 11)]
    assert store_journal_mode(path) == "wal"


def store_journal_mode(path):
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()


def test_explicit_path_does_not_build_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "should-not-be-used.sqlite"))
    store = LedgerStore(tmp_path / "empty.sqlite")
    assert store.report_dates() == []
    assert not (tmp_path / "should-not-be-used.sqlite").exists()


# ------------------------------------------------------------------------------------- files that are not usable
def _foreign(path):
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE foo (a)")
    con.execute("INSERT INTO foo VALUES (1)")
    con.commit()
    con.close()
    return path


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = _foreign(tmp_path / "other.db")
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable) as got:
        LedgerStore(path)
    assert str(got.value) == (f"文件 {path} 是其他程序的数据库，不是台账数据库；为免改动其中的数据，未做任何操作。"
                              "请用 --db 指定台账数据库，或指定一个尚不存在的文件以新建数据库。")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]   # no -wal / -shm left behind
    assert store_journal_mode(path) == "delete"


def test_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "new.sqlite"
    path.write_bytes(b"")
    store = LedgerStore(path)
    store.import_result(week1())
    assert store.report_dates() == [date(2022, 3, 4)]
    assert store_journal_mode(path) == "wal"


def test_corrupt_store_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "ledger.sqlite"
    LedgerStore(path).import_result(week1())
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)        # every page after the schema page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable) as got:
        LedgerStore(path).snapshots()
    assert str(got.value) == damaged_message(path)
    assert "备份" in str(got.value) and ".sqlite 副本" in str(got.value)


def _write_protected(monkeypatch):
    """Connections that may read but not write, as SQLite gives for a file without write permission
    (chmod cannot make one for root, who runs these tests)."""
    connect = LedgerStore._connect

    def read_only(self, uri_params=None):
        con = connect(self, uri_params)
        con.execute("PRAGMA query_only = ON")
        return con

    monkeypatch.setattr(LedgerStore, "_connect", read_only)


@SQLITE_ONLY
def test_write_to_read_only_store_says_so(store, monkeypatch):
    store.import_result(week1())
    before = store.path.read_bytes()
    _write_protected(monkeypatch)
    reopened = LedgerStore(store.path)
    with pytest.raises(StoreUnavailable) as got:
        reopened.import_result(week2())
    assert str(got.value) == (f"没有写入数据库 {store.path} 的权限（该文件或其所在文件夹是只读的）。"
                              "请让系统管理员开放写权限，或用 --db 指定可以写入的位置。")
    assert reopened.report_dates() == [date(2022, 3, 4)]
    assert store.path.read_bytes() == before


@SQLITE_ONLY
def test_locked_store_says_another_import_runs(store, monkeypatch):
    import loaders.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    other = store._connect()
    other.execute("BEGIN IMMEDIATE")                   # another import holds the write lock
    try:
        with pytest.raises(StoreUnavailable) as got:
            store.import_result(week1())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(got.value) == (f"数据库 {store.path} 正被另一个程序写入（可能另一次导入正在进行），"
                              "等待0.1秒后仍未结束。请稍后重试。")
    assert store.report_dates() == []


@SQLITE_ONLY
def test_store_that_cannot_be_opened_for_writing_is_read(store, monkeypatch):
    """A store in a read-only folder: SQLite cannot create the WAL index there, so even a plain open fails
    (SQLITE_READONLY_DIRECTORY); only an immutable open reads it. Simulated here; the real folder is below."""
    store.import_result(week1())
    expected, version = store.ledger_as_of(), store.version()
    connect = LedgerStore._connect
    opened = []

    def folder_read_only(self, uri_params=None):
        opened.append(uri_params)
        if "immutable=1" not in (uri_params or ""):
            exc = sqlite3.OperationalError("attempt to write a readonly database")
            exc.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
            raise exc
        return connect(self, uri_params)

    monkeypatch.setattr(LedgerStore, "_connect", folder_read_only)
    reader = LedgerStore(store.path)
    assert opened == [None, "mode=ro", "mode=ro&immutable=1"]
    pd.testing.assert_frame_equal(reader.ledger_as_of(), expected)
    assert reader.version() == version
    with pytest.raises(StoreUnavailable, match="^没有写入数据库 .* 的权限"):
        reader.import_result(week2())


def test_store_on_a_read_only_disk_is_read(tmp_path):
    """The real thing: the store's folder mounted read-only (a private mount namespace; skipped where the
    machine does not allow one)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    src, ro = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    ro.mkdir()
    LedgerStore(src / "ledger.sqlite").import_result(week1())
    before = (src / "ledger.sqlite").read_bytes()
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$1"', src, ro],
            capture_output=True).returncode != 0:
        pytest.skip("no private read-only mount on this machine")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c",
         'mount --bind -o ro "$0" "$1" && exec "$2" -m loaders summary --json --db "$1/ledger.sqlite"',
         src, ro, sys.executable], capture_output=True, text=True, cwd=root, timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    got = __import__("json").loads(proc.stdout)
    assert got["report_date"] == "2022-03-04" and got["rows"] == 4
    assert (src / "ledger.sqlite").read_bytes() == before


# ------------------------------------------------------------------------------- summary from the aggregates
def _summary_from_rows(store, as_of=None, batch_years=None, districts=None) -> dict:
    from metrics.progress import totals
    from metrics.summary import ledger_summary

    frame = store.ledger_as_of(as_of, batch_years, districts)
    return {**ledger_summary(frame.drop(columns=["report_date"])), "headline_totals": totals(frame)}


def _summary_from_aggregates(store, *args) -> dict:
    """The summary's figures and the headline's totals (what the overview's cards read) from the aggregates."""
    from metrics.progress import totals_of_sums

    figures = summary_as_of(store, *args)
    figures.pop("by_batch")
    figures.pop("report_date")
    figures["headline_totals"] = totals_of_sums(figures.pop("totals"))
    return figures


def _bundled_history(store):
    """Bundles shared by districts and dates, blank and space-padded names, a community without a status, an
    elevator count: every figure of the summary has something to add up or to count once."""
    store.import_result(ledger(date(2022, 3, 4),
                               community("SB1", node=2, bundle="包1", elevators=2),
                               community("SB2", node=6, completed=50.0, households=80, bundle=" 包1 "),
                               community("SN1", district="市南区", node=1, bundle="包2"),
                               {**community("SN2", district="市南区", node=0, bundle="  "), "status": None},
                               community("SB9", batch=2021, node=7, completed=300.0, planned=300.25, bundle="包9")))
    store.import_result(ledger(date(2022, 3, 11),
                               community("SB1", node=6, completed=20.0, bundle="包1", elevators=3),
                               community("SB2", node=7, completed=400.0, households=80, bundle="包3")))


CASES = [(), (date(2022, 3, 4),), (date(2022, 3, 10),), (None, [2022]), (None, [2021, 2022], ["市北区"]),
         (date(2022, 3, 1),), (None, [2019])]


def test_summary_from_the_aggregates_equals_the_summary_of_the_rows(store):
    _bundled_history(store)
    for case in CASES:
        assert _summary_from_aggregates(store, *case) == _summary_from_rows(store, *case), case
    figures = summary_as_of(store)
    assert figures["report_date"] == date(2022, 3, 11) and figures["bundles"] == 4
    assert figures["by_batch"][2021]["completed_investment_wan"] == 300.0
    assert summary_as_of(store, date(2022, 3, 1))["report_date"] is None


def test_the_aggregates_follow_replace_restore_and_withdraw(store):
    from loaders import writes
    from loaders.accounts import operator

    _bundled_history(store)
    snaps = store.snapshots()
    old = int(snaps[(snaps["district"] == "市北区") & (snaps["batch_year"] == 2022)
                    & (snaps["report_date"] == date(2022, 3, 11))]["snapshot_id"].iloc[0])
    store.import_result(ledger(date(2022, 3, 11), community("SB1", node=8, bundle="包7"), source="更正.xlsx"),
                        replace=True)
    assert _summary_from_aggregates(store) == _summary_from_rows(store)
    assert summary_as_of(store)["by_district"]["市北区"]["communities"] == 2   # SB1 (2022), SB9 (2021)
    store.restore(old)
    assert _summary_from_aggregates(store) == _summary_from_rows(store)
    writes.withdraw_snapshot(store, old, operator(), "test")
    assert _summary_from_aggregates(store) == _summary_from_rows(store)
    assert summary_as_of(store)["by_district"]["市北区"]["started"] == 1 + 1    # back to 2022-03-04: SB2, SB9


@SQLITE_ONLY
def test_a_store_made_before_the_aggregates_gets_them_at_open(store, tmp_path):
    _bundled_history(store)
    expected = [_summary_from_rows(store, *case) for case in CASES]
    con = sqlite3.connect(store.path)
    con.execute("DROP TABLE snapshot_statuses")
    con.execute("DROP TABLE snapshot_bundles")
    con.commit()
    con.close()
    again = LedgerStore(store.path)
    assert [_summary_from_aggregates(again, *case) for case in CASES] == expected


@SQLITE_ONLY
def test_a_read_only_store_made_before_the_aggregates_summarises_its_rows(store, tmp_path, monkeypatch):
    from cli.store import store_summary

    _bundled_history(store)
    expected = store_summary(store)
    con = sqlite3.connect(store.path)
    con.execute("DROP TABLE snapshot_statuses")
    con.execute("DROP TABLE snapshot_bundles")
    con.commit()
    con.close()
    _write_protected(monkeypatch)
    again = LedgerStore(store.path)
    assert summary_as_of(again) is None and again.snapshot_totals() is None
    assert store_summary(again) == expected


def test_a_headline_from_the_kept_sums_equals_the_headline_of_the_rows(store):
    from metrics.headline import headline
    from metrics.summary import totals_of_snapshots

    _bundled_history(store)
    states = [date(2022, 3, 11), date(2022, 3, 4), date(2022, 3, 1)]
    from_rows = headline(*(store.ledger_as_of(d, [2022]) for d in states))
    from_sums = headline(*(summary_as_of(store, d, [2022])["totals"] for d in states))
    assert from_sums == from_rows
    # the dashboard reads the sums alone (store.snapshot_totals): the same headline
    assert headline(*(totals_of_snapshots(store.snapshot_totals(d, [2022])) for d in states)) == from_rows
    assert from_sums.new_started == 1 and from_sums.report_date == pd.Timestamp("2022-03-11")
    assert from_sums.last_year_completed_investment_wan is None


# ------------------------------------------------------------------ each snapshot's columnar frame beside its rows
def _varied_history(store):
    """Values of every family, with gaps: text with markup and newlines, missing numbers and dates."""
    store.import_result(ledger(date(2022, 3, 4),
                               community("F1", node=3, households=None, bundle="包<1>", street="台东\n一路",
                                         plan_start=pd.Timestamp("2022-05-01"), lon=120.38, lat=36.07),
                               community("F2", node=6, elevators=2, planned=None, responsible="**王工**",
                                         actual_start=pd.Timestamp("2022-02-28")),
                               community("F3", district="市南区", node=0, built_year=1988),
                               community("F4", batch=2021, node=8, completed=300.0, source_row=17)))
    store.import_result(week2())


FRAME_CASES = [{}, {"as_of": date(2022, 3, 4)}, {"batch_years": [2021]}, {"districts": ["市南区"]},
               {"as_of": date(2022, 1, 1)}, {"columns": ["node_reached", "households", "name", "district"]},
               {"columns": ["district", "batch_year"]}]


def _drop_frames(store, keep_every_other: bool) -> None:
    with store.transaction(write=True, tables=("snapshot_frames",)) as con:
        ids = [r[0] for r in con.execute("SELECT snapshot_id FROM snapshot_frames ORDER BY 1").fetchall()]
        assert len(ids) == len(store.snapshots())         # one frame per snapshot, written with it
        for snapshot_id in ids[::2] if keep_every_other else ids:
            con.execute("DELETE FROM snapshot_frames WHERE snapshot_id = ?", (snapshot_id,))


@pytest.mark.parametrize("keep_every_other", [False, True], ids=["rows only", "frames and rows"])
def test_the_stored_frames_read_back_as_the_rows(store, keep_every_other):
    _varied_history(store)
    from_frames = [store.ledger_as_of(**case) for case in FRAME_CASES]
    first_week = from_frames[1]
    assert first_week.loc[first_week["community_id"] == "F1", "street"].tolist() == ["台东\n一路"]
    assert first_week["households"].isna().sum() == 1 and str(first_week["households"].dtype) == "Int64"
    _drop_frames(store, keep_every_other)      # a store whose snapshots came before the frames, or some of them
    for case, expected in zip(FRAME_CASES, from_frames):
        pd.testing.assert_frame_equal(store.ledger_as_of(**case), expected)


def test_a_damaged_frame_is_reported_never_read_as_data(store):
    from loaders.store_common import FrameUnreadable

    _varied_history(store)
    with store.transaction(write=True, tables=("snapshot_frames",)) as con:
        snapshot_id = con.execute("SELECT MIN(snapshot_id) FROM snapshot_frames").fetchone()[0]
        frame = con.execute("SELECT frame FROM snapshot_frames WHERE snapshot_id = ?", (snapshot_id,)).fetchone()[0]
        con.execute("UPDATE snapshot_frames SET frame = ? WHERE snapshot_id = ?",
                    (bytes(frame[:8]) + b"\x00" * (len(frame) - 8), snapshot_id))
    with pytest.raises(FrameUnreadable, match=f"快照#{snapshot_id}保存的数据无法读出.*数据库可能已损坏"):
        store.ledger_as_of()


def _drop_frames_table(path) -> None:
    con = sqlite3.connect(path)
    con.execute("DROP TABLE snapshot_frames")
    con.commit()
    con.close()


@SQLITE_ONLY
def test_a_store_made_before_the_frames_reads_its_rows_and_stores_frames_from_then_on(store):
    _varied_history(store)
    expected = store.ledger_as_of()
    _drop_frames_table(store.path)
    again = LedgerStore(store.path)
    pd.testing.assert_frame_equal(again.ledger_as_of(), expected)
    again.import_result(ledger(date(2022, 3, 18), community("SB1", node=7)))
    con = sqlite3.connect(store.path)
    assert con.execute("SELECT COUNT(*) FROM snapshot_frames").fetchone()[0] == 1   # the new snapshot's
    con.close()
    now = again.ledger_as_of()
    assert sorted(zip(now["community_id"], now["node_reached"])) == [("F4", 8), ("SB1", 7), ("SN1", 2)]


@SQLITE_ONLY
def test_a_read_only_store_made_before_the_frames_reads_its_rows(store, monkeypatch):
    _varied_history(store)
    expected = store.ledger_as_of()
    _drop_frames_table(store.path)
    before = store.path.read_bytes()
    # as SQLite opens a file without write permission (chmod cannot make one for root, who runs these tests)
    connect = LedgerStore._connect
    monkeypatch.setattr(LedgerStore, "_connect", lambda self, uri_params=None: connect(self, uri_params or "mode=ro"))
    pd.testing.assert_frame_equal(LedgerStore(store.path).ledger_as_of(), expected)
    assert store.path.read_bytes() == before


def test_another_snapshots_frame_is_refused_never_shown_as_this_ones_rows(store):
    from loaders.store_common import FrameUnreadable

    _varied_history(store)
    sizes = store.snapshots()[["snapshot_id", "rows"]].sort_values("rows")
    small, large = int(sizes["snapshot_id"].iloc[0]), int(sizes["snapshot_id"].iloc[-1])
    assert sizes["rows"].iloc[0] != sizes["rows"].iloc[-1]
    with store.transaction(write=True, tables=("snapshot_frames",)) as con:
        frame = con.execute("SELECT frame FROM snapshot_frames WHERE snapshot_id = ?", (large,)).fetchone()[0]
        con.execute("UPDATE snapshot_frames SET frame = ? WHERE snapshot_id = ?", (bytes(frame), small))
    with pytest.raises(FrameUnreadable, match=f"快照#{small}保存的数据无法读出"):
        store.ledger_as_of(as_of=store.snapshots().set_index("snapshot_id").loc[small, "report_date"])


def test_the_content_hash_is_the_same_whichever_way_text_is_stored():
    # stores made before text moved to pyarrow storage keep their imports' hashes: an identical file imported
    # again is still recognised (ImportOutcome.same_content_as)
    from loaders.store_common import canonical_sha256

    frame = ledger(date(2022, 3, 4), community("SB1", street="台东一路", bundle="包1"),
                   community("SB2", responsible=None)).frame
    with pd.option_context("mode.string_storage", "python"):     # as the product stored text before
        assert schema.conform(frame)["name"].dtype.storage == "python"
        before = canonical_sha256(frame)
    assert schema.conform(frame)["name"].dtype.storage == "pyarrow"
    assert canonical_sha256(frame) == before
