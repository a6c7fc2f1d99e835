"""Shared by the accounts, audit and auth tests: fast login settings, accounts, tiny ledgers."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

import ledger_builders as lb  # noqa: E402

PASSWORD = "correct-horse-9"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES = {  # login -> (role, districts)
    "city1": ("city", ()),
    "shibei1": ("district", ("市北区",)),
    "viewer1": ("viewer", ()),
}


def fast_settings(tmp_path: Path, extra: str = "") -> Path:
    """A settings file with a short login delay (the lock rule itself unchanged): no [store] path, so the
    store stays the one LEDGER_DB names."""
    import hashlib

    # a name per content: loaders.config caches each settings file by its path
    path = tmp_path / f"settings-{hashlib.sha256(extra.encode()).hexdigest()[:8]}.toml"
    path.write_text(f"[auth]\ndelay_s = 0.01\nmax_delay_s = 0.02\n{extra}", encoding="utf-8")
    return path


def add_accounts(store) -> dict:
    """The three role accounts of ROLES in `store`, created as the operator; returns login -> Actor."""
    from loaders import accounts

    out = {}
    for login, (role, districts) in ROLES.items():
        out[login] = accounts.create_account(store, accounts.operator(), login, role, districts, PASSWORD).actor()
    return out


def shibei_ledger(folder: Path, *, foreign: bool = False, name: str = "市北区.xlsx") -> Path:
    """A 市北区 ledger 截至2023年6月30日 (three communities); `foreign`: two 市南区 rows added at Excel rows 7, 8."""
    rows = lb.standard_rows()
    if foreign:
        rows += [lb.row(4, "SN-001", "八大峡小区", "市南区", lon=None, lat=None),
                 lb.row(5, "SN-002", "观海路小区", "市南区", lon=None, lat=None)]
    return lb.write_xlsx(folder / name, {"市北区": lb.standard_sheet(rows)})


def read(path: Path):
    from loaders.reader import read_ledger

    return read_ledger(path, source_name=path.name)


def log_in(at, login: str, password: str = PASSWORD):
    """Fill the sidebar login form of a running AppTest and submit it."""
    at.text_input(key="auth_sidebar_form_login").set_value(login)
    at.text_input(key="auth_sidebar_form_password").set_value(password)
    at.button(key="FormSubmitter:auth_sidebar_form-登录").click().run()
    return at


def city_login(at, store, login: str = "admin1"):
    """Create a city administrator in `store` (if missing) and log in with it."""
    from loaders import accounts

    if accounts.get_account(store, login) is None:
        accounts.create_account(store, accounts.operator(), login, "city", (), PASSWORD)
    return log_in(at, login)


def browser_login(page, db, login: str = "admin1", password: str = PASSWORD, *, role: str = "city",
                  districts=()) -> None:
    """Create the account in the store at `db` (a SQLite path or a postgresql:// URL; if missing) and log in
    through the sidebar form in Chromium."""
    import time

    from loaders import accounts
    from loaders.stores import open_store

    store = open_store(db)
    if accounts.get_account(store, login) is None:
        accounts.create_account(store, accounts.operator(), login, role, districts, password)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("登录（上传台账需要登录）").click()
    sidebar.get_by_label("用户名").fill(login)
    sidebar.get_by_label("密码").fill(password)
    sidebar.get_by_role("button", name="登录").click()
    sidebar.get_by_role("button", name="退出").wait_for(timeout=60_000)
    time.sleep(0.5)


# Fixtures shared by the accounts and audit tests (imported there): fast hashing settings, and a store on
# either engine (pg_fixtures.either_store).
@pytest.fixture(autouse=True)
def fast_auth_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_SETTINGS", str(fast_settings(tmp_path)))
    monkeypatch.delenv("LEDGER_DB", raising=False)


@pytest.fixture
def store(either_store):
    return either_store
