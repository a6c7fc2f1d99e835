"""A store with a few damaged pages in the middle (a failing disk, a torn copy): detected at open and before
every write, refused with a Chinese message that says how to restore it — in the store, `summary`, `import`
and the dashboard. Tests damage a real copy of the sample store (conftest's `damage_pages`)."""
from __future__ import annotations

import hashlib
import sqlite3
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from loaders import schema
from loaders.report import LedgerResult
from loaders.store import LedgerStore, StoreDamaged, damaged_message

ROOT = Path(__file__).resolve().parents[1]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in (path, Path(f"{path}-wal")):
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def _one_community(report_date: date) -> LedgerResult:
    frame = schema.conform(pd.DataFrame([dict(community_id="SB-900", name="新小区", district="市北区", batch_year=2022,
                                              households=50, planned_investment_wan=100.0, node_reached=0,
                                              status=schema.node_status(0))]))
    return LedgerResult(frame, report_date, "市北区.csv")


def _many_communities(n: int = 3000) -> LedgerResult:
    frame = schema.conform(pd.DataFrame([dict(community_id=f"SB-{i:05d}", name=f"小区{i}", district="市北区",
                                              batch_year=2022, households=100, planned_investment_wan=300.0,
                                              node_reached=i % 9, status=schema.node_status(i % 9))
                                         for i in range(n)]))
    return LedgerResult(frame, date(2022, 5, 31), "市北区.xlsx")


def test_a_small_store_with_middle_pages_damaged_is_refused_at_open_and_before_a_write(tmp_path, damage_pages):
    """The fast-loop twin of the sample-store tests below (no sample build needed)."""
    path = tmp_path / "ledger.sqlite"
    store = LedgerStore(path)
    store.import_result(_many_communities())
    store.compact()
    damage_pages(path)
    before = _digest(path)
    with pytest.raises(StoreDamaged):
        store.import_result(_one_community(date(2022, 6, 7)))
    with pytest.raises(StoreDamaged):
        LedgerStore(path)
    assert _digest(path) == before


def test_the_damage_is_one_that_plain_queries_do_not_notice(sample_db_copy, damage_pages):
    """The case of the issue: with a few middle pages overwritten the file still answers ordinary queries."""
    damage_pages(sample_db_copy)
    con = sqlite3.connect(sample_db_copy)
    try:
        assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] > 0
        try:
            verdict = con.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:     # SQLite may also give up on the damaged page itself
            verdict = str(exc)
        assert verdict != "ok"
    finally:
        con.close()


def test_opening_a_damaged_store_is_refused(sample_db_copy, damage_pages):
    damage_pages(sample_db_copy)
    with pytest.raises(StoreDamaged) as got:
        LedgerStore(sample_db_copy)
    assert str(got.value) == damaged_message(sample_db_copy)


def test_a_store_damaged_after_it_was_opened_takes_no_write(sample_db_copy, damage_pages):
    store = LedgerStore(sample_db_copy)        # the dashboard's long-lived handle, opened while the file was sound
    store.compact()
    damage_pages(sample_db_copy)
    before = _digest(sample_db_copy)
    with pytest.raises(StoreDamaged):
        store.import_result(_one_community(date(2022, 6, 7)))
    assert _digest(sample_db_copy) == before


def test_summary_and_import_exit_2_with_the_restore_advice(sample_db_copy, damage_pages, tmp_path, capsys):
    damage_pages(sample_db_copy)
    before = _digest(sample_db_copy)
    assert main(["summary", "--db", str(sample_db_copy)]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", damaged_message(sample_db_copy) + "\n")
    ledger = tmp_path / "市北区.csv"
    ledger.write_text("小区编号,小区名称,所属区市,改造年度,户数,总投资（万元）,累计完成投资（万元）\nSB-900,新小区,市北区,2022,50,100,0\n",
                      encoding="utf-8")
    assert main(["import", str(ledger), "--db", str(sample_db_copy), "--report-date", "2022-06-07"]) == 2
    assert capsys.readouterr().err.endswith(damaged_message(sample_db_copy) + "\n")
    assert _digest(sample_db_copy) == before


@pytest.fixture
def dashboard_on(monkeypatch):
    """The dashboard run once on a store file, with empty caches (and none left behind)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def run(path: Path) -> AppTest:
        monkeypatch.setenv("LEDGER_DB", str(path))
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        at.run()
        return at

    yield run
    st.cache_resource.clear()


def test_the_dashboard_says_the_store_is_damaged_and_how_to_restore_it(sample_db_copy, damage_pages, dashboard_on):
    from ui.layout import ERROR_MESSAGE

    damage_pages(sample_db_copy)
    at = dashboard_on(sample_db_copy)
    assert not at.exception
    shown = [e.value for e in at.error]
    assert shown == [damaged_message(sample_db_copy)]
    assert not any(text.startswith(ERROR_MESSAGE) for text in shown)


def _overwrite_root_page(path: Path, table: str) -> None:
    """Damage the one page that holds a small table (its root page): the rest of the file stays sound."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        con.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\x5a" * size)


def _login_store(tmp_path: Path):
    from loaders import accounts

    path = tmp_path / "ledger.sqlite"
    store = LedgerStore(path)
    store.import_result(_many_communities())
    accounts.create_account(store, accounts.operator(), "clerk", "district", ["市北区"], "Passw0rd-2026!")
    store.compact()
    return store, path


def test_a_login_checks_only_the_tables_it_writes(tmp_path, damage_pages):
    """A login writes the accounts and the audit log: only they are checked first (milliseconds on a national
    store, where the whole file takes half a minute). Damage among the ledger rows still stops every import."""
    from loaders import accounts, audit

    store, path = _login_store(tmp_path)
    damage_pages(path)
    accounts.authenticate(store, "clerk", "Passw0rd-2026!")
    assert [e.action for e in audit.entries(store)][-1] == "login"
    before = _digest(path)
    with pytest.raises(StoreDamaged):
        store.import_result(_one_community(date(2022, 6, 7)))
    assert _digest(path) == before


@pytest.mark.parametrize("table", ["accounts", "audit_log"])
def test_damage_in_a_table_a_login_writes_refuses_the_login_and_changes_nothing(tmp_path, table):
    from loaders import accounts

    store, path = _login_store(tmp_path)
    _overwrite_root_page(path, table)
    before = _digest(path)
    with pytest.raises(StoreDamaged) as got:
        accounts.authenticate(store, "clerk", "Passw0rd-2026!")
    assert str(got.value) == damaged_message(path)
    assert _digest(path) == before


def _store_of_many(tmp_path: Path) -> Path:
    """A store as the dashboard finds it after a first open: in WAL mode, so that opening it writes nothing."""
    path = tmp_path / "ledger.sqlite"
    store = LedgerStore(path)
    store.import_result(_many_communities())
    store.compact()
    LedgerStore(path)
    return path


@pytest.fixture
def every_file_is_large(monkeypatch):
    """BACKGROUND_CHECK_BYTES at 0: a small test file takes the path of a national one."""
    import loaders.store

    monkeypatch.setattr(loaders.store, "BACKGROUND_CHECK_BYTES", 0)


def test_the_dashboards_handle_on_a_large_damaged_store_opens_then_refuses_every_call(tmp_path, damage_pages,
                                                                                       every_file_is_large):
    path = _store_of_many(tmp_path)
    damage_pages(path)
    before = _digest(path)
    store = LedgerStore(path, check_in_background=True)      # returns before the check has finished
    with pytest.raises(StoreDamaged) as got:
        store.wait_for_check(timeout=60)
    assert str(got.value) == damaged_message(path)
    for call in (store.version, store.snapshots, lambda: store.import_result(_one_community(date(2022, 6, 7)))):
        with pytest.raises(StoreDamaged):
            call()
    assert _digest(path) == before
    with pytest.raises(StoreDamaged):       # a command's open still checks before anything is read
        LedgerStore(path)


def test_the_background_check_waits_until_it_is_started(tmp_path, damage_pages, every_file_is_large):
    # the dashboard begins it once its first page is drawn: a check beside that page slowed it by a second
    from loaders.store import start_pending_checks

    path = _store_of_many(tmp_path)
    damage_pages(path)
    store = LedgerStore(path, check_in_background=True)
    assert store.check_pending
    time.sleep(0.5)
    assert store.check_pending                 # nothing has read the whole file yet
    start_pending_checks()
    assert not store.check_pending
    with pytest.raises(StoreDamaged):
        store.wait_for_check(timeout=60)
    start_pending_checks()                     # nothing left to start: no second thread, no error
    assert not store.check_pending


def test_the_dashboard_begins_the_background_check_after_its_first_page(tmp_path, dashboard_on, every_file_is_large):
    from ui import data

    path = _store_of_many(tmp_path)
    at = dashboard_on(path)
    assert not at.exception and at.get("plotly_chart")     # the overview was drawn
    assert not data.store().check_pending
    data.store().wait_for_check(timeout=60)


def test_a_sound_large_store_checked_in_the_background_reads_and_writes(tmp_path, every_file_is_large):
    path = _store_of_many(tmp_path)
    store = LedgerStore(path, check_in_background=True)
    store.wait_for_check(timeout=60)
    assert len(store.ledger_as_of()) == 3000
    store.import_result(_one_community(date(2022, 6, 7)))
    assert len(store.ledger_as_of()) == 1


@pytest.mark.parametrize("change", ["DROP TABLE snapshot_bundles", "PRAGMA journal_mode = DELETE"])
def test_a_large_store_that_opening_writes_to_is_checked_first(tmp_path, damage_pages, every_file_is_large, change):
    """A store made before the aggregates gets them at open, one copied without its WAL mode is switched back:
    writes, so the check comes first, as for a command, and the damaged file stays as it was."""
    path = _store_of_many(tmp_path)
    con = sqlite3.connect(path)
    con.execute(change)
    con.commit()
    con.close()
    damage_pages(path)
    before = _digest(path)
    with pytest.raises(StoreDamaged):
        LedgerStore(path, check_in_background=True)
    assert _digest(path) == before


def test_the_dashboard_on_a_large_damaged_store_says_so_on_its_next_rerun(tmp_path, damage_pages, dashboard_on,
                                                                          every_file_is_large):
    from ui import data

    path = _store_of_many(tmp_path)
    damage_pages(path)
    at = dashboard_on(path)
    with pytest.raises(StoreDamaged):
        data.store().wait_for_check(timeout=60)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [damaged_message(path)]


def test_a_frame_that_cannot_be_decoded_shows_its_message_on_the_page_never_data(sample_db_copy, dashboard_on):
    # the bytes of a stored frame changed (a disk error SQLite's checks cannot see, or a hand edit): the page says
    # so in Chinese and draws nothing from it
    con = sqlite3.connect(sample_db_copy)
    snapshot_id = con.execute("SELECT MAX(snapshot_id) FROM snapshot_frames").fetchone()[0]
    con.execute("UPDATE snapshot_frames SET frame = substr(frame, 1, 20) || zeroblob(100) WHERE snapshot_id = ?",
                (snapshot_id,))
    con.commit()
    con.close()
    at = dashboard_on(sample_db_copy)
    assert not at.exception
    shown = [e.value for e in at.error]
    assert len(shown) == 1 and shown[0].startswith(f"快照#{snapshot_id}保存的数据无法读出")
    assert not at.get("plotly_chart") and not at.get("deck_gl_json_chart")
