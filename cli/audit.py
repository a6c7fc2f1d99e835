"""`python -m loaders audit`: the audit log, and `audit --verify` for the hash chain.

Exit status: 0 (and for --verify: the chain is whole), 1 the chain is broken or reading is refused, 2 bad usage.
"""
from __future__ import annotations

import json
from datetime import date

from cli.users import _err, _out, guarded, open_store
from cli.common import subcommand


def _since(text: str) -> date:
    import argparse

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期「{text}」无法识别，应为 YYYY-MM-DD，如 2022-05-31") from None


def describe(entry) -> str:
    """One line of an entry, as the 审计 page and the command line show it."""
    from loaders.accounts import ROLE_LABELS
    from loaders.audit import ACTIONS, OUTCOMES

    parts = [entry.time, entry.user, ROLE_LABELS.get(entry.role, entry.role or "—"),
             ACTIONS.get(entry.action, entry.action), OUTCOMES.get(entry.outcome, entry.outcome)]
    if entry.detail.get("account"):
        parts.append(f"账号 {entry.detail['account']}")
    if entry.districts:
        parts.append("、".join(entry.districts))
    if entry.file_name:
        parts.append(f"文件「{entry.file_name}」")
    if entry.report_date:
        parts.append(f"截至{entry.report_date}")
    if entry.rows is not None:
        parts.append(f"{entry.rows}行")
    if entry.reason:
        parts.append(f"原因：{entry.reason}")
    return "  ".join(parts)


def run_audit(args) -> int:
    from loaders import audit

    store = open_store(args)
    if args.verify:
        result = audit.verify(store)
        (_out if result.ok else _err)(result.message)
        return 0 if result.ok else 1
    found = audit.entries(store, since=args.since, user=args.user)
    if args.json:
        _out(json.dumps([e.to_dict() for e in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        _out("没有符合条件的审计记录。")
        return 0
    for entry in found:
        _out(describe(entry))
    return 0


def add_subcommands(subparsers) -> None:
    p = subcommand(subparsers, "audit", "查看审计记录（登录、导入、替换、撤回、恢复、账号变更）",
                   "按时间列出审计记录；--verify 检查记录链是否完整（是否被改动、删除或插入）")
    p.add_argument("--db", metavar="PATH", help="数据库文件（默认：配置中的数据库）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（一个列表）")
    p.add_argument("--since", type=_since, metavar="YYYY-MM-DD", help="只列出该日及以后的记录")
    p.add_argument("--user", metavar="LOGIN", help="只列出该用户的记录")
    p.add_argument("--verify", action="store_true", help="检查审计记录链是否完整")
    p.set_defaults(func=guarded(run_audit))
