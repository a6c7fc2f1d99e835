"""Accounts, roles and the one authorization rule every write path asks (table accounts in the store).

Roles: city (市级管理员) imports for any district, replaces, withdraws and restores snapshots, manages accounts,
reads the audit log; district (区市填报员) checks, imports, replaces and withdraws ledgers of its own districts;
viewer (查看) writes nothing. The command line runs as the machine's operator (role operator, login = the OS user),
who may do what a city administrator may.

Passwords are hashed with Argon2id (argon2-cffi) and never stored, logged or put in an audit entry in clear.
Wrong passwords in a row slow the next tries down and then lock the account for a while ([auth] in settings).
"""
from __future__ import annotations

import functools
import getpass
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from loaders import audit
from loaders.store import StoreError

log = logging.getLogger(__name__)

TABLES = ("accounts", *audit.TABLES)    # what an account change or a login writes (with its audit entry)
ROLES = {"city": "市级管理员", "district": "区市填报员", "viewer": "查看"}
# Only with a province configured (settings [province] file): administers every city, where a city
# administrator is bound to one city (its name kept in the account's districts column).
PROVINCE = "province"
OPERATOR = "operator"
ROLE_LABELS = {PROVINCE: "省级管理员", **ROLES, OPERATOR: "系统操作员"}

# What each role may do; district-bound actions are further limited to the actor's districts.
_ALLOWED = {
    "check": {PROVINCE, "city", "district", OPERATOR},
    "import": {PROVINCE, "city", "district", OPERATOR},
    "replace": {PROVINCE, "city", "district", OPERATOR},
    "withdraw": {PROVINCE, "city", "district", OPERATOR},
    "restore": {PROVINCE, "city", OPERATOR},
    "accounts": {PROVINCE, "city", OPERATOR},
    "audit": {PROVINCE, "city", OPERATOR},
}
_ACTION_WORDS = {"check": "校验台账", "import": "导入台账", "replace": "替换快照", "withdraw": "撤回快照",
                 "restore": "恢复快照", "accounts": "管理账号", "audit": "查看审计记录"}

# The demo store's accounts (named in the README). They are created only in the unconfigured demo store.
DEMO_PASSWORD = "demo2022"
DEMO_ACCOUNTS = (("demo-admin", "city", ()), ("demo-shibei", "district", ("市北区",)), ("demo-viewer", "viewer", ()))

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a login does not exist, so that an unknown name takes as long as a wrong password.
    Made at the first login, not at import: hashing costs a seventh of a second, which every dashboard process
    would otherwise add to its first page."""
    return _hasher.hash("not a password of anyone")

# The table is made by the store (loaders.store, loaders.store_pg); its SQL here runs on both engines.
_COLUMNS = ["login", "role", "districts", "active", "demo", "failed_logins", "locked_until", "created_at",
            "updated_at"]


class AccountError(StoreError):
    """An account operation or a login was refused; str(exc) is one Chinese sentence for the user."""


class NotAuthorized(AccountError):
    """The acting user may not do this. Nothing was written."""


class LoginRefused(AccountError):
    """Wrong name or password, a disabled or locked account."""


@dataclass(frozen=True)
class Actor:
    """Who does something: a logged-in account, a single-sign-on user or the machine's operator."""
    login: str
    role: str
    districts: tuple[str, ...] = ()
    via: str = "builtin"            # builtin | oidc | os

    @property
    def label(self) -> str:
        where = f"，{'、'.join(self.districts)}" if self.role in ("city", "district") and self.districts else ""
        return f"{self.login}（{ROLE_LABELS.get(self.role, self.role)}{where}）"

    def covers(self, district: str) -> bool:
        if self.role in (PROVINCE, OPERATOR):
            return True
        if self.role == "city":
            return _city_covers(self.districts, district)
        return self.role == "district" and district in self.districts


def _city_covers(cities: tuple[str, ...], district: str) -> bool:
    """A city administrator's reach: the whole configured city, or at province level its own city's districts
    (one without a city, made before the province was configured, reaches none until one is set)."""
    from loaders import config

    return not config.is_province() or config.city_of(district) in cities


def visible_cities(actor: Actor | None) -> list[str]:
    """The cities whose data `actor` may see (all configured ones for a visitor, a viewer, the province and the
    operator; a city administrator its city; a district clerk the cities of its districts)."""
    from loaders import config

    cities = config.city_names()
    if actor is None or actor.role in (PROVINCE, OPERATOR, "viewer"):
        return cities
    if actor.role == "city":
        return cities if not config.is_province() else [c for c in cities if c in actor.districts]
    own = {config.city_of(d) for d in actor.districts}
    return [c for c in cities if c in own]


def operator() -> Actor:
    """The command line's actor: the operating-system user running it."""
    return Actor(getpass.getuser(), OPERATOR, (), "os")


@dataclass(frozen=True)
class Account:
    login: str
    role: str
    districts: tuple[str, ...]
    active: bool
    demo: bool
    failed_logins: int
    locked_until: str
    created_at: str
    updated_at: str

    def actor(self) -> Actor:
        return Actor(self.login, self.role, self.districts, "builtin")

    def to_dict(self) -> dict:
        return {"login": self.login, "role": self.role, "role_label": ROLE_LABELS.get(self.role, self.role),
                "districts": list(self.districts), "active": self.active, "demo": self.demo,
                "locked_until": self.locked_until or None, "created_at": self.created_at,
                "updated_at": self.updated_at}


def _settings() -> dict:
    from loaders import config

    return config.settings().get("auth", {})


def _now() -> datetime:
    return audit.now()


def actor_from_claims(claims: dict, oidc: dict) -> Actor:
    """A single-sign-on user from the ID token's claims, as [auth.oidc] maps them: the login from login_claim
    (else email, else sub), the strongest role whose value role_claim holds (a string or a list), the districts
    from districts_claim (a list, or a text split at , or 、). No mapped role, or a clerk without districts: 查看."""
    login = str(claims.get(oidc.get("login_claim", "preferred_username")) or claims.get("email")
                or claims.get("sub") or "")
    raw_role = claims.get(oidc.get("role_claim", "ledger_role"))
    values = raw_role if isinstance(raw_role, list) else [raw_role]
    mapping = oidc.get("roles", {})
    granted = {mapping[str(v)] for v in values if str(v) in mapping}
    role = next((r for r in roles() if r in granted), "viewer")   # roles(): strongest first
    raw = claims.get(oidc.get("districts_claim", "ledger_districts")) or []
    if isinstance(raw, str):
        raw = raw.replace("、", ",").split(",")
    districts = tuple(d for d in dict.fromkeys(str(d).strip() for d in raw) if d)
    if role == "district" and not districts:
        role = "viewer"
    from loaders import config

    # at province level a city administrator's claim names its city (Actor.covers)
    bound = role == "district" or (role == "city" and config.is_province())
    return Actor(login, role, districts if bound else (), "oidc")


# --------------------------------------------------------------------------------------------- authorization
def permitted(actor: Actor | None, action: str, districts=()) -> bool:
    if actor is None or actor.role not in _ALLOWED.get(action, set()):
        return False
    return all(actor.covers(d) for d in districts)


def authorize(store, actor: Actor | None, action: str, districts=()) -> Actor:
    """The rule every write path asks before writing: raises NotAuthorized (Chinese) unless `actor` may do
    `action` on all of `districts`. A built-in account is read again from the store, so an account disabled or
    changed meanwhile is refused at once, whatever its dashboard session still holds."""
    if actor is None:
        raise NotAuthorized(f"请先登录：{_ACTION_WORDS[action]}需要登录，未登录时只能查看。")
    if actor.via == "builtin":
        account = get_account(store, actor.login)
        if account is None or not account.active:
            raise NotAuthorized(f"账号 {actor.login} 已停用或不存在，不能{_ACTION_WORDS[action]}；请联系市级管理员。")
        actor = account.actor()
    if actor.role not in _ALLOWED[action]:
        raise NotAuthorized(f"账号 {actor.label} 无权{_ACTION_WORDS[action]}。")
    outside = [d for d in dict.fromkeys(districts) if not actor.covers(d)]
    if outside:
        raise NotAuthorized(f"账号 {actor.label} 只能{_ACTION_WORDS[action]}{'、'.join(actor.districts)}的台账，"
                            f"不能{_ACTION_WORDS[action]}{'、'.join(outside)}的。")
    return actor


# ------------------------------------------------------------------------------------------------- reading
def _account(row: tuple) -> Account:
    v = dict(zip(_COLUMNS, row))
    return Account(v["login"], v["role"], tuple(json.loads(v["districts"])), bool(v["active"]), bool(v["demo"]),
                   int(v["failed_logins"]), v["locked_until"], v["created_at"], v["updated_at"])


def _select(con, where: str = "", params: tuple = ()) -> list[tuple]:
    return con.execute(f"SELECT {', '.join(_COLUMNS)} FROM accounts {where} ORDER BY login", params).fetchall()


def list_accounts(store) -> list[Account]:
    with store.transaction(write=False) as con:
        return [_account(r) for r in _select(con)]


def get_account(store, login: str) -> Account | None:
    with store.transaction(write=False) as con:
        rows = _select(con, "WHERE login = ?", (login,))
    return _account(rows[0]) if rows else None


# ------------------------------------------------------------------------------------------------- writing
def _check_login(login: str) -> str:
    login = (login or "").strip()
    if not _LOGIN.fullmatch(login):
        raise AccountError(f"用户名「{login}」不合要求：应为2至64位英文字母、数字或 . _ @ -，以字母或数字开头。")
    return login


def _check_password(password: str) -> str:
    minimum = int(_settings().get("min_password_length", 8))
    if password is None or len(password) < minimum:
        raise AccountError(f"密码太短：至少{minimum}个字符。")
    if password != password.strip():
        raise AccountError("密码首尾不能有空格或换行。")
    return password


def roles() -> dict[str, str]:
    """The roles an account may have here: with a province configured, 省级管理员 first."""
    from loaders import config

    return {PROVINCE: ROLE_LABELS[PROVINCE], **ROLES} if config.is_province() else dict(ROLES)


def _check_role(role: str, districts) -> tuple[str, tuple[str, ...]]:
    from loaders import config
    from loaders.config import district_names

    if role not in roles():
        names = [f"{r}（{label}）" for r, label in roles().items()]
        raise AccountError(f"角色「{role}」不存在：应为 {'、'.join(names[:-1])}或 {names[-1]}。")
    districts = tuple(dict.fromkeys(d.strip() for d in (districts or ()) if d and d.strip()))
    if role == "city" and config.is_province():
        cities = config.city_names()
        if len(districts) != 1 or districts[0] not in cities:
            raise AccountError(f"市级管理员必须指定一个城市（{'、'.join(cities)}之一），"
                               f"而不是「{'、'.join(districts) or '空'}」。")
        return role, districts
    if role == PROVINCE and districts:
        raise AccountError("省级管理员可查看和管理全省，不需指定城市或区市。")
    known = district_names()
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise AccountError(f"区市「{'、'.join(unknown)}」不在配置的区市中（{'、'.join(known)}）。")
    if role == "district" and not districts:
        raise AccountError("区市填报员必须指定至少一个区市（--district 市北区）。")
    if role != "district" and districts:
        raise AccountError(f"只有区市填报员绑定区市；{ROLE_LABELS[role]}可查看全市，不需指定区市。")
    return role, districts


def _check_manages(actor: Actor, role: str, districts) -> None:
    """At province level a city administrator manages only the accounts of its own city: its districts' clerks
    and its city's administrators (not the province's, nor viewers, who read every city)."""
    from loaders import config

    if actor.role != "city" or not config.is_province():
        return
    own = set(actor.districts)
    if role == "city" and set(districts) <= own and districts:
        return
    if role == "district" and districts and {config.city_of(d) for d in districts} <= own:
        return
    raise NotAuthorized(f"账号 {actor.label} 只能管理{'、'.join(actor.districts) or '本市'}的市级管理员和区市填报员账号，"
                        f"不能管理{ROLE_LABELS.get(role, role)}（{'、'.join(districts) or '全省'}）的账号。")


def manages(actor: Actor, account: Account) -> bool:
    """Whether `actor` may manage `account` (the 账号 page lists only those)."""
    try:
        _check_manages(actor, account.role, account.districts)
    except NotAuthorized:
        return False
    return True


def _refused(store, actor, action: str, exc: AccountError, **fields):
    audit.record(store, actor, action, "refused", reason=str(exc), **fields)
    return exc


def create_account(store, actor: Actor | None, login: str, role: str, districts=(), password: str = "", *,
                   demo: bool = False) -> Account:
    """A new active account. Raises AccountError (nothing written; the refusal is in the audit log)."""
    detail = {"account": login, "role": role, "districts": list(districts or ())}
    try:
        manager = authorize(store, actor, "accounts")
        login = _check_login(login)
        role, districts = _check_role(role, districts)
        _check_manages(manager, role, districts)
        _check_password(password)
        digest = _hasher.hash(password)
        stamp = _now().isoformat(timespec="seconds")
        with store.transaction(write=True, tables=TABLES) as con:
            if con.execute("SELECT 1 FROM accounts WHERE login = ?", (login,)).fetchone():
                raise AccountError(f"账号 {login} 已存在；修改密码请用 users passwd {login}。")
            con.execute(f"INSERT INTO accounts (login, role, districts, password_hash, active, demo, failed_logins, "
                        f"locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, true, ?, 0, '', ?, ?)",
                        (login, role, json.dumps(list(districts), ensure_ascii=False), digest, bool(demo), stamp,
                         stamp))
            audit.append(con, actor, "account_created", detail={**detail, "account": login,
                                                                "districts": list(districts)})
    except AccountError as exc:
        raise _refused(store, actor, "account_created", exc, detail=detail) from None
    return get_account(store, login)


def _change(store, actor, login: str, action: str, detail: dict, assignments: dict) -> Account:
    """Update one account's columns (authorized, audited in the same transaction). The acting user must manage
    the account as it is and, when its role changes, as it will be."""
    try:
        manager = authorize(store, actor, "accounts")
        with store.transaction(write=True, tables=TABLES) as con:
            row = con.execute("SELECT role, districts FROM accounts WHERE login = ?", (login,)).fetchone()
            if not row:
                raise AccountError(f"账号 {login} 不存在（users list 可列出全部账号）。")
            _check_manages(manager, row[0], tuple(json.loads(row[1])))
            if "role" in assignments:
                _check_manages(manager, assignments["role"], tuple(json.loads(assignments["districts"])))
            assignments = {**assignments, "updated_at": _now().isoformat(timespec="seconds")}
            con.execute(f"UPDATE accounts SET {', '.join(f'{c} = ?' for c in assignments)} WHERE login = ?",
                        (*assignments.values(), login))
            audit.append(con, actor, action, detail={"account": login, **detail})
    except AccountError as exc:
        raise _refused(store, actor, action, exc, detail={"account": login, **detail}) from None
    return get_account(store, login)


def set_password(store, actor: Actor | None, login: str, password: str) -> Account:
    """A new password; also lifts a lock (the administrator has spoken to the user)."""
    try:
        _check_password(password)
    except AccountError as exc:
        raise _refused(store, actor, "password_changed", exc, detail={"account": login}) from None
    return _change(store, actor, login, "password_changed", {},
                   {"password_hash": _hasher.hash(password), "failed_logins": 0, "locked_until": ""})


def set_active(store, actor: Actor | None, login: str, active: bool) -> Account:
    if actor is not None and not active and actor.login == login and actor.via == "builtin":
        raise _refused(store, actor, "account_disabled", AccountError("不能停用自己正在使用的账号。"),
                       detail={"account": login})
    return _change(store, actor, login, "account_changed" if active else "account_disabled",
                   {"active": active}, {"active": bool(active), "failed_logins": 0, "locked_until": ""})


def set_role(store, actor: Actor | None, login: str, role: str, districts=()) -> Account:
    try:
        role, districts = _check_role(role, districts)
    except AccountError as exc:
        raise _refused(store, actor, "account_changed", exc, detail={"account": login, "role": role}) from None
    return _change(store, actor, login, "account_changed", {"role": role, "districts": list(districts)},
                   {"role": role, "districts": json.dumps(list(districts), ensure_ascii=False)})


def ensure_demo_accounts(store) -> None:
    """The demo store's accounts (password DEMO_PASSWORD), created once. Only loaders.sample calls this, and
    only for the unconfigured demo store: a store a bureau names never holds a demo account."""
    if list_accounts(store):
        return
    from loaders.store import StoreUnavailable

    try:
        for login, role, districts in DEMO_ACCOUNTS:
            try:
                create_account(store, operator(), login, role, districts, DEMO_PASSWORD, demo=True)
            except StoreUnavailable:
                raise
            except AccountError:
                if get_account(store, login) is None:   # else a dashboard and a CLI started together made it
                    raise
    except StoreUnavailable as exc:   # a read-only demo store can still be viewed, without logging in
        log.warning("demo accounts not created: %s", exc)


# ------------------------------------------------------------------------------------------------- login
def _delay(failures: int) -> float:
    s = _settings()
    slow_after = int(s.get("slow_after", 3))
    if failures < slow_after:
        return 0.0
    return min(float(s.get("delay_s", 1.0)) * 2 ** (failures - slow_after), float(s.get("max_delay_s", 8.0)))


def authenticate(store, login: str, password: str) -> Actor:
    """Check a login and password; every try is in the audit log. Raises LoginRefused with the sentence to show.

    An unknown name and a wrong password get the same answer. A disabled account is named as such only after
    the right password. After `lock_after` wrong passwords in a row the account is locked for `lock_minutes`."""
    s = _settings()
    login = (login or "").strip()
    account = get_account(store, login) if _LOGIN.fullmatch(login) else None
    guest = audit_actor = None
    if account is not None:
        audit_actor = account.actor()
        now = _now()
        if account.locked_until and datetime.fromisoformat(account.locked_until) > now:
            until = datetime.fromisoformat(account.locked_until).astimezone(audit.zone()).strftime("%H:%M")
            exc = LoginRefused(f"账号 {login} 因多次密码错误已被临时锁定，请于{until}后重试，或请市级管理员重设密码。")
            raise _refused(store, audit_actor, "login_failed", exc) from None
        time.sleep(_delay(account.failed_logins))
    else:
        guest = Actor(login[:64] or "（空）", "", (), "builtin")
    with store.transaction(write=False) as con:
        row = con.execute("SELECT password_hash FROM accounts WHERE login = ?", (login,)).fetchone() \
            if account is not None else None
    try:
        _hasher.verify(row[0] if row else _dummy_hash(), password or "")
        matched = row is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched:
        wrong = LoginRefused("用户名或密码不正确。")
        if account is None:
            raise _refused(store, guest, "login_failed", wrong) from None
        failures = account.failed_logins + 1
        locked = ""
        if failures >= int(s.get("lock_after", 5)):
            locked = (_now() + timedelta(minutes=float(s.get("lock_minutes", 15)))).isoformat(timespec="seconds")
            wrong = LoginRefused(f"用户名或密码不正确。已连续错误{failures}次，账号 {login} 已被锁定"
                                 f"{s.get('lock_minutes', 15)}分钟。")
        with store.transaction(write=True, tables=TABLES) as con:
            con.execute("UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE login = ?",
                        (failures, locked, login))
            audit.append(con, audit_actor, "login_failed", "refused", reason=str(wrong),
                         detail={"failed_logins": failures, "locked_until": locked or None})
        raise wrong
    if not account.active:
        raise _refused(store, audit_actor, "login_failed",
                       LoginRefused(f"账号 {login} 已停用，不能登录；请联系市级管理员。")) from None
    with store.transaction(write=True, tables=TABLES) as con:
        if _hasher.check_needs_rehash(row[0]):
            con.execute("UPDATE accounts SET password_hash = ? WHERE login = ?", (_hasher.hash(password), login))
        con.execute("UPDATE accounts SET failed_logins = 0, locked_until = '' WHERE login = ?", (login,))
        audit.append(con, audit_actor, "login")
    return audit_actor
