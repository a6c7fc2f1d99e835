"""Logging in and the district rule in a real browser: headless Chromium against `streamlit run` on loopback, on a
small store. A clerk logs in through the sidebar form, a file holding another district's rows is refused on the
page with nothing stored, the clerk's own file is imported, 退出 logs out.

Run: pytest -m browser tests/test_auth_browser.py
"""
from __future__ import annotations

import os

import pytest

from auth_support import PASSWORD, add_accounts, fast_settings, read, shibei_ledger
from streamlit_server import streamlit_server
from test_browser import SHOT_DIR, Monitor, assert_page_is_clean, browser, go, settle  # noqa: F401

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from loaders import accounts, writes
    from loaders.store import LedgerStore

    folder = tmp_path_factory.mktemp("auth-browser")
    settings = fast_settings(folder)
    os.environ["LEDGER_SETTINGS"] = str(settings)     # for the accounts created here (restored below)
    try:
        store = LedgerStore(folder / "ledger.sqlite")
        add_accounts(store)
        import ledger_builders as lb

        nanqu = lb.write_xlsx(folder / "市南区.xlsx", {"市南区": lb.standard_sheet(
            [lb.row(1, "SN-1", "八大峡小区", "市南区", lon=None, lat=None)])})
        writes.import_ledger(store, read(nanqu), accounts.operator())
    finally:
        os.environ.pop("LEDGER_SETTINGS", None)
    with streamlit_server(folder, {"LEDGER_DB": str(store.path), "LEDGER_SETTINGS": str(settings)}) as server:
        server.store, server.folder = store, folder
        yield server


def _state(store) -> list:
    return sorted(store.snapshots(include_inactive=True)[["snapshot_id", "district", "active"]].values.tolist())


def test_a_clerk_logs_in_is_refused_another_districts_rows_imports_own_and_logs_out(browser, small):  # noqa: F811
    page = browser.new_page()
    monitor = Monitor(page)
    page.goto(small.url, timeout=60_000)
    settle(page)
    go(page, "台账")
    main = page.locator('[data-testid="stMain"]')
    assert "上传台账需要以市级管理员或区市填报员的账号登录" in main.inner_text()
    assert page.locator('[data-testid="stFileUploader"]').count() == 0

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("登录（上传台账需要登录）").click()
    sidebar.get_by_label("用户名").fill("shibei1")
    sidebar.get_by_label("密码").fill("not-the-password")
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_text("用户名或密码不正确。").wait_for(timeout=30_000)
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT_DIR / "20_login_refused.png"))
    sidebar.get_by_label("用户名").fill("shibei1")
    sidebar.get_by_label("密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_role("button", name="退出").wait_for(timeout=60_000)
    settle(page)
    assert "shibei1 · 区市填报员（市北区）" in sidebar.inner_text()

    before = _state(small.store)
    mixed = shibei_ledger(small.folder, foreign=True, name="市北区_混入.xlsx")
    file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    file_input.set_input_files(files=[{"name": mixed.name, "mimeType": XLSX, "buffer": mixed.read_bytes()}])
    page.get_by_text("只能报送市北区的台账", exact=False).wait_for(timeout=60_000)
    settle(page)
    text = main.inner_text()
    assert "市南区2个小区（工作表「市北区」第7、8行）" in text and "数据库未作任何改动" in text
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert _state(small.store) == before
    page.screenshot(path=str(SHOT_DIR / "21_clerk_refused.png"))

    own = shibei_ledger(small.folder)
    file_input.set_input_files(files=[{"name": own.name, "mimeType": XLSX, "buffer": own.read_bytes()}])
    page.get_by_role("button", name="确认导入").wait_for(timeout=60_000)
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入「市北区.xlsx」", exact=False).wait_for(timeout=60_000)
    settle(page)
    assert [d for _, d, a in _state(small.store) if a] == ["市南区", "市北区"]

    sidebar.get_by_role("button", name="退出").click()
    sidebar.get_by_text("登录（上传台账需要登录）").wait_for(timeout=30_000)
    settle(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    from loaders import audit

    assert [(e.user, e.action, e.outcome) for e in audit.entries(small.store)][-6:] == [
        ("shibei1", "login_failed", "refused"), ("shibei1", "login", "accepted"), ("shibei1", "check", "refused"),
        ("shibei1", "check", "accepted"), ("shibei1", "import", "accepted"), ("shibei1", "logout", "accepted")]
    assert_page_is_clean(page, monitor, "clerk")
    page.close()
