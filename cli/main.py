"""`python -m loaders`: the parser built from the command groups, and one error policy for every command.

Exit status: 0 done; 1 refused (errors in the ledger, a store operation refused); 2 the file cannot be read, a
bad option, an unusable store or configuration, or an unexpected failure. Never a traceback: an unexpected
failure is recorded as an incident (loaders.incidents) and the user is given its id.
"""
from __future__ import annotations

import argparse
import os
import sys

from cli import audit, common, ledger, store, users, withdraw

# Each group is a module with add_subcommands(subparsers); a new group is added here.
COMMAND_GROUPS = (ledger, store, withdraw, users, audit)

PROG = "python -m loaders"
_SIGPIPE_STATUS = 128 + 13   # what a shell reports for a program ended by a closed pipe (SIGPIPE is 13)


def build_parser() -> argparse.ArgumentParser:
    common.chinese_argparse()
    parser = argparse.ArgumentParser(prog=PROG, description="城镇老旧小区改造项目台账：校验、导出、入库与汇总",
                                     add_help=False)
    parser.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="可用命令")
    for group in COMMAND_GROUPS:
        group.add_subcommands(sub)
    return parser


def _start_parser_early(argv: list[str]) -> None:
    """Start the workbook parser process before the heavy imports, so both start-ups overlap."""
    if len(argv) < 2 or argv[0] not in ("check", "export", "import"):
        return
    try:
        path = next((a for a in argv[1:] if not a.startswith("-") and os.path.isfile(a)), None)
        if path is None:
            return
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            from loaders._worker_client import warm_worker
            warm_worker()
    except Exception:  # noqa: BLE001 - only an optimisation; the command itself reports any real problem
        pass


def main(argv: list[str] | None = None) -> int:
    _start_parser_early(list(sys.argv[1:] if argv is None else argv))
    from loaders import config, incidents
    from loaders.report import UnreadableLedger
    from loaders.store import StoreError, StoreUnavailable

    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            return int(exc.code or 0)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        config.validate()
        code = int(args.func(args) or 0)
        sys.stdout.flush()   # a closed pipe is then noticed here, not in Python's flush at exit
        return code
    except config.ConfigError as exc:
        common.err(f"配置有误：{exc}")
        return 2
    except UnreadableLedger as exc:
        common.err(f"无法读取：{exc}")
        return 2
    except (common.UsageError, StoreUnavailable) as exc:   # a bad option; a database that cannot be used
        common.err(str(exc))
        return 2
    except StoreError as exc:  # refused (e.g. restoring the current version)
        common.err(str(exc))
        return 1
    except BrokenPipeError:              # output piped into head/more that closed early: stop quietly
        try:
            # Python flushes stdout once more at exit; pointed at devnull, that flush cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return _SIGPIPE_STATUS
    except KeyboardInterrupt:
        common.err("已中止。")
        return 2
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user; the incident log keeps it
        incident = incidents.record(exc, f"{PROG} {' '.join(sys.argv[1:] if argv is None else argv)}")
        common.err(f"发生意外错误（{type(exc).__name__}），操作未完成{incidents.reference(incident)}。"
                   "请检查文件后重试；如仍失败请联系系统管理员并告知错误编号。")
        return 2
