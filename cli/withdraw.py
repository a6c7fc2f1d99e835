"""`python -m loaders withdraw 编号`: take a snapshot out of every figure (kept in the file, restorable)."""
from __future__ import annotations

import argparse

from cli.users import _out, guarded, open_store
from cli.common import subcommand


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"快照编号应为整数（见 snapshots），而不是「{text}」") from None


def run_withdraw(args) -> int:
    from loaders import writes
    from loaders.accounts import operator

    snap = writes.withdraw_snapshot(open_store(args), args.snapshot_id, operator(), args.reason or "")
    _out(f"已撤回快照#{snap.snapshot_id}：{snap.district} {snap.batch_year}年度 截至{snap.report_date.isoformat()}，"
         f"{snap.rows}个小区；可用 restore {snap.snapshot_id} 恢复。")
    return 0


def add_subcommands(subparsers) -> None:
    p = subcommand(subparsers, "withdraw", "撤回一个快照（不再计入统计，可恢复）",
                   "把一个当前快照撤回：不再计入任何统计，仍保留在数据库中，可用 restore 恢复")
    p.add_argument("--db", metavar="PATH", help="数据库文件（默认：配置中的数据库）")
    p.add_argument("snapshot_id", metavar="编号", type=_number, help="快照编号（见 snapshots）")
    p.add_argument("--reason", metavar="说明", help="撤回原因（记入审计记录）")
    p.set_defaults(func=guarded(run_withdraw))
