"""The role x action matrix through the dashboard (AppTest): what each role can do on the pages, that a refused
write changes nothing, the login form's messages, idle timeout, the admin-only pages; the 报送 page and the
overview marking on the sample history."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth_support import PASSWORD, XLSX, add_accounts, fast_settings, log_in, read, shibei_ledger
from loaders import accounts, audit, writes
from loaders.store import LedgerStore
from test_pages import fresh_caches  # noqa: F401 (autouse: both caches cleared around every test)

APP = Path(__file__).resolve().parents[1] / "dashboard.py"
LEDGER = "views/ledger.py"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A small store with one 市南区 snapshot (#1) replaced by #2, and the three role accounts."""
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path)))
    monkeypatch.setenv("LEDGER_DB", str(tmp_path / "ledger.sqlite"))
    store = LedgerStore(tmp_path / "ledger.sqlite")
    add_accounts(store)
    import ledger_builders as lb

    nanqu = lb.write_xlsx(tmp_path / "市南区.xlsx", {"市南区": lb.standard_sheet(
        [lb.row(1, "SN-1", "八大峡小区", "市南区", lon=None, lat=None)])})
    writes.import_ledger(store, read(nanqu), accounts.operator())
    writes.import_ledger(store, read(nanqu), accounts.operator(), replace=True)
    return store


def app(page: str = LEDGER, login: str | None = None, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if login:
        log_in(at, login, password)
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, path: Path) -> AppTest:
    at.file_uploader[0].set_value((path.name, path.read_bytes(), XLSX)).run()
    return at


def state(store) -> list:
    return sorted(store.snapshots(include_inactive=True)[["snapshot_id", "district", "active"]].values.tolist())


def labels(at: AppTest, kind: str) -> list[str]:
    return [w.label for w in at.get(kind)]


# --------------------------------------------------------------------------------------------- the matrix
@pytest.mark.parametrize("login", [None, "viewer1"], ids=["anonymous", "viewer"])
def test_readers_are_offered_no_write_and_see_why(store, login):
    at = app(login=login)
    assert not at.get("file_uploader")
    assert any("上传台账需要以市级管理员或区市填报员的账号登录" in i.value for i in at.info)
    assert "撤回快照" not in labels(at, "selectbox") and "恢复快照" not in labels(at, "selectbox")
    assert not at.checkbox and not [b.key for b in at.button if b.key.startswith(
        ("upload", "FormSubmitter:withdraw_form", "FormSubmitter:restore_form"))]
    before = state(store)
    at.switch_page("views/overview.py").run()
    assert not at.exception and state(store) == before
    # what the server does when this session's user calls the write functions anyway (a crafted request)
    actor = at.session_state["_auth_actor"] if login else None
    assert (actor.role if actor else None) == ("viewer" if login else None)
    ledger = read(store.path.parent / "市南区.xlsx")
    assert (writes.check_ledger(store, ledger, actor) or "").startswith("账号 viewer1（查看） 无权" if login else "请先登录")
    for write in (lambda: writes.import_ledger(store, ledger, actor),
                  lambda: writes.import_ledger(store, ledger, actor, replace=True),
                  lambda: writes.withdraw_snapshot(store, 2, actor),
                  lambda: writes.restore_snapshot(store, 1, actor)):
        with pytest.raises(accounts.NotAuthorized):
            write()
    assert state(store) == before
    assert [(e.user, e.outcome) for e in audit.entries(store)[-5:]] == [(login or "（未登录）", "refused")] * 5


def test_a_clerk_session_cannot_withdraw_or_restore_another_districts_snapshot(store, tmp_path):
    at = app(login="shibei1")
    upload(at, shibei_ledger(tmp_path))
    at.button(key="upload_confirm").click().run()
    upload(at, shibei_ledger(tmp_path))
    at.checkbox(key="upload_replace").check().run()
    at.button(key="upload_confirm").click().run()            # 市北区 #3 replaced by #4
    assert [o.split(" ")[0] for o in at.selectbox(key="withdraw_choice").options] == ["#4"]
    assert "恢复快照" not in labels(at, "selectbox")
    actor = at.session_state["_auth_actor"]
    before = state(store)
    with pytest.raises(accounts.NotAuthorized, match="市南区"):
        writes.withdraw_snapshot(store, 2, actor)             # 市南区's snapshot
    for snapshot_id in (1, 3):                                # 市南区's older version, and the clerk's own
        with pytest.raises(accounts.NotAuthorized):
            writes.restore_snapshot(store, snapshot_id, actor)
    assert state(store) == before


@pytest.mark.parametrize("login,form", [("shibei1", "withdraw"), ("city1", "restore")])
def test_an_account_disabled_during_a_session_is_refused_at_its_next_withdraw_or_restore(store, tmp_path,
                                                                                        login, form):
    writes.import_ledger(store, read(shibei_ledger(tmp_path)), accounts.operator())   # 市北区 #3
    at = app(login=login)
    accounts.set_active(store, accounts.operator(), login, False)
    before = state(store)
    choice = at.selectbox(key=f"{form}_choice")
    choice.set_value(next(o for o in choice.options if o.startswith("#3 " if form == "withdraw" else "#1 ")))
    at.button(key=f"FormSubmitter:{form}_form-{'撤回' if form == 'withdraw' else '恢复'}").click().run()
    assert any(f"账号 {login} 已停用或不存在" in e.value for e in at.error), [e.value for e in at.error]
    assert state(store) == before
    assert [(e.user, e.action, e.outcome) for e in audit.entries(store)][-1] == (login, form, "refused")


def test_a_clerk_imports_and_replaces_own_district_only(store, tmp_path):
    at = app(login="shibei1")
    assert any("shibei1" in m.value and "区市填报员" in m.value for m in at.sidebar.markdown)
    path = shibei_ledger(tmp_path)
    upload(at, path)
    at.button(key="upload_confirm").click().run()
    assert [d for _, d, a in state(store) if a] == ["市南区", "市北区"]
    upload(at, path)                                         # same date again: replace own
    at.checkbox(key="upload_replace").check().run()
    at.button(key="upload_confirm").click().run()
    assert [(d, a) for _, d, a in state(store)] == [("市南区", False), ("市南区", True), ("市北区", False),
                                                  ("市北区", True)]
    # 市南区's ledger (same date: a replace) is not the clerk's: refused, naming the district and the row
    before = state(store)
    upload(at, tmp_path / "市南区.xlsx")
    errors = [e.value for e in at.error]
    assert any("只能报送市北区的台账" in e and "市南区1个小区（工作表「市南区」第4行）" in e for e in errors), errors
    assert "upload_confirm" not in [b.key for b in at.button]
    assert state(store) == before
    # withdraw: only the clerk's own snapshots are offered; restore is not offered at all
    withdraw = at.selectbox(key="withdraw_choice")
    assert [o.split(" ")[1] for o in withdraw.options] == ["市北区"]
    assert "恢复快照" not in labels(at, "selectbox")
    withdraw.set_value(withdraw.options[0])
    at.button(key="FormSubmitter:withdraw_form-撤回").click().run()
    assert [d for _, d, a in state(store) if a] == ["市南区"]
    assert [(e.user, e.action, e.outcome) for e in audit.entries(store)][-1] == ("shibei1", "withdraw", "accepted")


def test_a_clerk_mixed_file_is_refused_with_nothing_stored(store, tmp_path):
    at = app(login="shibei1")
    before = state(store)
    upload(at, shibei_ledger(tmp_path, foreign=True))
    message = next(e.value for e in at.error if "只能报送" in e.value)
    assert "市南区2个小区（工作表「市北区」第7、8行）" in message and "数据库未作任何改动" in message
    assert "upload_confirm" not in [b.key for b in at.button]
    assert state(store) == before
    last = audit.entries(store)[-1]
    assert (last.user, last.action, last.outcome, last.file_name, last.reason) == \
        ("shibei1", "check", "refused", "市北区.xlsx", message)


def test_a_city_administrator_replaces_withdraws_and_restores_any_district(store, tmp_path):
    at = app(login="city1")
    upload(at, tmp_path / "市南区.xlsx")
    at.checkbox(key="upload_replace").check().run()
    at.button(key="upload_confirm").click().run()
    assert [(i, a) for i, _, a in state(store)] == [(1, False), (2, False), (3, True)]
    withdraw = at.selectbox(key="withdraw_choice")
    withdraw.set_value(next(o for o in withdraw.options if o.startswith("#3 ")))
    at.button(key="FormSubmitter:withdraw_form-撤回").click().run()
    assert [a for _, _, a in state(store)] == [False, False, False]
    assert any("已撤回快照#3" in s.value for s in at.success)
    restore = at.selectbox(key="restore_choice")
    restore.set_value(next(o for o in restore.options if o.startswith("#1 ")))
    at.button(key="FormSubmitter:restore_form-恢复").click().run()
    assert [(i, a) for i, _, a in state(store)] == [(1, True), (2, False), (3, False)]
    assert [(e.action, e.outcome) for e in audit.entries(store)][-3:] == [
        ("replace", "accepted"), ("withdraw", "accepted"), ("restore", "accepted")]


@pytest.mark.parametrize("login", [None, "viewer1", "shibei1"], ids=["anonymous", "viewer", "clerk"])
def test_admin_pages_are_not_in_the_navigation_of_others_and_refuse_when_run(store, login):
    at = app(page="", login=login)
    for page in ("views/accounts.py", "views/audit.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("views/reporting.py").run()
    assert not at.exception and "## 报送 · 各区市周报情况" in [m.value for m in at.markdown]
    for page, words in (("accounts.py", "只有市级管理员可以管理账号。"), ("audit.py", "只有市级管理员可以查看审计记录。")):
        alone = AppTest.from_file(str(APP.parent / "views" / page), default_timeout=60).run()   # without the frame
        assert [w.value for w in alone.warning] == [words] and not alone.dataframe


def test_a_city_administrator_manages_accounts_on_the_page_and_reads_the_audit(store):
    at = app(page="views/accounts.py", login="city1")
    table = at.dataframe[0].value
    assert table[["用户名", "角色", "区市", "状态"]].values.tolist() == [
        ["city1", "市级管理员", "全市", "正常"], ["shibei1", "区市填报员", "市北区", "正常"],
        ["viewer1", "查看", "全市", "正常"]]
    assert [m.proto.placeholder for m in at.main.multiselect] == ["选择区市", "选择区市"]   # never "Choose options"
    at.text_input(key="new_login").set_value("licang1")
    at.selectbox(key="new_role").set_value("区市填报员")
    at.multiselect(key="new_districts").set_value(["李沧区"])
    at.text_input(key="new_password").set_value("licang-pass-1")
    at.button(key="FormSubmitter:account_create-新建").click().run()
    assert any("已新建账号 licang1" in s.value for s in at.success)
    assert accounts.get_account(store, "licang1").districts == ("李沧区",)
    at.selectbox(key="change_login").set_value("shibei1")
    at.radio(key="change_action").set_value("停用")
    at.button(key="FormSubmitter:account_change-确定").click().run()
    assert not accounts.get_account(store, "shibei1").active
    at.selectbox(key="change_login").set_value("city1")                    # not one's own account
    at.radio(key="change_action").set_value("停用")
    at.button(key="FormSubmitter:account_change-确定").click().run()
    assert any("不能停用自己正在使用的账号" in e.value for e in at.error) and accounts.get_account(store, "city1").active
    at.switch_page("views/audit.py").run()
    assert not at.exception
    assert at.success[0].value.startswith("审计记录链完整")
    assert [m.proto.placeholder for m in at.main.multiselect] == ["全部用户", "全部区市", "全部操作"]
    shown = at.dataframe[0].value
    assert shown.iloc[0][["用户", "操作", "结果", "原因"]].tolist() == ["city1", "停用账号", "拒绝", "不能停用自己正在使用的账号。"]
    at.multiselect(key="audit_actions").set_value(["新建账号"]).run()
    assert at.dataframe[0].value["账号"].tolist() == ["licang1", "viewer1", "shibei1", "city1"]
    at.multiselect(key="audit_actions").set_value([]).run()
    at.multiselect(key="audit_districts").set_value(["市南区"]).run()
    assert set(at.dataframe[0].value["操作"]) == {"导入", "替换"}
    assert at.get("download_button")[0].proto.label == "下载 Excel"


# ------------------------------------------------------------------------------------- logging in and out
def test_login_form_messages_and_logout(store):
    at = app(page="")
    assert labels(at, "text_input")[:2] == ["用户名", "密码"]
    log_in(at, "city1", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    accounts.set_active(store, accounts.operator(), "viewer1", False)
    log_in(at, "viewer1")
    assert [e.value for e in at.error] == ["账号 viewer1 已停用，不能登录；请联系市级管理员。"]
    log_in(at, "city1")
    assert not at.error
    assert any(m.value == "**city1** · 市级管理员" for m in at.sidebar.markdown)
    at.button(key="auth_logout").click().run()
    assert not any("city1" in m.value for m in at.sidebar.markdown)
    assert [(e.user, e.action) for e in audit.entries(store)][-2:] == [("city1", "login"), ("city1", "logout")]


class _Clock:
    """ui.auth's clock, moved on by the test: a slow machine must not expire the session before the first check."""

    def __init__(self):
        self.ahead = 0.0

    def time(self) -> float:
        return time.time() + self.ahead


def test_a_session_expires_after_the_idle_time(store, tmp_path, monkeypatch):
    import ui.auth

    clock = _Clock()
    monkeypatch.setattr(ui.auth, "time", clock)
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path, "idle_timeout_minutes = 2\n")))
    at = app(login="shibei1")
    clock.ahead = 100                       # within the two minutes: still logged in
    at.run()
    assert at.get("file_uploader")
    clock.ahead = 100 + 121                 # then idle for more than two minutes
    at.run()
    assert not at.get("file_uploader")
    assert [e.value for e in at.error] == ["登录已超时（2分钟未操作），请重新登录。"]
    assert [(e.user, e.action, e.reason) for e in audit.entries(store)][-1] == \
        ("shibei1", "logout", "登录已超时（2分钟未操作），请重新登录。")


def test_an_account_disabled_during_a_session_cannot_import(store, tmp_path):
    at = app(login="shibei1")
    accounts.set_active(store, accounts.operator(), "shibei1", False)
    before = state(store)
    upload(at, shibei_ledger(tmp_path))
    assert any("账号 shibei1 已停用或不存在" in e.value for e in at.error)
    assert state(store) == before


def test_viewing_can_require_a_login(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path, "require_login_to_view = true\n")))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert "### 请登录" in [m.value for m in at.markdown] and not at.get("plotly_chart")
    at.text_input(key="auth_page_form_login").set_value("viewer1")
    at.text_input(key="auth_page_form_password").set_value(PASSWORD)
    at.button(key="FormSubmitter:auth_page_form-登录").click().run()
    assert "## 总览 · 周调度" in [m.value for m in at.markdown]


# ------------------------------------------------------------------------------------- 报送 on the sample
def test_reporting_page_and_overview_mark_laixi_on_the_sample(sample_db, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "sample.sqlite"
    shutil.copyfile(sample_db, copy)
    monkeypatch.setenv("LEDGER_DB", str(copy))
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path)))
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params["batch"] = "2022"
    at.query_params["date"] = "2022-05-31"
    at.run()
    assert ("本周（5月30日—6月5日）报送：9个区市按时报送，0个逾期报送，1个未报送：莱西市（数据截至5月20日，图表中为旧台账）。"
            in [c.value for c in at.caption])
    at.switch_page("views/reporting.py").run()
    assert not at.exception
    status = at.dataframe[0].value.set_index("区市")
    assert status.loc["莱西市", ["报送状态", "最近一次报送"]].tolist() == ["未报送", "2022年5月20日"]
    assert status.loc["崂山区", ["报送状态", "收到时间"]].tolist() == ["按时报送", "2022-06-01 16:30"]
    assert [m.value for m in at.metric] == ["9个区市", "0个区市", "1个区市"]
    reminder = at.code[0].value
    assert "以下1个区市尚未报送：莱西市（最近一次报送5月20日）" in reminder
    weeks = at.dataframe[1].value
    assert weeks.loc[1, ["周次", "崂山区"]].tolist() == ["5月23日—5月29日", "逾期1天4小时"]
