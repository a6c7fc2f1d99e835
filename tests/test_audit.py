"""The audit log: entries field by field, the hash chain and its verification, the `audit` command line."""
from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from datetime import datetime

import pytest

from auth_support import (PASSWORD, ROOT, add_accounts, fast_auth_settings, fast_settings, read,  # noqa: F401
                          shibei_ledger, store)
from loaders import accounts, audit, writes
from pg_fixtures import store_target, tamper


def test_an_import_replace_withdraw_and_restore_are_recorded_field_by_field(store, tmp_path):
    actors = add_accounts(store)
    clerk = accounts.authenticate(store, "shibei1", PASSWORD)
    path = shibei_ledger(tmp_path)
    digest = audit.file_sha256(path.read_bytes())
    first = writes.import_ledger(store, read(path), clerk, file_name=path.name, file_sha256=digest)
    second = writes.import_ledger(store, read(path), clerk, replace=True, file_name=path.name, file_sha256=digest)
    writes.withdraw_snapshot(store, second.snapshots[0].snapshot_id, actors["city1"], "重复报送")
    writes.restore_snapshot(store, first.snapshots[0].snapshot_id, actors["city1"])
    entries = audit.entries(store)
    assert [(e.action, e.outcome, e.user) for e in entries[3:]] == [
        ("login", "accepted", "shibei1"), ("import", "accepted", "shibei1"), ("replace", "accepted", "shibei1"),
        ("withdraw", "accepted", "city1"), ("restore", "accepted", "city1")]
    imported = entries[4]
    assert imported.role == "district" and imported.districts == ("市北区",)
    assert (imported.file_name, imported.file_sha256, imported.report_date, imported.rows) == \
        ("市北区.xlsx", digest, "2023-06-30", 3)
    assert imported.reason == ""
    assert imported.detail == {"import_id": first.import_id, "snapshot_ids": [first.snapshots[0].snapshot_id],
                               "replaced_snapshot_ids": [], "content_sha256": first.sha256}
    assert entries[5].detail["replaced_snapshot_ids"] == [first.snapshots[0].snapshot_id]
    withdrawn = entries[6]
    assert (withdrawn.role, withdrawn.districts, withdrawn.file_name, withdrawn.report_date, withdrawn.rows,
            withdrawn.detail) == ("city", ("市北区",), "市北区.xlsx", "2023-06-30", 3,
                                  {"snapshot_id": second.snapshots[0].snapshot_id, "why": "重复报送"})
    assert entries[7].detail == {"snapshot_id": first.snapshots[0].snapshot_id, "displaced_snapshot_id": None}
    assert store.snapshots()["snapshot_id"].tolist() == [first.snapshots[0].snapshot_id]
    stamp = datetime.fromisoformat(imported.time)
    assert stamp.utcoffset().total_seconds() == 8 * 3600      # the bureau's zone (Asia/Shanghai)
    assert [e.id for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    assert audit.verify(store).ok and audit.verify(store).count == len(entries)


def test_withdraw_changes_the_store_version_and_an_audit_entry_does_not(store, tmp_path):
    actors = add_accounts(store)
    outcome = writes.import_ledger(store, read(shibei_ledger(tmp_path)), actors["city1"])
    before = store.version()
    audit.record(store, actors["city1"], "login")
    assert store.version() == before          # caches keyed by the version survive a login
    writes.withdraw_snapshot(store, outcome.snapshots[0].snapshot_id, actors["city1"])
    assert store.version() != before and store.snapshots().empty


@pytest.mark.parametrize("sql,broken_at", [
    ("UPDATE audit_log SET \"user\" = 'someone' WHERE id = 3", 3),
    ("UPDATE audit_log SET outcome = 'accepted' WHERE id = 5", 5),
    ("UPDATE audit_log SET detail = '{\"account\": \"x\"' WHERE id = 2", 2),      # not even JSON any more
    ("DELETE FROM audit_log WHERE id = 4", 5),
    ("INSERT INTO audit_log SELECT 99, \"time\", \"user\", role, districts, action, outcome, reason, file_name, "
     "file_sha256, report_date, rows, detail, prev_hash, hash FROM audit_log WHERE id = 2", 99),
])
def test_a_broken_chain_is_detected_where_it_breaks(store, sql, broken_at):
    add_accounts(store)
    for _ in range(2):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "city1", "wrong-password")   # entries 4, 5 refused
    assert audit.verify(store).ok
    tamper(store, sql)
    result = audit.verify(store)
    assert not result.ok and result.broken_at == broken_at
    assert result.message.startswith(f"审计记录链在第{broken_at}条处断开")


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "loaders", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def test_audit_command_lists_filters_and_verifies(store, tmp_path):
    add_accounts(store)
    accounts.authenticate(store, "viewer1", PASSWORD)
    env = {**os.environ, "LEDGER_SETTINGS": str(fast_settings(tmp_path))}
    db = store_target(store)
    listed = json.loads(_cli("audit", "--json", "--db", db, env=env).stdout)
    assert [(e["user"], e["action"], e["outcome"]) for e in listed] == [
        (getpass.getuser(), "account_created", "accepted")] * 3 + [("viewer1", "login", "accepted")]
    assert all({"time", "user", "action", "outcome", "role", "districts", "hash"} <= set(e) for e in listed)
    mine = json.loads(_cli("audit", "--json", "--user", "viewer1", "--since", listed[-1]["time"][:10], "--db", db,
                           env=env).stdout)
    assert [e["id"] for e in mine] == [4]
    assert json.loads(_cli("audit", "--json", "--since", "2999-01-01", "--db", db, env=env).stdout) == []
    human = _cli("audit", "--db", db, env=env)
    assert human.returncode == 0 and "viewer1  查看  登录  成功" in human.stdout
    ok = _cli("audit", "--verify", "--db", db, env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("审计记录链完整：共4条")
    tamper(store, "UPDATE audit_log SET role = 'city' WHERE id = 4")
    broken = _cli("audit", "--verify", "--db", db, env=env)
    assert broken.returncode == 1 and broken.stderr.startswith("审计记录链在第4条处断开")
    bad = _cli("audit", "--since", "2022/13/01", "--db", db, env=env)
    assert bad.returncode == 2 and "日期「2022/13/01」无法识别" in bad.stderr


def test_writers_at_the_same_moment_keep_one_linear_chain(store):
    """Eight sessions appending at once (own connections, as separate processes would): every entry follows the
    one before it, none is lost, ids are the insertion order."""
    import threading

    start = threading.Barrier(8)
    failures = []

    def session(n):
        actor = accounts.Actor(f"user{n}", "viewer")
        try:
            start.wait(10)
            for _ in range(5):
                audit.record(store, actor, "logout")
        except Exception as exc:   # reported below: a lost entry or a forked chain is the failure
            failures.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    entries = audit.entries(store)
    assert [e.id for e in entries] == list(range(1, 41))
    assert sorted(e.user for e in entries) == sorted(f"user{n}" for n in range(8) for _ in range(5))
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    assert audit.verify(store).ok and audit.verify(store).count == 40


def test_entries_filter_by_user_and_day_on_the_column_not_the_session_user(store):
    audit.record(store, accounts.Actor("alice", "viewer"), "login")
    audit.record(store, accounts.Actor("bob", "viewer"), "login")
    # in PostgreSQL a bare `user` is the session's user (here "ledger"): the filter must name the column
    assert [e.user for e in audit.entries(store, user="bob")] == ["bob"]
    today = datetime.fromisoformat(audit.entries(store)[0].time).date()
    assert [e.user for e in audit.entries(store, since=today, user="alice")] == ["alice"]
