"""The audit log: one append-only, hash-chained record per event, kept in the store (table audit_log).

Each entry carries `hash` = SHA-256 over its own fields and the hash of the entry before it (`prev_hash`; the
first entry's is 64 zeros). Changing, removing or inserting an entry anywhere breaks the chain from there on, and
verify() names the first entry that does not match. What a chain cannot show is the loss of the newest entries;
`python -m loaders audit --verify` prints the count and the last hash so an administrator can note them elsewhere
(see docs/accounts.md).

The SQL is plain (one table, ? parameters, the store's transaction()), so both engines hold it: the store makes
the table, and serialises its writers (SQLite has one; PgLedgerStore holds a lock), so the chain stays linear.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

ACTIONS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "check": "校验",
    "import": "导入",
    "replace": "替换",
    "withdraw": "撤回",
    "restore": "恢复",
    "account_created": "新建账号",
    "account_changed": "修改账号",
    "account_disabled": "停用账号",
    "password_changed": "修改密码",
}
OUTCOMES = {"accepted": "成功", "refused": "拒绝"}
TABLES = ("audit_log",)     # what an entry written on its own touches (store.transaction checks only it)
GENESIS = "0" * 64

_FIELDS = ["id", "time", "user", "role", "districts", "action", "outcome", "reason", "file_name", "file_sha256",
           "report_date", "rows", "detail", "prev_hash"]

# "time" and "user" are quoted: in PostgreSQL a bare `user` is the session's user, not the column.
_COLUMNS_SQL = ", ".join(f'"{f}"' for f in [*_FIELDS, "hash"])


@dataclass(frozen=True)
class Entry:
    id: int
    time: str                       # ISO 8601 with the UTC offset
    user: str
    role: str
    districts: tuple[str, ...]
    action: str
    outcome: str                    # accepted | refused
    reason: str = ""                # why it was refused (the Chinese message the user saw)
    file_name: str = ""
    file_sha256: str = ""           # of the file's bytes as uploaded
    report_date: str = ""           # YYYY-MM-DD
    rows: int | None = None
    detail: dict = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "time": self.time, "user": self.user, "role": self.role,
                "districts": list(self.districts), "action": self.action, "outcome": self.outcome,
                "reason": self.reason, "file_name": self.file_name, "file_sha256": self.file_sha256,
                "report_date": self.report_date, "rows": self.rows, "detail": self.detail,
                "prev_hash": self.prev_hash, "hash": self.hash}


def entry_hash(values: dict) -> str:
    """SHA-256 over the entry's fields (including prev_hash) in one canonical JSON text."""
    canonical = json.dumps([values[f] for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zone() -> ZoneInfo:
    """The bureau's time zone ([reporting] timezone): audit times, lock times and deadlines are in it."""
    from loaders import config

    return ZoneInfo(config.settings().get("reporting", {}).get("timezone", "Asia/Shanghai"))


def now() -> datetime:
    return datetime.now(timezone.utc).astimezone(zone())


def append(con, actor, action: str, outcome: str = "accepted", *, reason: str = "", file_name: str = "",
           file_sha256: str = "", report_date: date | str | None = None, rows: int | None = None,
           districts=None, detail: dict | None = None) -> Entry:
    """Add one entry inside the caller's write transaction (so it commits or rolls back with the change).

    `actor` has login, role and districts (loaders.accounts.Actor); None is an anonymous visitor. `districts`
    defaults to the actor's."""
    if action not in ACTIONS or outcome not in OUTCOMES:
        raise ValueError(f"unknown audit action/outcome {action!r}/{outcome!r}")
    last = con.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    values = {
        "id": (last[0] + 1) if last else 1,
        "time": now().isoformat(timespec="seconds"),
        "user": actor.login if actor is not None else "（未登录）",
        "role": actor.role if actor is not None else "",
        "districts": sorted(set(districts if districts is not None else (actor.districts if actor else ()))),
        "action": action,
        "outcome": outcome,
        "reason": reason,
        "file_name": file_name or "",
        "file_sha256": file_sha256 or "",
        "report_date": report_date.isoformat() if isinstance(report_date, date) else (report_date or ""),
        "rows": None if rows is None else int(rows),
        "detail": detail or {},
        "prev_hash": last[1] if last else GENESIS,
    }
    digest = entry_hash(values)
    con.execute(
        f"INSERT INTO audit_log ({_COLUMNS_SQL}) VALUES ({', '.join('?' * (len(_FIELDS) + 1))})",
        (*[_stored(f, values[f]) for f in _FIELDS], digest),
    )
    return _entry({**values, "hash": digest})


def record(store, actor, action: str, outcome: str = "accepted", **fields) -> Entry:
    """append() in a transaction of its own."""
    with store.transaction(write=True, tables=TABLES) as con:
        return append(con, actor, action, outcome, **fields)


def _stored(name: str, value):
    return json.dumps(value, ensure_ascii=False) if name in ("districts", "detail") else value


def _entry(values: dict) -> Entry:
    return Entry(id=values["id"], time=values["time"], user=values["user"], role=values["role"],
                 districts=tuple(values["districts"]), action=values["action"], outcome=values["outcome"],
                 reason=values["reason"], file_name=values["file_name"], file_sha256=values["file_sha256"],
                 report_date=values["report_date"], rows=values["rows"], detail=values["detail"],
                 prev_hash=values["prev_hash"], hash=values["hash"])


def _rows(store, where: str = "", params: tuple = ()) -> list[tuple]:
    """Raw rows in id order."""
    with store.transaction(write=False) as con:
        return con.execute(f"SELECT {_COLUMNS_SQL} FROM audit_log {where} ORDER BY id", params).fetchall()


def _decoded(row: tuple) -> dict:
    values = dict(zip([*_FIELDS, "hash"], row))
    values["districts"] = json.loads(values["districts"])
    values["detail"] = json.loads(values["detail"])
    return values


def entries(store, *, since: date | None = None, user: str | None = None) -> list[Entry]:
    """Entries in order, optionally from a day on (local time of the entry) and of one login."""
    where, params = [], []
    if since is not None:
        where.append('"time" >= ?')
        params.append(since.isoformat())
    if user is not None:
        where.append('"user" = ?')
        params.append(user)
    rows = _rows(store, ("WHERE " + " AND ".join(where)) if where else "", tuple(params))
    return [_entry(_decoded(r)) for r in rows]


@dataclass(frozen=True)
class Verification:
    ok: bool
    count: int
    last_hash: str
    broken_at: int | None = None    # id of the first entry that does not match
    message: str = ""               # Chinese, one sentence


def verify(store) -> Verification:
    """Recompute the chain from the first entry; the first mismatch (a changed field, a removed or inserted
    entry) is named."""
    previous, expected_id, count = GENESIS, 1, 0
    for row in _rows(store):
        try:
            values = _decoded(row)
            intact = (values["prev_hash"] == previous and values["id"] == expected_id
                      and entry_hash(values) == values["hash"])
        except (ValueError, TypeError, KeyError):   # a field edited into something that is not JSON
            intact = False
        if not intact:
            return Verification(False, count, previous, row[0],
                                f"审计记录链在第{row[0]}条处断开：该条记录或其前面的记录被改动、删除或插入过。"
                                f"此前{count}条完整。")
        previous, expected_id, count = values["hash"], values["id"] + 1, count + 1
    return Verification(True, count, previous, None,
                        f"审计记录链完整：共{count}条，最后一条的校验值 {previous}。")
