"""`python -m loaders users …`: accounts from the command line (the first administrator, scripts).

The command line acts as the machine's operator: every change is recorded in the audit log under the OS user.
Exit status: 0 done, 1 refused (the reason is printed), 2 bad usage or the store cannot be used.
"""
from __future__ import annotations

import getpass
import json
import sys

from cli import common
from cli.common import UsageError, subcommand
from cli.common import err as _err
from cli.common import out as _out


def open_store(args):
    """The store named by --db, else the deployment's (the demo store is seeded as usual)."""
    return common.open_store(args.db, must_exist=False)


def guarded(command):
    """Refusals (AccountError, StoreError) as exit status 1, a store that cannot be used as 2."""

    def run(args) -> int:
        from loaders.store import StoreError, StoreUnavailable

        try:
            return command(args)
        except StoreUnavailable as exc:
            _err(str(exc))
            return 2
        except StoreError as exc:
            _err(f"未完成：{exc}")
            return 1

    run.__name__ = command.__name__
    return run


def _password(args) -> str:
    """The new password: the first line of standard input with --password-stdin, else typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("请用 --password-stdin 从标准输入提供密码（或在终端中运行以输入密码）。")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UsageError("两次输入的密码不一致，未作改动。")
    return first


def run_add(args) -> int:
    from loaders import accounts

    store = open_store(args)
    account = accounts.create_account(store, accounts.operator(), args.login, args.role, args.district or (),
                                      _password(args))
    _out(f"已新建账号 {account.actor().label}（数据库 {store.path}）。")
    return 0


def run_list(args) -> int:
    from loaders import accounts

    rows = accounts.list_accounts(open_store(args))
    if args.json:
        _out(json.dumps([a.to_dict() for a in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        _out("数据库中还没有账号。新建第一个市级管理员：python -m loaders users add 用户名 --role city --password-stdin")
        return 0
    for a in rows:
        state = "正常" if a.active else "已停用"
        if a.locked_until:
            state += f"（锁定至{a.locked_until}）"
        _out(f"{a.login}\t{accounts.ROLE_LABELS.get(a.role, a.role)}\t{'、'.join(a.districts) or '全市'}\t{state}"
             + ("\t示例账号" if a.demo else ""))
    return 0


def run_disable(args) -> int:
    from loaders import accounts

    account = accounts.set_active(open_store(args), accounts.operator(), args.login, False)
    _out(f"已停用账号 {account.login}；其已登录的会话在下一次操作时失效。")
    return 0


def run_enable(args) -> int:
    from loaders import accounts

    account = accounts.set_active(open_store(args), accounts.operator(), args.login, True)
    _out(f"已启用账号 {account.login}。")
    return 0


def run_passwd(args) -> int:
    from loaders import accounts

    account = accounts.set_password(open_store(args), accounts.operator(), args.login, _password(args))
    _out(f"已为账号 {account.login} 设置新密码（锁定已解除）。")
    return 0


def add_subcommands(subparsers) -> None:
    p = subcommand(subparsers, "users", "管理登录账号（市级管理员、区市填报员、查看）",
                   "新建、列出、停用账号和修改密码；以本机操作系统用户的身份记入审计记录")
    sub = p.add_subparsers(dest="users_command", metavar="操作", title="可用操作", required=True)

    def action(name, help_text, func, *, login=True, password=False):
        a = subcommand(sub, name, help_text, help_text)
        a.add_argument("--db", metavar="PATH", help="数据库文件（默认：配置中的数据库）")
        if login:
            a.add_argument("login", metavar="LOGIN", help="用户名")
        if password:
            a.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（第一行）")
        a.set_defaults(func=guarded(func))
        return a

    add = action("add", "新建账号", run_add, password=True)
    add.add_argument("--role", required=True, choices=["province", "city", "district", "viewer"],
                     help="province 省级管理员（仅配置了省级时）| city 市级管理员 | district 区市填报员 | viewer 查看")
    add.add_argument("--district", action="append", metavar="区市",
                     help="区市填报员负责的区市（可重复）；配置了省级时，市级管理员用它指定所在城市（--district 烟台市）")
    lst = action("list", "列出账号", run_list, login=False)
    lst.add_argument("--json", action="store_true", help="以 JSON 输出（一个列表）")
    action("disable", "停用账号", run_disable)
    action("enable", "重新启用账号", run_enable)
    action("passwd", "设置新密码（并解除锁定）", run_passwd, password=True)
