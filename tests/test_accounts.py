"""Accounts: Argon2 hashes, roles, the one authorization rule of every write path, lockout, demo accounts only
in the demo store, the `users` command line."""
from __future__ import annotations

import getpass
import json
import subprocess
import sys

import pytest

from auth_support import (PASSWORD, ROOT, add_accounts, fast_auth_settings, fast_settings, read,  # noqa: F401
                          shibei_ledger, store)
from loaders import accounts, audit, writes
from loaders.store import LedgerStore, StoreUnavailable
from pg_fixtures import store_target, stored_state


@pytest.fixture
def actors(store):
    return add_accounts(store)


def test_password_is_stored_only_as_an_argon2id_hash(store, actors):
    if isinstance(store, LedgerStore):
        wal = store.path.with_name(store.path.name + "-wal")
        assert PASSWORD.encode() not in store.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    else:
        assert PASSWORD not in repr(stored_state(store))
    with store.transaction(write=False) as con:
        hashes = [r[0] for r in con.execute("SELECT password_hash FROM accounts ORDER BY login").fetchall()]
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    assert len(set(hashes)) == 3          # salted: the same password gives different hashes
    assert all(PASSWORD not in json.dumps(e.to_dict()) for e in audit.entries(store))


def test_login_gives_the_account_role_and_districts(store, actors):
    actor = accounts.authenticate(store, "shibei1", PASSWORD)
    assert actor == accounts.Actor("shibei1", "district", ("市北区",), "builtin")
    last = audit.entries(store)[-1]
    assert (last.user, last.role, last.districts, last.action, last.outcome) == \
        ("shibei1", "district", ("市北区",), "login", "accepted")


def test_unknown_name_and_wrong_password_get_the_same_answer(store, actors):
    with pytest.raises(accounts.LoginRefused) as wrong:
        accounts.authenticate(store, "shibei1", "nope-nope")
    with pytest.raises(accounts.LoginRefused) as unknown:
        accounts.authenticate(store, "nobody", "nope-nope")
    assert str(wrong.value) == str(unknown.value) == "用户名或密码不正确。"
    failed = audit.entries(store)[-2:]
    assert [(e.user, e.action, e.outcome, e.reason) for e in failed] == [
        ("shibei1", "login_failed", "refused", "用户名或密码不正确。"),
        ("nobody", "login_failed", "refused", "用户名或密码不正确。")]


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_password(store, actors):
    for _ in range(4):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "viewer1", "wrong-one")
    with pytest.raises(accounts.LoginRefused) as fifth:
        accounts.authenticate(store, "viewer1", "wrong-one")
    assert "已连续错误5次" in str(fifth.value) and "锁定15分钟" in str(fifth.value)
    with pytest.raises(accounts.LoginRefused) as locked:
        accounts.authenticate(store, "viewer1", PASSWORD)
    assert "已被临时锁定" in str(locked.value)
    # the administrator's new password lifts the lock
    accounts.set_password(store, actors["city1"], "viewer1", "another-pass-1")
    assert accounts.authenticate(store, "viewer1", "another-pass-1").role == "viewer"
    assert accounts.get_account(store, "viewer1").failed_logins == 0


def test_wrong_passwords_slow_down_before_the_lock(store, actors, monkeypatch):
    waits = []
    monkeypatch.setattr(accounts.time, "sleep", waits.append)
    for _ in range(4):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(store, "viewer1", "wrong-one")
    assert waits == [0.0, 0.0, 0.0, 0.01]      # slow_after = 3 wrong tries, then delay_s doubling


def test_a_disabled_account_cannot_log_in_nor_write_with_a_session_it_still_holds(store, actors, tmp_path):
    accounts.set_active(store, actors["city1"], "shibei1", False)
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(store, "shibei1", PASSWORD)
    assert str(refused.value) == "账号 shibei1 已停用，不能登录；请联系市级管理员。"
    with pytest.raises(accounts.NotAuthorized) as write:
        writes.import_ledger(store, read(shibei_ledger(tmp_path)), actors["shibei1"])
    assert "已停用" in str(write.value)
    assert store.snapshots().empty
    # withdraw and restore with a session held before the account was disabled: refused too
    ledger = read(shibei_ledger(tmp_path))
    writes.import_ledger(store, ledger, accounts.operator())
    writes.import_ledger(store, ledger, accounts.operator(), replace=True)
    before = store.snapshots(include_inactive=True)[["snapshot_id", "active"]].values.tolist()
    with pytest.raises(accounts.NotAuthorized, match="账号 shibei1 已停用或不存在"):
        writes.withdraw_snapshot(store, 2, actors["shibei1"])
    accounts.set_active(store, accounts.operator(), "city1", False)
    with pytest.raises(accounts.NotAuthorized, match="账号 city1 已停用或不存在"):
        writes.restore_snapshot(store, 1, actors["city1"])
    assert store.snapshots(include_inactive=True)[["snapshot_id", "active"]].values.tolist() == before


@pytest.mark.parametrize("login,allowed", [("city1", True), ("shibei1", False), ("viewer1", False)])
def test_only_city_administrators_manage_accounts(store, actors, login, allowed):
    actor = actors[login]
    if allowed:
        assert accounts.create_account(store, actor, "new1", "viewer", (), "long-enough-1").active
        return
    with pytest.raises(accounts.NotAuthorized) as exc:
        accounts.create_account(store, actor, "new1", "viewer", (), "long-enough-1")
    assert str(exc.value) == f"账号 {actor.label} 无权管理账号。"
    assert accounts.get_account(store, "new1") is None
    for change in (lambda: accounts.set_password(store, actor, "city1", "long-enough-1"),
                   lambda: accounts.set_active(store, actor, "city1", False),
                   lambda: accounts.set_role(store, actor, "viewer1", "city")):
        with pytest.raises(accounts.NotAuthorized):
            change()
    assert accounts.get_account(store, "city1").active and accounts.get_account(store, "viewer1").role == "viewer"
    assert accounts.authenticate(store, "city1", PASSWORD).role == "city"


@pytest.mark.parametrize("args,message", [
    (("x", "viewer", (), "long-enough-1"), "用户名「x」不合要求"),
    (("ok1", "boss", (), "long-enough-1"), "角色「boss」不存在"),
    (("ok1", "district", (), "long-enough-1"), "区市填报员必须指定至少一个区市"),
    (("ok1", "district", ("劳山区",), "long-enough-1"), "区市「劳山区」不在配置的区市中"),
    (("ok1", "viewer", ("市北区",), "long-enough-1"), "只有区市填报员绑定区市"),
    (("ok1", "viewer", (), "short"), "密码太短：至少8个字符。"),
    (("city1", "viewer", (), "long-enough-1"), "账号 city1 已存在"),
])
def test_bad_account_values_are_refused_in_chinese(store, actors, args, message):
    with pytest.raises(accounts.AccountError) as exc:
        accounts.create_account(store, actors["city1"], *args)
    assert message in str(exc.value)
    assert len(accounts.list_accounts(store)) == 3
    last = audit.entries(store)[-1]
    assert (last.action, last.outcome, last.reason) == ("account_created", "refused", str(exc.value))


# --------------------------------------------------------------------------------- the role x action rule
def test_a_clerk_file_with_another_districts_rows_is_refused_naming_district_and_rows(store, actors, tmp_path):
    path = shibei_ledger(tmp_path, foreign=True)
    with pytest.raises(accounts.NotAuthorized) as exc:
        writes.import_ledger(store, read(path), actors["shibei1"], file_name=path.name,
                             file_sha256=audit.file_sha256(path.read_bytes()))
    assert str(exc.value) == ("账号 shibei1（区市填报员，市北区） 只能报送市北区的台账，文件中有其他区市的小区："
                              "市南区2个小区（工作表「市北区」第7、8行）。文件未导入，数据库未作任何改动；"
                              "请删去这些行，或由该区市或市级管理员报送。")
    assert store.snapshots(include_inactive=True).empty
    last = audit.entries(store)[-1]
    assert (last.user, last.action, last.outcome, last.file_name, last.file_sha256, last.report_date, last.rows,
            last.districts) == ("shibei1", "import", "refused", "市北区.xlsx",
                                audit.file_sha256(path.read_bytes()), "2023-06-30", 5, ("市北区", "市南区"))


MATRIX = {  # role -> the write paths it may take (every other one is refused and changes nothing)
    None: set(),
    "viewer1": set(),
    "shibei1": {"import own", "replace own", "withdraw own"},
    "city1": {"import own", "replace own", "replace other", "withdraw own", "withdraw other", "restore own",
              "restore", "accounts"},
}


@pytest.mark.parametrize("login", list(MATRIX), ids=lambda v: v or "anonymous")
def test_write_matrix_through_the_functions_every_write_path_calls(store, tmp_path, login):
    actor = add_accounts(store).get(login)
    operator = accounts.operator()
    own, nanqu = read(shibei_ledger(tmp_path)), read(nanqu_ledger(tmp_path))
    writes.import_ledger(store, nanqu, operator)                  # 市南区 #1, then replaced by #2
    writes.import_ledger(store, nanqu, operator, replace=True)

    def state():
        return store.snapshots(include_inactive=True)[["snapshot_id", "district", "active"]].values.tolist()

    def own_id():
        if not (store.snapshots()["district"] == "市北区").any():
            writes.import_ledger(store, own, operator)
        return int(store.snapshots().query("district == '市北区'")["snapshot_id"].iloc[0])

    def replaced_own_id():   # an older version of the clerk's own district, for "restore own"
        own_id()
        writes.import_ledger(store, own, operator, replace=True)
        snaps = store.snapshots(include_inactive=True).query("district == '市北区' and not active")
        return int(snaps["snapshot_id"].max())

    prepared = {}
    paths = {
        "import own": lambda: writes.import_ledger(store, own, actor),
        "replace own": lambda: writes.import_ledger(store, own, actor, replace=True),
        "replace other": lambda: writes.import_ledger(store, nanqu, actor, replace=True),
        "withdraw own": lambda: writes.withdraw_snapshot(store, own_id(), actor),
        "withdraw other": lambda: writes.withdraw_snapshot(
            store, int(store.snapshots().query("district == '市南区'")["snapshot_id"].iloc[0]), actor),
        "restore own": lambda: writes.restore_snapshot(store, prepared["restore own"], actor),
        "restore": lambda: writes.restore_snapshot(store, 1, actor),
        "accounts": lambda: accounts.create_account(store, actor, "newcomer", "viewer", (), "long-enough-1"),
    }
    allowed = set()
    for name, path in paths.items():
        if name in ("replace own", "withdraw own"):
            own_id()
        if name == "restore own":
            prepared[name] = replaced_own_id()
        before, entries_before = state(), len(audit.entries(store))
        try:
            path()
            allowed.add(name)
            assert state() != before or name == "accounts", name
        except accounts.NotAuthorized as exc:
            assert state() == before, name
            refusal = audit.entries(store)[entries_before:]
            assert [(e.user, e.outcome, e.reason) for e in refusal] == [
                (login or "（未登录）", "refused", str(exc))], name
    assert allowed == MATRIX[login]


def nanqu_ledger(tmp_path):
    import ledger_builders as lb

    return lb.write_xlsx(tmp_path / "市南区.xlsx", {"市南区": lb.standard_sheet(
        [lb.row(1, "SN-1", "八大峡小区", "市南区", lon=None, lat=None)])})


OIDC = {"login_claim": "preferred_username", "role_claim": "groups", "districts_claim": "districts",
        "roles": {"ledger-city": "city", "ledger-clerk": "district", "ledger-read": "viewer"}}


@pytest.mark.parametrize("claims,expected", [
    ({"preferred_username": "a", "groups": ["staff", "ledger-city"]}, ("a", "city", ())),
    ({"preferred_username": "b", "groups": ["ledger-clerk", "ledger-read"], "districts": ["市北区"]},
     ("b", "district", ("市北区",))),
    ({"preferred_username": "c", "groups": "ledger-clerk", "districts": "市北区、李沧区"}, ("c", "district", ("市北区", "李沧区"))),
    ({"preferred_username": "d", "groups": "ledger-clerk"}, ("d", "viewer", ())),          # a clerk of no district
    ({"email": "e@bureau.example", "groups": ["other"]}, ("e@bureau.example", "viewer", ())),  # no mapped role
    ({"sub": "f", "groups": "ledger-city", "districts": ["市北区"]}, ("f", "city", ())),
])
def test_single_sign_on_claims_map_to_role_and_districts(claims, expected):
    actor = accounts.actor_from_claims(claims, OIDC)
    assert (actor.login, actor.role, actor.districts, actor.via) == (*expected, "oidc")


# ------------------------------------------------------------------------------------------ demo accounts
def test_the_demo_store_has_the_readme_demo_accounts_and_a_named_store_has_none(tmp_path, monkeypatch):
    from loaders import config, sample

    assert not config.store_is_configured()            # the settings of this test name no store: the demo
    monkeypatch.setattr(config, "store_path", lambda: tmp_path / "demo.sqlite")
    LedgerStore(tmp_path / "demo.sqlite")               # as if already built from the sample (no ledger read)
    demo = sample.open_default_store()
    assert [(a.login, a.role, a.districts, a.demo) for a in accounts.list_accounts(demo)] == [
        ("demo-admin", "city", (), True), ("demo-shibei", "district", ("市北区",), True),
        ("demo-viewer", "viewer", (), True)]
    assert accounts.authenticate(demo, "demo-shibei", accounts.DEMO_PASSWORD).districts == ("市北区",)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in ("demo-admin", "demo-shibei", "demo-viewer", accounts.DEMO_PASSWORD))

    monkeypatch.undo()
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path)))
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "bureau.sqlite"))   # a store the bureau names
    bureau = sample.open_default_store()
    assert bureau.path == tmp_path / "bureau.sqlite"
    assert accounts.list_accounts(bureau) == []
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(bureau, "demo-admin", accounts.DEMO_PASSWORD)


def test_a_store_made_before_accounts_gets_their_tables_and_read_only_reads_none(tmp_path, monkeypatch):
    import sqlite3

    for name in ("old.sqlite", "old-ro.sqlite"):
        LedgerStore(tmp_path / name)
        con = sqlite3.connect(tmp_path / name)
        con.execute("DROP TABLE accounts")      # as the store was before accounts and the audit log existed
        con.execute("DROP TABLE audit_log")
        con.commit()
        con.close()
    old = LedgerStore(tmp_path / "old.sqlite")
    assert accounts.list_accounts(old) == [] and audit.entries(old) == []
    add_accounts(old)
    assert [a.login for a in accounts.list_accounts(old)] == ["city1", "shibei1", "viewer1"]
    assert audit.verify(old).count == 3
    # as SQLite opens a file without write permission (chmod cannot make one for root, who runs these tests)
    connect = LedgerStore._connect
    monkeypatch.setattr(LedgerStore, "_connect", lambda self, uri_params=None: connect(self, uri_params or "mode=ro"))
    before = (tmp_path / "old-ro.sqlite").read_bytes()
    read_only = LedgerStore(tmp_path / "old-ro.sqlite")
    assert accounts.list_accounts(read_only) == [] and audit.entries(read_only) == []
    assert audit.verify(read_only).ok and audit.verify(read_only).count == 0
    with pytest.raises(StoreUnavailable, match="^没有写入数据库 .* 的权限"):
        audit.record(read_only, accounts.operator(), "logout")
    assert (tmp_path / "old-ro.sqlite").read_bytes() == before


# ------------------------------------------------------------------------------------------- command line
def _cli(*args, stdin: str = "", env=None):
    return subprocess.run([sys.executable, "-m", "loaders", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_users_commands_end_to_end_recorded_under_the_os_user(store, tmp_path):
    import os

    env = {**os.environ, "LEDGER_SETTINGS": str(fast_settings(tmp_path))}
    db = store_target(store)
    first = _cli("users", "add", "chief", "--role", "city", "--password-stdin", "--db", db,
                 stdin="first-admin-pw\n", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"已新建账号 chief（市级管理员）（数据库 {store.path}）。"
    clerk = _cli("users", "add", "sb", "--role", "district", "--district", "市北区", "--district", "李沧区",
                 "--password-stdin", "--db", db, stdin="clerk-pw-123\n", env=env)
    assert clerk.returncode == 0, clerk.stderr
    bad = _cli("users", "add", "x2", "--role", "district", "--district", "劳山区", "--password-stdin", "--db", db,
               stdin="clerk-pw-123\n", env=env)
    assert bad.returncode == 1 and "区市「劳山区」不在配置的区市中" in bad.stderr and not bad.stdout
    listed = _cli("users", "list", "--json", "--db", db, env=env)
    assert [(a["login"], a["role"], a["districts"], a["active"]) for a in json.loads(listed.stdout)] == [
        ("chief", "city", [], True), ("sb", "district", ["市北区", "李沧区"], True)]
    assert _cli("users", "passwd", "sb", "--password-stdin", "--db", db, stdin="new-clerk-pw\n",
                env=env).returncode == 0
    assert _cli("users", "disable", "sb", "--db", db, env=env).returncode == 0
    assert not accounts.get_account(store, "sb").active
    with pytest.raises(accounts.LoginRefused, match="已停用"):
        accounts.authenticate(store, "sb", "new-clerk-pw")
    missing = _cli("users", "disable", "ghost", "--db", db, env=env)
    assert missing.returncode == 1 and "账号 ghost 不存在" in missing.stderr
    me = getpass.getuser()
    changes = [(e.user, e.role, e.action, e.outcome) for e in audit.entries(store) if e.action != "login_failed"]
    assert changes == [(me, "operator", "account_created", "accepted"), (me, "operator", "account_created", "accepted"),
                       (me, "operator", "account_created", "refused"), (me, "operator", "password_changed", "accepted"),
                       (me, "operator", "account_disabled", "accepted"), (me, "operator", "account_disabled", "refused")]


# ------------------------------------------------------------------ a write and its audit entry: both or neither
def _fail_accepted_entries(monkeypatch):
    """audit.append fails (as on a full disk) for every accepted entry; refusals are still written."""
    real = audit.append

    def append(con, actor, action, outcome="accepted", **fields):
        if outcome == "accepted":
            raise StoreUnavailable("磁盘空间不足，无法写入数据库。")
        return real(con, actor, action, outcome, **fields)

    monkeypatch.setattr(audit, "append", append)


@pytest.mark.parametrize("replace", [False, True])
def test_an_import_whose_audit_entry_cannot_be_written_is_not_stored(store, actors, tmp_path, monkeypatch,
                                                                     replace):
    ledger = read(shibei_ledger(tmp_path))
    if replace:
        writes.import_ledger(store, ledger, actors["city1"])
    before = store.snapshots(include_inactive=True).values.tolist()
    version = store.version()
    _fail_accepted_entries(monkeypatch)
    with pytest.raises(StoreUnavailable):
        writes.import_ledger(store, ledger, actors["city1"], replace=replace)
    assert store.snapshots(include_inactive=True).values.tolist() == before
    assert store.version() == version
    last = audit.entries(store)[-1]
    assert (last.action, last.outcome, last.reason) == ("replace" if replace else "import", "refused",
                                                        "磁盘空间不足，无法写入数据库。")
    assert audit.verify(store).ok


def test_a_restore_whose_audit_entry_cannot_be_written_is_not_applied(store, actors, tmp_path, monkeypatch):
    ledger = read(shibei_ledger(tmp_path))
    writes.import_ledger(store, ledger, actors["city1"])
    writes.import_ledger(store, ledger, actors["city1"], replace=True)
    before = store.snapshots(include_inactive=True)[["snapshot_id", "active"]].values.tolist()
    _fail_accepted_entries(monkeypatch)
    with pytest.raises(StoreUnavailable):
        writes.restore_snapshot(store, 1, actors["city1"])
    assert store.snapshots(include_inactive=True)[["snapshot_id", "active"]].values.tolist() == before
    assert [(e.action, e.outcome) for e in audit.entries(store)][-1] == ("restore", "refused")


def test_an_import_that_fails_leaves_no_accepted_entry(store, actors, tmp_path, monkeypatch):
    ledger = read(shibei_ledger(tmp_path))

    def broken_rows(*args, **kwargs):   # the store fails while writing the communities' rows
        raise StoreUnavailable("读写数据库文件时发生磁盘错误。")

    monkeypatch.setattr(f"{type(store).__module__}._totals", broken_rows)   # loaders.store or loaders.store_pg
    with pytest.raises(StoreUnavailable):
        writes.import_ledger(store, ledger, actors["city1"])
    assert store.snapshots(include_inactive=True).empty
    assert [(e.action, e.outcome, e.reason) for e in audit.entries(store) if e.action == "import"] == [
        ("import", "refused", "读写数据库文件时发生磁盘错误。")]
