"""Single sign-on end to end: a real OpenID Connect provider (npm oidc-provider, tests/oidc/provider.mjs) and
`streamlit run` on loopback, headless Chromium through Streamlit's own st.login. The provider's claims map to
role and districts ([auth.oidc] in settings), the district rule holds for a single-sign-on clerk, the login is in
the audit log, and a provider that is down gets a Chinese message.

Needs node and `npm ci` in tests/oidc (scripts/install_test_deps.sh). Run: pytest -m browser tests/test_auth_oidc.py
"""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import pytest

from auth_support import read, shibei_ledger
from test_auth_browser import XLSX, streamlit_server
from streamlit_server import free_port
from test_browser import ROOT, SHOT_DIR, browser, settle  # noqa: F401

pytestmark = pytest.mark.browser
OIDC = ROOT / "tests" / "oidc"
CLIENT_ID, CLIENT_SECRET = "ledger-dashboard", "test-only-client-secret"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (OIDC / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the OIDC tests need node and tests/oidc/node_modules: run scripts/install_test_deps.sh")
    folder = tmp_path_factory.mktemp("oidc")
    port, app_port = free_port(), free_port()
    log = open(folder / "provider.log", "w")
    proc = subprocess.Popen([node, str(OIDC / "provider.mjs"), str(port), CLIENT_ID, CLIENT_SECRET,
                             f"http://127.0.0.1:{app_port}/oauth2callback"], stdout=log, stderr=subprocess.STDOUT)
    metadata = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(metadata, timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"oidc-provider exited: {(folder / 'provider.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield type("Provider", (), {"proc": proc, "metadata": metadata, "app_port": app_port, "folder": folder})
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def app(provider):
    from loaders import accounts, writes
    from loaders.store import LedgerStore

    folder = provider.folder
    secrets = folder / "secrets.toml"
    secrets.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{provider.app_port}/oauth2callback"
cookie_secret = "test-only-cookie-secret-0123456789"

[auth.bureau]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.metadata}"
client_kwargs = {{ scope = "openid profile ledger", prompt = "login" }}
''', encoding="utf-8")
    settings = folder / "settings.toml"
    settings.write_text('''[auth]
mode = "oidc"

[auth.oidc]
provider = "bureau"
roles = { "housing-city-admin" = "city", "housing-district-clerk" = "district" }
''', encoding="utf-8")
    store = LedgerStore(folder / "ledger.sqlite")
    import ledger_builders as lb

    nanqu = lb.write_xlsx(folder / "市南区.xlsx", {"市南区": lb.standard_sheet(
        [lb.row(1, "SN-1", "八大峡小区", "市南区", lon=None, lat=None)])})
    writes.import_ledger(store, read(nanqu), accounts.operator())
    env = {"LEDGER_DB": str(store.path), "LEDGER_SETTINGS": str(settings), "STREAMLIT_SECRETS_FILES": str(secrets)}
    with streamlit_server(folder, env, port=provider.app_port) as server:
        server.store, server.folder = store, folder
        yield server


def _sign_in(page, login: str) -> None:
    """oidc-provider's development login page (any password), then its consent page."""
    page.locator('input[name="login"]').wait_for(timeout=60_000)
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any-password")
    page.locator('button[type="submit"]').click()
    consent = page.locator('button[type="submit"]', has_text="Continue")
    try:
        consent.wait_for(timeout=10_000)
        consent.click()
    except Exception:  # noqa: BLE001 - consent already given in this browser profile
        pass


def test_single_sign_on_maps_claims_and_the_district_rule_holds(browser, provider, app):  # noqa: F811
    from loaders import audit

    page = browser.new_page()
    page.goto(app.url, timeout=60_000)
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("登录（上传台账需要登录）").click()
    sidebar.get_by_role("button", name="统一身份认证登录").click()
    _sign_in(page, "sso-shibei")
    page.wait_for_url(f"{app.url}/**", timeout=60_000)
    settle(page)
    sidebar.get_by_role("button", name="退出").wait_for(timeout=60_000)
    assert "sso-shibei · 区市填报员（市北区）" in sidebar.inner_text()
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT_DIR / "22_sso_logged_in.png"))

    page.locator('[data-testid="stSidebarNavLink"]', has_text="台账").first.click()
    settle(page)
    mixed = shibei_ledger(app.folder, foreign=True, name="市北区_混入.xlsx")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": mixed.name, "mimeType": XLSX, "buffer": mixed.read_bytes()}])
    page.get_by_text("只能报送市北区的台账", exact=False).wait_for(timeout=60_000)
    assert app.store.snapshots()["district"].tolist() == ["市南区"]
    entries = [(e.user, e.role, e.districts, e.action, e.outcome) for e in audit.entries(app.store)]
    assert entries[-2:] == [("sso-shibei", "district", ("市北区",), "login", "accepted"),
                            ("sso-shibei", "district", ("市北区", "市南区"), "check", "refused")]
    assert audit.entries(app.store)[-2].detail == {"via": "oidc"}
    page.close()


def test_an_identity_provider_that_is_down_gets_a_chinese_message(browser, provider, app):  # noqa: F811
    provider.proc.terminate()
    provider.proc.wait(timeout=10)
    other = browser.browser.new_context() if getattr(browser, "browser", None) else None
    page = (other or browser).new_page()
    page.context.clear_cookies()
    page.goto(app.url, timeout=60_000)
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("登录（上传台账需要登录）").click()
    sidebar.get_by_role("button", name="统一身份认证登录").click()
    sidebar.get_by_text("统一身份认证服务暂时无法连接", exact=False).wait_for(timeout=30_000)
    assert page.url.startswith(app.url)
    page.screenshot(path=str(SHOT_DIR / "23_sso_provider_down.png"))
    assert app.store.snapshots()["district"].tolist() == ["市南区"]
    page.close()
