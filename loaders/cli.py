"""`python -m loaders`: check / export (this module) and import / summary (loaders.cli_store, if present).

Exit status of check: 0 no error, 1 errors, 2 the file cannot be read at all. Never a traceback.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

_MAX_PER_GROUP = 30   # human output: at most this many lines per (sheet, message kind) unless --all
_SIGPIPE_STATUS = 128 + 13   # what a shell reports for a program ended by a closed pipe (SIGPIPE is 13)


class _Usage(Exception):
    pass


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise _Usage(f"截至日期格式不正确：「{text}」，应为 YYYY-MM-DD，如 2023-06-30。")


def _parse_year(text) -> int | None:
    if text in (None, ""):
        return None
    try:
        y = int(str(text).strip())
    except ValueError:
        raise _Usage(f"改造年度格式不正确：「{text}」，应为四位年份，如 2023。") from None
    if not 2000 <= y <= 2100:
        raise _Usage(f"改造年度不合理：{y}，应为四位年份，如 2023。")
    return y


def _read(args):
    from loaders.reader import read_ledger

    path = Path(args.file)
    return read_ledger(path, source_name=path.name, report_date=_parse_date(args.report_date),
                       batch_year=_parse_year(args.batch_year), crs=args.crs)


def _issue_dict(i) -> dict:
    """Issue.to_dict() without dataclasses.asdict's deep copy (fast for 100,000+ findings)."""
    return {"sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value, "message": i.message}


def _issue_key(msg: str) -> str:
    """Messages of the same kind share their text up to the first detail (dates, amounts differ)."""
    for stop in ("：", "（", "，"):
        if stop in msg:
            msg = msg.split(stop, 1)[0]
    return msg


def _locate(issue) -> str:
    from loaders.report import place

    where = place(issue.sheet)
    if issue.row is not None:
        where += f"第{issue.row}行"
    if issue.column:
        where += f"「{issue.column}」"
    return where


def _print_issues(title: str, issues: list, limit: int | None = _MAX_PER_GROUP) -> None:
    """Issues by sheet; at most `limit` of one kind per sheet (None: all), so that a repeated mistake does not
    bury the others."""
    from loaders.report import place

    if not issues:
        return
    _out(f"\n{title}（{len(issues)}个）：")
    by_sheet: OrderedDict[str, list] = OrderedDict()
    for i in issues:
        by_sheet.setdefault(i.sheet, []).append(i)
    for sheet, items in by_sheet.items():
        _out(f"  ■ {place(sheet)}：{len(items)}个")
        shown: dict[str, int] = {}
        hidden: dict[str, int] = {}
        for i in items:
            k = _issue_key(i.message)
            if limit is not None and shown.get(k, 0) >= limit:
                hidden[k] = hidden.get(k, 0) + 1
                continue
            shown[k] = shown.get(k, 0) + 1
            value = f"（填写值：「{i.value}」）" if i.value not in (None, "") else ""
            _out(f"    - {_locate(i)}：{i.message}{value}")
        for k, n in hidden.items():
            _out(f"    …另有{n}处同类问题（{k}）未逐条列出；运行 check 时加 --all 可逐条列出全部。")


def run_check(args) -> int:
    from metrics.summary import ledger_summary

    result = _read(args)
    summary = ledger_summary(result.frame)
    if args.json:
        obj = {
            "report_date": result.report_date.isoformat() if result.report_date else None,
            "rows": summary["rows"],
            "by_district": summary["by_district"],
            "by_status": summary["by_status"],
            "errors": [_issue_dict(i) for i in result.errors],
            "warnings": [_issue_dict(i) for i in result.warnings],
        }
        _out(json.dumps(obj, ensure_ascii=False, indent=1 if args.pretty else None))
        return 1 if result.errors else 0
    rd = f"{result.report_date.year}年{result.report_date.month}月{result.report_date.day}日" \
        if result.report_date else "未注明"
    _out(f"台账校验：{result.source_name}")
    _out(f"截至日期：{rd}    读取小区：{summary['rows']:,}个")
    if summary["by_district"]:
        parts = [f"{d} {v['communities']:,}个" for d, v in summary["by_district"].items()]
        _out("各区市：" + "，".join(parts))
        tot_hh = sum(v["households"] for v in summary["by_district"].values())
        tot_pl = sum(v["planned_investment_wan"] for v in summary["by_district"].values())
        tot_co = sum(v["completed_investment_wan"] for v in summary["by_district"].values())
        started = sum(v["started"] for v in summary["by_district"].values())
        completed = sum(v["completed"] for v in summary["by_district"].values())
        _out(f"合计：{tot_hh:,}户，已开工{started:,}个，已完工{completed:,}个；计划投资{tot_pl:,.2f}万元，"
             f"累计完成投资{tot_co:,.2f}万元")
    counted = sum(v["communities"] for v in summary["by_district"].values())
    if summary["rows"] > counted:
        _out(f"（其中{summary['rows'] - counted:,}行的区市无法识别，未计入各区市和合计。）")
    if result.errors:
        _out("（以上按所填内容统计，有错误的行也已计入；改正错误后数字会随之变化。）")
    limit = None if args.all else _MAX_PER_GROUP
    _print_issues("错误（必须修改，否则不能入库）", result.errors, limit)
    _print_issues("警告（请核对，不影响入库）", result.warnings, limit)
    _out("")
    if result.errors:
        warn = f"，{len(result.warnings)}个警告" if result.warnings else ""
        _out(f"校验未通过：{len(result.errors)}个错误{warn}。请修改后重新报送。")
        return 1
    if result.warnings:
        _out(f"校验通过：无错误，{len(result.warnings)}个警告，请核对后报送。")
    else:
        _out("校验通过：无错误、无警告，可以报送。")
    return 0


def run_export(args) -> int:
    import numpy as np

    result = _read(args)
    if result.errors:
        _err(f"台账有{len(result.errors)}个错误（可先运行 check 查看），仍按可读取的数据导出。")
    f = result.frame
    has = f["lon"].notna() & f["lat"].notna()
    features = []
    for row in f.loc[has, ["community_id", "name", "district", "status", "lon", "lat"]].itertuples(index=False):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(row.lon), 7), round(float(row.lat), 7)]},
            "properties": {"community_id": None if row.community_id is None or row.community_id is np.nan
                           else str(row.community_id),
                           "name": None if _na(row.name) else str(row.name),
                           "district": None if _na(row.district) else str(row.district),
                           "status": None if _na(row.status) else str(row.status)},
        })
    out = Path(args.to)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                       encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"无法写入文件 {out}：{_write_problem(exc, out)}。") from None
    skipped = int((~has).sum())
    msg = f"已导出{len(features):,}个小区点位（WGS-84）到 {out}"
    if skipped:
        msg += f"；{skipped:,}个小区没有坐标，未导出"
    _out(msg + "。")
    return 1 if result.errors else 0


def _write_problem(exc: OSError, out: Path) -> str:
    """Why a file could not be written, in Chinese (the system's own words are English)."""
    if exc.errno == errno.EISDIR:
        return f"这是一个文件夹，请在 --to 后写出文件名，如 {out / '小区.geojson'}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限，请换一个位置，或请系统管理员开放该位置的写权限"
    if exc.errno == errno.EROFS:
        return "该位置只能读取、不能写入，请换一个位置"
    if exc.errno == errno.ENOSPC:
        return "磁盘空间不足，请清理磁盘后重试"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "路径中有一级是文件而不是文件夹，请检查路径"
    return f"系统错误（{errno.errorcode.get(exc.errno, exc.errno)}），请检查路径后重试"


def _na(v) -> bool:
    try:
        import pandas as pd
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report-date", metavar="YYYY-MM-DD", help="截至日期（文件标题中没有“截至…”时使用）")
    p.add_argument("--batch-year", metavar="N", help="改造年度（文件中没有“改造年度”列、标题中也没有年份时使用）")
    p.add_argument("--crs", choices=["wgs84", "gcj02", "bd09"],
                   help="经纬度的坐标系（表头和“坐标系”列都未注明时使用；默认 gcj02，即高德/腾讯）")


_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "expected one argument": "需要一个参数值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "有歧义的选项：%(option)s 可能是 %(matches)s",
}


def _chinese_argparse() -> None:
    """argparse's own words (usage, errors) in Chinese, like our help texts."""
    base = argparse._

    def translate(text):
        return _ARGPARSE_ZH.get(text, base(text))

    argparse._ = translate
    argparse.ngettext = lambda s, p, n: _ARGPARSE_ZH.get(s if n == 1 else p, s if n == 1 else p)


def subcommand(sub, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    """A subcommand whose own -h/--help is worded in Chinese (argparse's is fixed English)."""
    p = sub.add_parser(name, help=help_text, description=description, add_help=False)
    p.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    return p


def build_parser() -> argparse.ArgumentParser:
    _chinese_argparse()
    parser = argparse.ArgumentParser(prog="python -m loaders", description="城镇老旧小区改造项目台账：校验、导出、入库与汇总",
                                     add_help=False)
    parser.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="可用命令")
    c = subcommand(sub, "check", "校验台账文件（报送前先运行）", "读取并校验一个台账文件，列出错误和警告")
    c.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    _read_options(c)
    c.add_argument("--json", action="store_true", help="以 JSON 输出（一个对象）")
    c.add_argument("--all", action="store_true",
                   help="逐条列出全部问题（默认同一工作表中同类问题最多列出30条，其余只给数目）")
    c.add_argument("--pretty", action="store_true", help=argparse.SUPPRESS)
    c.set_defaults(func=run_check)
    e = subcommand(sub, "export", "把小区点位导出为 GeoJSON", "读取台账，把有坐标的小区导出为 WGS-84 点位")
    e.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    e.add_argument("--to", required=True, metavar="OUT.geojson", help="输出的 GeoJSON 文件")
    _read_options(e)
    e.set_defaults(func=run_export)
    try:
        from loaders import cli_store
    except ImportError:
        cli_store = None
    except Exception:  # noqa: BLE001 - a broken plug-in must not break check/export
        cli_store = None
    from cli import audit as audit_cli, users as users_cli, withdraw as withdraw_cli   # accounts, audit (cli/)

    for module in (users_cli, audit_cli, withdraw_cli):
        module.register(sub)
    if cli_store is not None and hasattr(cli_store, "add_subcommands"):
        cli_store.add_subcommands(sub)
    else:
        for name, text in (("import", "把台账存入数据库（本安装未提供）"), ("summary", "数据库汇总（本安装未提供）")):
            s = sub.add_parser(name, help=text)
            s.set_defaults(func=_unavailable(name))
    return parser


def _unavailable(name):
    def run(args) -> int:
        _err(f"本安装未提供“{name}”命令（缺少 loaders/cli_store.py）。")
        return 2
    return run


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
    except Exception:  # noqa: BLE001 - only an optimisation
        pass


def main(argv: list[str] | None = None) -> int:
    _start_parser_early(list(sys.argv[1:] if argv is None else argv))
    from loaders import config
    from loaders.report import UnreadableLedger

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
        _err(f"配置有误：{exc}")
        return 2
    except UnreadableLedger as exc:
        _err(f"无法读取：{exc}")
        return 2
    except _Usage as exc:
        _err(str(exc))
        return 2
    except BrokenPipeError:              # output piped into head/more that closed early: stop quietly
        try:
            # Python flushes stdout once more at exit; pointed at devnull, that flush cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return _SIGPIPE_STATUS
    except KeyboardInterrupt:
        _err("已中止。")
        return 2
    except BaseException as exc:  # noqa: BLE001 - never a traceback for the user
        _err(f"发生意外错误（{type(exc).__name__}），操作未完成。请检查文件后重试；如仍失败请联系系统管理员。")
        return 2
