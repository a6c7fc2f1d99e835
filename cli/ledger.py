"""The ledger-file commands: check (validate a file before reporting it) and export (points as GeoJSON).

Exit status: 0 no error, 1 errors in the file, 2 the file cannot be read at all (cli.main's policy).
"""
from __future__ import annotations

import argparse
import errno
import json
from collections import OrderedDict
from pathlib import Path

from cli.common import UsageError, err, out, read_ledger_file, read_options, subcommand

MAX_PER_GROUP = 30   # human output: at most this many lines per (sheet, message kind) unless --all
ERRORS_TITLE = "错误（必须修改，否则不能入库）"
WARNINGS_TITLE = "警告（请核对，不影响入库）"


def add_subcommands(sub) -> None:
    c = subcommand(sub, "check", "校验台账文件（报送前先运行）", "读取并校验一个台账文件，列出错误和警告")
    c.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    read_options(c)
    c.add_argument("--json", action="store_true", help="以 JSON 输出（一个对象）")
    c.add_argument("--all", action="store_true",
                   help="逐条列出全部问题（默认同一工作表中同类问题最多列出30条，其余只给数目）")
    c.add_argument("--pretty", action="store_true", help=argparse.SUPPRESS)
    c.set_defaults(func=run_check)
    e = subcommand(sub, "export", "把小区点位导出为 GeoJSON", "读取台账，把有坐标的小区导出为 WGS-84 点位")
    e.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    e.add_argument("--to", required=True, metavar="OUT.geojson", help="输出的 GeoJSON 文件")
    read_options(e)
    e.set_defaults(func=run_export)


# ------------------------------------------------------------------------------------------------ the report
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


def print_issues(title: str, issues: list, limit: int | None = MAX_PER_GROUP) -> None:
    """Issues by sheet; at most `limit` of one kind per sheet (None: all), so that a repeated mistake does not
    bury the others."""
    from loaders.report import place

    if not issues:
        return
    out(f"\n{title}（{len(issues)}个）：")
    by_sheet: OrderedDict[str, list] = OrderedDict()
    for i in issues:
        by_sheet.setdefault(i.sheet, []).append(i)
    for sheet, items in by_sheet.items():
        out(f"  ■ {place(sheet)}：{len(items)}个")
        shown: dict[str, int] = {}
        hidden: dict[str, int] = {}
        for i in items:
            k = _issue_key(i.message)
            if limit is not None and shown.get(k, 0) >= limit:
                hidden[k] = hidden.get(k, 0) + 1
                continue
            shown[k] = shown.get(k, 0) + 1
            value = f"（填写值：「{i.value}」）" if i.value not in (None, "") else ""
            out(f"    - {_locate(i)}：{i.message}{value}")
        for k, n in hidden.items():
            out(f"    …另有{n}处同类问题（{k}）未逐条列出；运行 check 时加 --all 可逐条列出全部。")


def print_report(result, limit: int | None = MAX_PER_GROUP) -> None:
    """The validation report of `check` (also printed by `import` before it stores the file)."""
    from metrics.numbers import fmt_date_cn, fmt_number
    from metrics.summary import ledger_summary

    summary = ledger_summary(result.frame)
    rd = fmt_date_cn(result.report_date) if result.report_date else "未注明"
    out(f"台账校验：{result.source_name}")
    out(f"截至日期：{rd}    读取小区：{summary['rows']:,}个")
    if summary["by_district"]:
        parts = [f"{d} {v['communities']:,}个" for d, v in summary["by_district"].items()]
        out("各区市：" + "，".join(parts))
        values = summary["by_district"].values()
        households = sum(v["households"] for v in values)
        planned = sum(v["planned_investment_wan"] for v in values)
        completed_wan = sum(v["completed_investment_wan"] for v in values)
        started = sum(v["started"] for v in values)
        completed = sum(v["completed"] for v in values)
        out(f"合计：{households:,}户，已开工{started:,}个，已完工{completed:,}个；计划投资{fmt_number(planned, 2)}万元，"
            f"累计完成投资{fmt_number(completed_wan, 2)}万元")
    counted = sum(v["communities"] for v in summary["by_district"].values())
    if summary["rows"] > counted:
        out(f"（其中{summary['rows'] - counted:,}行的区市无法识别，未计入各区市和合计。）")
    if result.errors:
        out("（以上按所填内容统计，有错误的行也已计入；改正错误后数字会随之变化。）")
    print_issues(ERRORS_TITLE, result.errors, limit)
    print_issues(WARNINGS_TITLE, result.warnings, limit)


# ---------------------------------------------------------------------------------------------- commands
def run_check(args) -> int:
    result = read_ledger_file(args)
    if args.json:
        from metrics.summary import ledger_summary

        summary = ledger_summary(result.frame)
        obj = {
            "report_date": result.report_date.isoformat() if result.report_date else None,
            "rows": summary["rows"],
            "by_district": summary["by_district"],
            "by_status": summary["by_status"],
            "errors": [_issue_dict(i) for i in result.errors],
            "warnings": [_issue_dict(i) for i in result.warnings],
        }
        out(json.dumps(obj, ensure_ascii=False, indent=1 if args.pretty else None))
        return 1 if result.errors else 0
    print_report(result, limit=None if args.all else MAX_PER_GROUP)
    out("")
    if result.errors:
        warn = f"，{len(result.warnings)}个警告" if result.warnings else ""
        out(f"校验未通过：{len(result.errors)}个错误{warn}。请修改后重新报送。")
        return 1
    if result.warnings:
        out(f"校验通过：无错误，{len(result.warnings)}个警告，请核对后报送。")
    else:
        out("校验通过：无错误、无警告，可以报送。")
    return 0


def run_export(args) -> int:
    import numpy as np

    result = read_ledger_file(args)
    if result.errors:
        err(f"台账有{len(result.errors)}个错误（可先运行 check 查看），仍按可读取的数据导出。")
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
    target = Path(args.to)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                          encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"无法写入文件 {target}：{_write_problem(exc, target)}。") from None
    skipped = int((~has).sum())
    msg = f"已导出{len(features):,}个小区点位（WGS-84）到 {target}"
    if skipped:
        msg += f"；{skipped:,}个小区没有坐标，未导出"
    out(msg + "。")
    return 1 if result.errors else 0


def _write_problem(exc: OSError, target: Path) -> str:
    """Why a file could not be written, in Chinese (the system's own words are English)."""
    if exc.errno == errno.EISDIR:
        return f"这是一个文件夹，请在 --to 后写出文件名，如 {target / '小区.geojson'}"
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
