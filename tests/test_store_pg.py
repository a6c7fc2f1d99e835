"""What PgLedgerStore adds to the shared contract (tests/test_store.py runs that against both engines): the schema
version and its migrations, several writers at once, the statement timeout, the pool, choosing the engine from
LEDGER_DB or the settings, and every server fault as one Chinese sentence with nothing stored lost.

All against a real PostgreSQL server started by tests/pg_fixtures.py; nothing is mocked."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from loaders import schema
from loaders.report import LedgerResult
from loaders.store import DuplicateSnapshot, StoreUnavailable
from loaders.store_pg import SCHEMA, SCHEMA_VERSION, PgLedgerStore
from metrics.summary import summary_as_of
from pg_fixtures import stored_state
from test_store import community, ledger, week1, week2

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def big_ledger(report_date, district, n, batch=2022, source=None):
    rows = [community(f"{district}-{i:06d}", district=district, batch=batch, node=i % 9, completed=float(i % 50),
                      street=f"{district}第{i % 40}街道", actual_start=pd.Timestamp("2022-03-01") if i % 3 else None)
            for i in range(n)]
    return LedgerResult(frame=schema.conform(pd.DataFrame(rows)), report_date=report_date,
                        source_name=source or f"{district}台账.csv", errors=[])


# ------------------------------------------------------------------------------------------------------- schema
def test_schema_version_is_recorded_and_reopening_changes_nothing(pg_store, pg_url):
    pg_store.import_result(week1())
    before = stored_state(pg_store)
    with pg_store._read() as con:
        versions = con.execute(f"SELECT version FROM {SCHEMA}.schema_version").fetchall()
    assert versions == [(1,), (2,), (4,), (5,)] and SCHEMA_VERSION == 5
    with PgLedgerStore(pg_url) as again:
        assert again.version() == pg_store.version()
        assert again.report_dates() == [date(2022, 3, 4)]
    assert stored_state(pg_store) == before


def test_a_store_of_schema_version_1_gets_accounts_and_the_audit_log_and_keeps_its_ledger(pg_store, pg_url,
                                                                                         pg_server):
    from loaders import accounts, audit

    pg_store.import_result(week1())
    summary_before = summary_as_of(pg_store)
    ledger_before = pg_store.ledger_as_of()
    with pg_server.admin(pg_url.rsplit("/", 1)[1]) as con:   # as the product before accounts left it
        con.execute(f"DROP TABLE {SCHEMA}.accounts, {SCHEMA}.audit_log, {SCHEMA}.snapshot_statuses, "
                    f"{SCHEMA}.snapshot_bundles, {SCHEMA}.snapshot_frames")
        con.execute(f"DELETE FROM {SCHEMA}.schema_version WHERE version IN (2, 4, 5)")
    with PgLedgerStore(pg_url) as again:
        assert accounts.list_accounts(again) == [] and audit.entries(again) == []
        accounts.create_account(again, accounts.operator(), "chief", "city", (), "long-enough-1")
        assert [a.login for a in accounts.list_accounts(again)] == ["chief"]
        assert audit.verify(again).count == 1
        pd.testing.assert_frame_equal(again.ledger_as_of(), ledger_before)
        with again._read() as con:
            assert con.execute(f"SELECT version FROM {SCHEMA}.schema_version ORDER BY 1").fetchall() == [
                (1,), (2,), (4,), (5,)]
        assert summary_as_of(again) == summary_before   # the aggregates computed from the rows (migration 4)


def test_a_schema_from_a_newer_product_is_refused_untouched(pg_store, pg_url, pg_server):
    pg_store.import_result(week1())
    with pg_server.admin(pg_url.rsplit("/", 1)[1]) as con:
        con.execute(f"INSERT INTO {SCHEMA}.schema_version (version) VALUES ({SCHEMA_VERSION + 1})")
    before = stored_state(pg_store)
    with pytest.raises(StoreUnavailable) as got:
        PgLedgerStore(pg_url)
    assert str(got.value) == (
        f"台账数据库 {pg_store.where} 的结构版本为{SCHEMA_VERSION + 1}，比本程序支持的版本{SCHEMA_VERSION}新"
        "（已由更新版本的程序升级）。请把本程序升级到相同或更新的版本后再使用；为免损坏数据，未做任何改动。")
    assert stored_state(pg_store) == before


def test_processes_starting_together_migrate_once(pg_url):
    opened, failed = [], []

    def open_one():
        try:
            opened.append(PgLedgerStore(pg_url))
        except Exception as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not failed and len(opened) == 4
        assert len({s.version() for s in opened}) == 1          # one store_id: created once
        with opened[0]._read() as con:
            assert con.execute(f"SELECT count(*) FROM {SCHEMA}.schema_version").fetchone()[0] == len(
                __import__("loaders.store_pg", fromlist=["MIGRATIONS"]).MIGRATIONS)
    finally:
        for s in opened:
            s.close()


def test_another_programs_schema_is_refused_untouched(pg_server):
    name = pg_server.create_database()
    try:
        with pg_server.admin(name) as con:
            con.execute(f"CREATE SCHEMA {SCHEMA}")
            con.execute(f"CREATE TABLE {SCHEMA}.meta (a int)")
        where = f"127.0.0.1:{pg_server.port}/{name}"
        with pytest.raises(StoreUnavailable) as got:
            PgLedgerStore(pg_server.url(name))
        assert str(got.value) == (f"数据库 {where} 中已有名为 {SCHEMA} 的模式，但不是台账数据库；为免改动其中的数据，"
                                  "未做任何操作。请连接专用于台账的数据库。")
        with pg_server.admin(name) as con:
            assert con.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (SCHEMA,)).fetchall() == [
                ("meta",)]
    finally:
        pg_server.drop_database(name)


# ------------------------------------------------------------------------------------------- choosing the engine
def test_ledger_db_url_selects_postgresql(pg_store, pg_url, monkeypatch):
    from loaders import sample

    pg_store.import_result(week1())
    monkeypatch.setenv("LEDGER_DB", pg_url)
    with sample.open_default_store() as store:
        assert isinstance(store, PgLedgerStore)
        assert store.version() == pg_store.version()
        assert "ledger-test-pw" not in store.path and store.path.startswith("postgresql://ledger@127.0.0.1:")


def test_settings_url_selects_postgresql_and_is_never_seeded(pg_store, pg_url, monkeypatch, tmp_path):
    from loaders import config, sample

    settings = tmp_path / "settings.toml"
    settings.write_text(f'[store]\nurl = "{pg_url}"\n', encoding="utf-8")
    monkeypatch.delenv("LEDGER_DB", raising=False)
    monkeypatch.setenv("LEDGER_SETTINGS", str(settings))
    assert config.store_target() == pg_url
    assert config.store_is_configured()
    with sample.open_default_store() as store:
        assert isinstance(store, PgLedgerStore)
        assert store.snapshots(include_inactive=True).empty       # the sample is never mixed into it
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "local.sqlite"))   # LEDGER_DB, a file, wins over the settings
    assert config.store_target() == tmp_path / "local.sqlite"


def test_cli_imports_into_postgresql_and_the_dashboard_store_sees_it(pg_store, pg_url):
    csv = next((ROOT / "sample_data" / "ledgers" / "2022-05-31").glob("*.csv"))
    env = {**os.environ, "LEDGER_DB": pg_url, "PYTHONPATH": str(ROOT)}
    seen = pg_store.version()
    run = subprocess.run([sys.executable, "-m", "loaders", "import", str(csv), "--report-date", "2022-05-31"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert "postgresql://ledger@127.0.0.1" in run.stdout and "ledger-test-pw" not in run.stdout + run.stderr
    assert pg_store.version() != seen                  # another process's import: a new cache key here
    summary = subprocess.run([sys.executable, "-m", "loaders", "summary", "--json"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=180)
    assert summary.returncode == 0, summary.stderr
    got = json.loads(summary.stdout)
    assert got["report_date"] == "2022-05-31"
    assert got["rows"] == len(pg_store.ledger_as_of()) > 0
    assert list(got["by_district"]) == [csv.stem]


# ------------------------------------------------------------------------------------------------ many writers
def test_an_import_waits_only_for_its_own_parts(pg_store, pg_url, monkeypatch):
    """While an import of 市北区 is halfway, 市南区 imports at once; a second 市北区 import of the same date waits
    for the first to commit and is then refused as a duplicate."""
    import loaders.store_pg as store_pg

    pg_store.import_result(week1())
    inside, release = threading.Event(), threading.Event()
    real = store_pg._totals

    def slow_in_first(arrays, start, stop):
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(30)
        return real(arrays, start, stop)

    monkeypatch.setattr(store_pg, "_totals", slow_in_first)
    results = {}

    def run(store, result):
        try:
            results[threading.current_thread().name] = store.import_result(result)
        except DuplicateSnapshot as exc:
            results[threading.current_thread().name] = exc

    other = PgLedgerStore(pg_url)      # another process's store: its own pool
    try:
        first = threading.Thread(target=run, name="first", args=(
            pg_store, ledger(date(2022, 3, 11), community("SB1", node=6), source="先到的台账.xlsx")))
        first.start()
        assert inside.wait(30)
        t0 = time.perf_counter()
        other.import_result(ledger(date(2022, 3, 11), community("SN1", district="市南区", node=3)))
        assert time.perf_counter() - t0 < 5
        second = threading.Thread(target=run, name="second", args=(
            other, ledger(date(2022, 3, 11), community("SB1", node=7), source="后到的台账.xlsx")))
        second.start()
        second.join(1.5)
        assert second.is_alive() and "second" not in results      # waiting for the first one's commit
        release.set()
        first.join(30)
        second.join(30)
    finally:
        release.set()
        other.close()
    assert results["first"].rows == 1
    assert isinstance(results["second"], DuplicateSnapshot)
    assert results["second"].keys == [("市北区", 2022, date(2022, 3, 11))]
    now = pg_store.ledger_as_of(date(2022, 3, 11)).set_index("community_id")
    assert now.loc["SB1", "node_reached"] == 6 and now.loc["SN1", "node_reached"] == 3


CHILD = """
import json, sys, time
from datetime import date
sys.path[:0] = [{root!r}, {tests!r}]
from test_store_pg import big_ledger
from loaders.store_pg import PgLedgerStore
from loaders.store import StoreError
result = big_ledger(date(2022, 3, 18), {district!r}, {rows})
store = PgLedgerStore({url!r})
while not __import__("os").path.exists({go!r}):
    time.sleep(0.01)
t0 = time.time()
try:
    out = store.import_result(result)
    print(json.dumps({{"ok": out.rows, "start": t0, "end": time.time()}}))
except StoreError as exc:
    print(json.dumps({{"refused": str(exc), "start": t0, "end": time.time()}}))
store.close()
"""


def _import_in_processes(url, tmp_path, districts, rows=3000):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT), tests=str(TESTS), district=d,
                                                                  rows=rows, url=url, go=str(go))],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for d in districts]
    time.sleep(3)     # both children have read their ledgers and opened their pools
    go.write_text("go")
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


def test_two_districts_import_at_the_same_moment_from_two_processes(pg_store, pg_url, tmp_path):
    before = pg_store.version()
    outs = _import_in_processes(pg_url, tmp_path, ["市南区", "市北区"])
    assert [o.get("ok") for o in outs] == [3000, 3000]
    snaps = pg_store.snapshots()
    assert sorted(zip(snaps["district"], snaps["rows"])) == [("市北区", 3000), ("市南区", 3000)]
    assert len(pg_store.ledger_as_of()) == 6000
    assert int(pg_store.version().rsplit("-", 1)[1]) == int(before.rsplit("-", 1)[1]) + 2


def test_the_same_part_from_two_processes_is_stored_once(pg_store, pg_url, tmp_path):
    outs = _import_in_processes(pg_url, tmp_path, ["市南区", "市南区"], rows=500)
    assert sorted("ok" if "ok" in o else "refused" for o in outs) == ["ok", "refused"]
    refused = next(o["refused"] for o in outs if "refused" in o)
    assert refused == "截至2022-03-18的市南区2022年度台账已经导入过；如确需替换，请加 --replace（原版本会保留，可恢复）"
    assert pg_store.snapshots(include_inactive=True)["rows"].tolist() == [500]


def test_threads_share_the_pool(pg_store):
    pg_store.import_result(week1())
    got, failed = [], []

    def read():
        try:
            for _ in range(5):
                got.append(len(pg_store.ledger_as_of()))
        except Exception as exc:  # noqa: BLE001
            failed.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failed and got == [4] * 40


# ------------------------------------------------------------------------------------------------------- faults
def test_server_down_at_start(pg_server):
    from streamlit_server import free_port

    port = free_port()
    with pytest.raises(StoreUnavailable) as got:
        PgLedgerStore(f"postgresql://ledger:x@127.0.0.1:{port}/ledger")
    assert str(got.value) == (f"无法连接台账数据库服务器 127.0.0.1:{port}/ledger（服务器未启动、地址或端口不对，或网络不通）。"
                              "请确认 PostgreSQL 已启动并可从本机访问后重试；数据库中已有的数据不受影响。")


def test_wrong_credentials(pg_server, pg_url):
    bad = pg_url.replace("ledger-test-pw", "wrong")
    where = pg_url.split("@", 1)[1]
    with pytest.raises(StoreUnavailable) as got:
        PgLedgerStore(bad)
    assert str(got.value) == (f"登录台账数据库 {where} 失败：用户名或密码不对（用户「ledger」）。"
                              "请检查 LEDGER_DB 或设置文件 [store] url 中的用户名和密码。")


def test_missing_database(pg_server):
    url = pg_server.url("no_such_db")
    with pytest.raises(StoreUnavailable) as got:
        PgLedgerStore(url)
    assert str(got.value) == (f"数据库服务器上没有名为「no_such_db」的数据库（127.0.0.1:{pg_server.port}/no_such_db）。"
                              "请让数据库管理员建立它（CREATE DATABASE no_such_db OWNER ledger），或检查连接地址。")


def test_connection_killed_halfway_through_an_import_leaves_nothing(pg_store, pg_server, pg_url, monkeypatch):
    import loaders.store_pg as store_pg

    pg_store.import_result(week1())
    before, version = stored_state(pg_store), pg_store.version()
    dbname = pg_url.rsplit("/", 1)[1]
    real = store_pg._totals
    killed = []

    def kill_on_second(arrays, start, stop):
        if len(killed) == 0 and start > 0:   # the first snapshot of the import is written by now
            with pg_server.admin() as admin:
                killed.extend(admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'idle in transaction'", (dbname,)).fetchall())
        return real(arrays, start, stop)

    monkeypatch.setattr(store_pg, "_totals", kill_on_second)
    with pytest.raises(StoreUnavailable) as got:
        pg_store.import_result(week2())
    assert killed == [(True,)]
    assert str(got.value) == (
        f"与台账数据库服务器 {pg_store.where} 的连接中断（服务器重启、被管理员断开或网络故障），操作未完成，"
        "本次导入的内容已全部撤销，数据库中原有的数据未受影响。请稍后重试。")
    monkeypatch.setattr(store_pg, "_totals", real)
    assert stored_state(pg_store) == before and pg_store.version() == version
    pg_store.import_result(week2())                       # the pool replaced the dead connection
    assert pg_store.report_dates() == [date(2022, 3, 4), date(2022, 3, 11)]


def test_statement_timeout_gives_up_with_a_message(pg_store, pg_url):
    pg_store.import_result(week1())
    before = stored_state(pg_store)

    class Abandon(Exception):
        pass

    impatient = PgLedgerStore(pg_url, statement_timeout_s=0.5)
    try:
        with pytest.raises(Abandon):
            with pg_store._write("import") as con:      # a long import of the same part holds it
                pg_store._lock_parts(con, [("市北区", 2022, "2022-03-11")])
                with pytest.raises(StoreUnavailable) as got:
                    impatient.import_result(ledger(date(2022, 3, 11), community("SB1", node=6)))
                raise Abandon
    finally:
        impatient.close()
    assert str(got.value) == (
        f"台账数据库 {pg_store.where} 的操作超过0.5秒仍未完成，已取消，本次导入的内容已全部撤销，"
        "数据库中原有的数据未受影响（可能另一次导入或数据库维护正在进行）。请稍后重试；如经常发生，请联系数据库管理员。")
    assert stored_state(pg_store) == before


def test_a_full_disk_on_the_server(pg_server, tmp_path):
    """The database lives in a tablespace on a 12 MB tmpfs: a large import fills it, fails as a whole with the
    disk-full message, and the earlier import is still there (root only: mounting needs it)."""
    import pwd

    small = pg_server.root / "small"
    small.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(small)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    name = None
    try:
        entry = pwd.getpwnam("postgres")
        os.chown(small, entry.pw_uid, entry.pw_gid)
        with pg_server.admin() as con:
            con.execute(f"CREATE TABLESPACE small LOCATION '{small}'")
        name = pg_server.create_database(tablespace="small")
        with PgLedgerStore(pg_server.url(name)) as store:
            store.import_result(week1())
            before, version = stored_state(store), store.version()
            with pytest.raises(StoreUnavailable) as got:
                store.import_result(big_ledger(date(2022, 3, 11), "崂山区", 60_000))
            assert str(got.value) == (
                f"台账数据库服务器 {store.where} 的磁盘空间不足，写入未完成，本次导入的内容已全部撤销，"
                "数据库中原有的数据未受影响。请让数据库管理员清理或扩充磁盘后重试。")
            assert stored_state(store) == before and store.version() == version
            assert len(store.ledger_as_of()) == 4
    finally:
        if name:
            pg_server.drop_database(name)
        with pg_server.admin() as con:
            con.execute("DROP TABLESPACE IF EXISTS small")
        subprocess.run(["umount", str(small)], capture_output=True)


# ------------------------------------------------------------------------------------ same answers, both engines
def assert_same_answers(lite, pg, dates):
    from metrics.progress import district_progress_of_sums
    from metrics.summary import totals_of_snapshots

    pd.testing.assert_frame_equal(lite.snapshots(include_inactive=True), pg.snapshots(include_inactive=True))
    assert lite.report_dates() == pg.report_dates()
    for as_of in dates:
        pd.testing.assert_frame_equal(lite.ledger_as_of(as_of), pg.ledger_as_of(as_of))
        pd.testing.assert_frame_equal(lite.selected_snapshots(as_of, batch_years=2022),
                                      pg.selected_snapshots(as_of, batch_years=2022))
        assert summary_as_of(lite, as_of) == summary_as_of(pg, as_of)
        # last week's ranks on the overview come from these sums (metrics.progress.district_progress_of_sums)
        pd.testing.assert_frame_equal(district_progress_of_sums(lite.snapshot_aggregates(as_of).picked),
                                      district_progress_of_sums(pg.snapshot_aggregates(as_of).picked))
        # the headline's and the ranks' read of those sums alone
        for store in (lite, pg):
            assert sorted(store.snapshot_totals(as_of)) == sorted(store.snapshot_aggregates(as_of).picked)
        assert totals_of_snapshots(lite.snapshot_totals(as_of)) == totals_of_snapshots(pg.snapshot_totals(as_of))
    pd.testing.assert_frame_equal(lite.totals_by_date(), pg.totals_by_date())
    pd.testing.assert_frame_equal(lite.totals_by_date(batch_years=[2021], districts=["市北区"]),
                                  pg.totals_by_date(batch_years=[2021], districts=["市北区"]))


def test_a_copied_sqlite_store_gives_the_same_answers(tmp_path, pg_store, monkeypatch):
    from loaders.store import LedgerStore
    from loaders.store_pg import copy_from_sqlite

    from loaders import accounts, audit

    lite = LedgerStore(tmp_path / "s.sqlite")
    lite.import_result(week1())
    lite.import_result(week2())
    replaced = lite.import_result(ledger(date(2022, 3, 4), community("SB1", node=3, street="台东街道")), replace=True)
    accounts.create_account(lite, accounts.operator(), "chief", "city", (), "long-enough-1")
    accounts.create_account(lite, accounts.operator(), "sb", "district", ("市北区",), "long-enough-2")
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(lite, "sb", "wrong-password")
    accounts.set_active(lite, accounts.operator(), "chief", False)
    assert copy_from_sqlite(lite, pg_store) == 8
    # accounts and the audit log move with the store: the same accounts, the same chain, still whole
    assert accounts.list_accounts(pg_store) == accounts.list_accounts(lite)
    assert audit.entries(pg_store) == audit.entries(lite) and len(audit.entries(lite)) == 4
    assert audit.verify(pg_store) == audit.verify(lite) and audit.verify(pg_store).ok
    assert accounts.authenticate(pg_store, "sb", "long-enough-2").districts == ("市北区",)
    assert audit.verify(pg_store).ok and audit.verify(pg_store).count == 5    # the chain goes on from the copy
    assert_same_answers(lite, pg_store, [None, date(2022, 3, 4), date(2022, 3, 8)])
    pd.testing.assert_frame_equal(lite.community_history("SB1"), pg_store.community_history("SB1"))
    # both go on alike: restore the replaced version, then a new import gets a fresh id on both
    assert lite.restore(replaced.replaced[0]) == pg_store.restore(replaced.replaced[0])
    nxt = ledger(date(2022, 3, 18), community("SB1", node=7))
    # one stamp for both imports: on a loaded machine the second one can start a second later
    for module in ("loaders.store", "loaders.store_pg"):
        monkeypatch.setattr(f"{module}._now", lambda: "2026-12-02T12:00:00+00:00")
    assert lite.import_result(nxt).snapshots == pg_store.import_result(nxt).snapshots
    assert_same_answers(lite, pg_store, [None])
    with pytest.raises(Exception, match="中已有台账、账号或审计记录，未复制"):
        copy_from_sqlite(lite, pg_store)


def test_the_sample_history_gives_the_same_answers_on_both_engines(sample_db, pg_store):
    """The real sample history (263 files read by the reader) copied into PostgreSQL: the weekly meeting's dates
    give identical frames."""
    from loaders.store import LedgerStore
    from loaders.store_pg import copy_from_sqlite

    lite = LedgerStore(sample_db)
    assert copy_from_sqlite(lite, pg_store) > 40_000
    assert_same_answers(lite, pg_store, [date(2021, 12, 31), date(2022, 4, 30), date(2022, 5, 31)])
    some = lite.ledger_as_of(date(2022, 5, 31))["community_id"].iloc[17]
    pd.testing.assert_frame_equal(lite.community_history(some), pg_store.community_history(some))


def test_server_stopped_while_a_process_runs_then_back(monkeypatch):
    """A private server, stopped under a running process's store: a query says the server cannot be reached
    (nothing stored is lost); once the server is back the same store object works again."""
    import loaders.store_pg as store_pg
    from pg_fixtures import PgServer, pg_bindir

    monkeypatch.setattr(store_pg, "POOL_WAIT_S", 2)
    server = PgServer(pg_bindir())
    try:
        server.init()
        with PgLedgerStore(server.url(server.create_database())) as store:
            store.import_result(week1())
            server.stop()
            with pytest.raises(StoreUnavailable) as got:
                store.report_dates()
            assert str(got.value) == (
                f"在2秒内未能从台账数据库服务器 {store.where} 取得连接（服务器停止、网络不通，或连接已用尽）。"
                "请确认 PostgreSQL 正在运行后重试；数据库中已有的数据不受影响。")
            server.start()
            deadline = time.time() + 60
            while True:   # the pool reconnects in the background, with a growing pause between attempts
                try:
                    assert store.report_dates() == [date(2022, 3, 4)]
                    break
                except StoreUnavailable:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
            assert len(store.ledger_as_of()) == 4
    finally:
        server.remove()


def test_a_read_only_role_reads_and_is_told_it_cannot_write(pg_store, pg_server, pg_url):
    pg_store.import_result(week1())
    dbname = pg_url.rsplit("/", 1)[1]
    reader = f"reader_{dbname}"
    with pg_server.admin(dbname) as con:
        con.execute(f"CREATE ROLE {reader} LOGIN PASSWORD 'reader-pw'")
        con.execute(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {reader}")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {reader}")
    before = stored_state(pg_store)
    try:
        with PgLedgerStore(pg_server.url(dbname, user=reader, password="reader-pw")) as store:
            pd.testing.assert_frame_equal(store.ledger_as_of(), pg_store.ledger_as_of())
            with pytest.raises(StoreUnavailable) as got:
                store.import_result(week2())
        assert str(got.value) == (f"数据库用户「{reader}」没有在 {pg_store.where} 中建立或写入台账表的权限。"
                                  f"请让数据库管理员授予该用户模式 {SCHEMA} 中各表的读写权限，或换用台账数据库的所有者。")
        assert stored_state(pg_store) == before
    finally:
        with pg_server.admin(dbname) as con:
            con.execute(f"DROP OWNED BY {reader}")
            con.execute(f"DROP ROLE {reader}")


def test_a_read_only_server_says_so(pg_store, pg_server, pg_url):
    """default_transaction_read_only gives what a hot standby gives (SQLSTATE 25006) for every write."""
    pg_store.import_result(week1())
    before = stored_state(pg_store)
    dbname = pg_url.rsplit("/", 1)[1]
    with pg_server.admin() as con:
        con.execute(f"ALTER DATABASE {dbname} SET default_transaction_read_only = on")
    with PgLedgerStore(pg_url) as replica:
        assert replica.report_dates() == [date(2022, 3, 4)]
        with pytest.raises(StoreUnavailable) as got:
            replica.import_result(week2())
    assert str(got.value) == (f"台账数据库 {pg_store.where} 是只读的（可能连接的是备库），不能写入。"
                              "请在 LEDGER_DB 或设置文件 [store] url 中填写主库的地址。")
    assert stored_state(pg_store) == before


# --------------------------------------------------------------------------- transaction(): accounts and audit
def test_transaction_runs_the_sqlite_sql_text(pg_store, tmp_path):
    """The same text with ? placeholders on both engines; a quoted ? or a % stays as written."""
    from loaders.store import LedgerStore

    for store in (LedgerStore(tmp_path / "s.sqlite"), pg_store):
        with store.transaction(write=False) as con:
            assert con.execute("SELECT '?%', ?, ? || 'b'", (1, "a")).fetchone() == ("?%", 1, "ab")
            assert con.execute("SELECT '50%'").fetchall() == [("50%",)]


def test_a_failed_transaction_leaves_nothing_and_a_read_cannot_write(pg_store):
    before, state = pg_store.version(), stored_state(pg_store)
    with pytest.raises(RuntimeError):
        with pg_store.transaction(write=True, data_changed=True) as con:
            con.execute("UPDATE meta SET value = ? WHERE key = 'store_id'", ("changed",))
            raise RuntimeError("halfway")
    assert pg_store.version() == before and stored_state(pg_store) == state
    with pytest.raises(StoreUnavailable, match="是只读的"):   # a read transaction is READ ONLY on the server
        with pg_store.transaction(write=False) as con:
            con.execute("DELETE FROM meta")
    assert stored_state(pg_store) == state
    with pg_store.transaction(write=True) as con:   # accounts and audit entries keep the cache key
        con.execute("UPDATE meta SET value = value WHERE key = 'store_id'")
    assert pg_store.version() == before
    with pg_store.transaction(write=True, data_changed=True):
        pass
    assert pg_store.version() != before
