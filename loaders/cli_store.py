"""The store's subcommands of `python -m loaders`: import, summary, snapshots and restore.

loaders/cli.py plugs them in with `add_subcommands(subparsers)`; each parser gets `func(args) -> int`.
Exit status like `check`: 0 done, 1 refused (errors in the ledger, already imported), 2 unreadable / unusable input.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

SUMMARY_KEYS = ("report_date", "rows", "by_district", "by_status", "by_node", "bundles", "elevators_planned")
# Columns the summary reads from the store (all ledger_summary needs; reading fewer is what keeps it fast).
SUMMARY_COLUMNS = ["district", "batch_year", "households", "planned_investment_wan", "completed_investment_wan",
                   "elevators_planned", "bundle", "node_reached", "status"]


class UsageError(Exception):
    """A bad option value; str(exc) is Chinese."""


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"日期「{text}」无法识别，应为 YYYY-MM-DD，如 2022-05-31") from None


def parse_batch_years(text: str) -> list[int]:
    """`2022`, a range `2022-2024` (also with –, —, －, ~, ～ or 至), or a list `2022,2024`."""
    text = text.strip()
    m = re.fullmatch(r"(\d{4})\s*(?:[-–—－~～至]|——)\s*(\d{4})", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise UsageError(f"改造年度范围「{text}」起止颠倒，应为如 2022-2024")
        return list(range(lo, hi + 1))
    parts = [p for p in re.split(r"[,，、\s]+", text) if p]
    if parts and all(re.fullmatch(r"\d{4}", p) for p in parts):
        return sorted({int(p) for p in parts})
    raise UsageError(f"改造年度「{text}」无法识别，应为如 2022 或 2022-2024")


def _open_store(db: str | None, *, must_exist: bool):
    from loaders.sample import open_default_store
    from loaders.store import LedgerStore

    if db is None:
        return open_default_store()
    path = Path(db)
    if must_exist and not path.exists():
        raise UsageError(f"数据库文件不存在：{path}")
    return LedgerStore(path)


# --------------------------------------------------------------------------------------------- summary
def _ledger_summary(frame) -> dict:
    try:
        from metrics.summary import ledger_summary
    except ImportError:  # metrics.summary not installed yet: the same figures, computed here
        return _fallback_summary(frame)
    return ledger_summary(frame)


def _fallback_summary(frame) -> dict:
    from loaders import schema

    node = frame["node_reached"].astype("int64")
    by_district = {}
    for name, part in frame.groupby("district", sort=True):
        n = part["node_reached"].astype("int64")
        by_district[str(name)] = {
            "communities": int(len(part)),
            "started": int((n >= schema.STARTED_NODE).sum()),
            "completed": int((n >= schema.COMPLETED_NODE).sum()),
            "households": int(part["households"].fillna(0).sum()),
            "planned_investment_wan": round(float(part["planned_investment_wan"].fillna(0).sum()), 2),
            "completed_investment_wan": round(float(part["completed_investment_wan"].fillna(0).sum()), 2),
        }
    status_counts = frame["status"].value_counts()
    order = [schema.NOT_STARTED_STATUS, *schema.NODE_NAMES]
    return {
        "rows": int(len(frame)),
        "by_district": by_district,
        "by_status": {k: int(status_counts[k]) for k in order if k in status_counts},
        "by_node": {name: int((node >= i).sum()) for i, name in enumerate(schema.NODE_NAMES, 1)},
        "bundles": int(frame["bundle"].dropna().nunique()),
        "elevators_planned": int(frame["elevators_planned"].fillna(0).sum()),
    }


def store_summary(store, as_of: date | None = None, batch_years: list[int] | None = None) -> dict:
    """The summary figures of the store's state as of a date (JSON-ready, keys SUMMARY_KEYS)."""
    frame = store.ledger_as_of(as_of, batch_years=batch_years, columns=SUMMARY_COLUMNS)
    return _summary_of(frame, as_of)


def _summary_of(frame, as_of: date | None) -> dict:
    if as_of is not None:
        used = as_of
    else:
        used = frame["report_date"].max().date() if len(frame) else None
    figures = _ledger_summary(frame.drop(columns=["report_date"]))
    out = {"report_date": used.isoformat() if used else None}
    for key in SUMMARY_KEYS[1:]:
        out[key] = figures.get(key)
    for key, value in figures.items():  # anything extra ledger_summary offers, after the documented keys
        out.setdefault(key, value)
    return out


def _fmt_num(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(str(cell)))
            parts.append(pad + str(cell) if i in right else str(cell) + pad)
        return "  ".join(parts).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *[line(r) for r in rows]]


def render_summary(summary: dict, snapshot_dates: dict[str, str], batch_years: list[int] | None) -> str:
    from loaders import config

    lines = []
    when = summary["report_date"]
    scope = "全部改造年度" if not batch_years else f"{years_text(batch_years)}年度"
    if not summary["rows"]:
        return f"截至{when or '目前'}，数据库中没有{'任何改造年度' if not batch_years else scope}的小区台账。"
    lines.append(f"截至{when}（{scope}），共{summary['rows']:,}个小区")
    by_district = summary.get("by_district") or {}
    order = [d for d in config.district_names() if d in by_district] + sorted(
        d for d in by_district if d not in config.district_names())
    header = ["区市", "数据截至", "小区数", "已开工", "开工率", "已完工", "户数", "计划投资(万元)", "完成投资(万元)"]
    rows = []
    totals = {"communities": 0, "started": 0, "completed": 0, "households": 0,
              "planned_investment_wan": 0.0, "completed_investment_wan": 0.0}
    for name in order:
        d = by_district[name]
        for k in totals:
            totals[k] += d.get(k) or 0
        rate = f"{100 * d['started'] / d['communities']:.1f}%" if d.get("communities") else "-"
        rows.append([name, snapshot_dates.get(name, "-"), _fmt_num(d.get("communities")), _fmt_num(d.get("started")),
                     rate, _fmt_num(d.get("completed")), _fmt_num(d.get("households")),
                     _fmt_num(d.get("planned_investment_wan"), 1), _fmt_num(d.get("completed_investment_wan"), 1)])
    rate = f"{100 * totals['started'] / totals['communities']:.1f}%" if totals["communities"] else "-"
    rows.append(["合计", "", _fmt_num(totals["communities"]), _fmt_num(totals["started"]), rate,
                 _fmt_num(totals["completed"]), _fmt_num(totals["households"]),
                 _fmt_num(totals["planned_investment_wan"], 1), _fmt_num(totals["completed_investment_wan"], 1)])
    lines += ["", *_table(header, rows, right=set(range(2, len(header))))]
    by_node = summary.get("by_node") or {}
    if by_node:
        lines += ["", "已到达各节点的小区数：" + "，".join(f"{k} {v:,}" for k, v in by_node.items())]
    by_status = summary.get("by_status") or {}
    if by_status:
        lines.append("当前节点分布：" + "，".join(f"{k} {v:,}" for k, v in by_status.items()))
    lines.append(f"打包项目：{_fmt_num(summary.get('bundles'))}个；计划加装电梯：{_fmt_num(summary.get('elevators_planned'))}部")
    return "\n".join(lines)


def years_text(years: list[int]) -> str:
    """2022, 2022–2024 for consecutive years, 2021、2024 otherwise (a dash would read as a range)."""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return "、".join(str(y) for y in years)


def _batch_table(frame) -> list[str]:
    """One row per batch year (shown when the selection spans several)."""
    header = ["改造年度", "小区数", "已开工", "开工率", "已完工", "户数", "计划投资(万元)", "完成投资(万元)"]
    rows = []
    for year, part in frame.groupby("batch_year", sort=True):
        figures = _ledger_summary(part.drop(columns=["report_date"]))
        d = figures["by_district"].values()
        n = figures["rows"]
        started = sum(v["started"] for v in d)
        rows.append([f"{int(year)}年度", _fmt_num(n), _fmt_num(started), f"{100 * started / n:.1f}%" if n else "-",
                     _fmt_num(sum(v["completed"] for v in d)), _fmt_num(sum(v["households"] for v in d)),
                     _fmt_num(sum(v["planned_investment_wan"] for v in d), 1),
                     _fmt_num(sum(v["completed_investment_wan"] for v in d), 1)])
    return ["", "按改造年度：", *_table(header, rows, right=set(range(1, len(header))))]


def run_summary(args) -> int:
    as_of = parse_date(args.as_of) if args.as_of else None
    batch_years = parse_batch_years(args.batch_year) if args.batch_year else None
    store = _open_store(args.db, must_exist=True)
    frame = store.ledger_as_of(as_of, batch_years=batch_years, columns=SUMMARY_COLUMNS)
    summary = _summary_of(frame, as_of)
    if args.json:
        _out(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    selected = store.selected_snapshots(as_of, batch_years=batch_years)
    dates: dict[str, str] = {}
    for name, group in selected.groupby("district"):
        ds = sorted({d.isoformat() for d in group["report_date"]})
        dates[str(name)] = ds[-1] if len(ds) == 1 else f"{ds[0]}至{ds[-1]}"
    _out(render_summary(summary, dates, batch_years))
    if frame["batch_year"].nunique() > 1:
        _out("\n".join(_batch_table(frame)))
    return 0


# ---------------------------------------------------------------------------------------------- import
def _print_report(result) -> None:
    """The validation report, printed the way `check` prints it (loaders.cli's printer when it offers one)."""
    try:
        from loaders import cli as check_cli
    except Exception:  # noqa: BLE001 - not there or broken: the plain report below still says everything
        check_cli = None
    public = getattr(check_cli, "print_report", None)
    if callable(public):
        public(result)
        return
    rd = result.report_date
    _out(f"台账：{result.source_name}")
    _out(f"截至日期：{f'{rd.year}年{rd.month}月{rd.day}日' if rd else '未注明'}    读取小区：{len(result.frame):,}个")
    print_issues = getattr(check_cli, "_print_issues", None)
    if callable(print_issues):
        print_issues("错误（必须修改，否则不能入库）", result.errors)
        print_issues("警告（请核对，不影响入库）", result.warnings)
    else:
        for title, issues in (("错误（必须修改，否则不能入库）", result.errors), ("警告（请核对，不影响入库）", result.warnings)):
            if issues:
                _out(f"\n{title}（{len(issues)}个）：")
                for issue in issues:
                    _out(f"    - {issue.describe()}")
    if not result.errors and not result.warnings:
        _out("校验通过：无错误、无警告。")


def run_import(args) -> int:
    from loaders import writes
    from loaders.accounts import NotAuthorized, operator
    from loaders.audit import file_sha256
    from loaders.store import DuplicateSnapshot, ImportRefused

    report_date = parse_date(args.report_date) if args.report_date else None
    batch_year = None
    if args.batch_year:
        years = parse_batch_years(args.batch_year)
        if len(years) != 1:
            raise UsageError("导入时 --batch-year 只能指定一个年度，如 2022")
        batch_year = years[0]
    path = Path(args.file)
    try:
        from loaders.reader import read_ledger
    except ImportError:
        _err("台账读取模块（loaders/reader.py）尚未安装，无法导入")
        return 2
    # an unreadable file (missing, a folder, not a table …) is reported by loaders.cli.main, as for check
    result = read_ledger(path, source_name=path.name, report_date=report_date, batch_year=batch_year, crs=args.crs)
    _print_report(result)
    if result.errors:
        _err(f"「{path.name}」有{len(result.errors)}个错误，未导入；请改正后重新导入。")
        return 1
    store = _open_store(args.db, must_exist=False)
    try:
        outcome = writes.import_ledger(store, result, operator(), replace=args.replace, file_name=path.name,
                                       file_sha256=file_sha256(path.read_bytes()))
    except DuplicateSnapshot as exc:
        _err(f"未导入：{exc}")
        return 1
    except (ImportRefused, NotAuthorized) as exc:
        _err(f"未导入：{exc}")
        return 1
    _out("")
    _out(f"已导入「{outcome.source_name}」到 {store.path}：截至{outcome.report_date.isoformat()}，"
         f"共{outcome.rows:,}个小区，{len(outcome.snapshots)}个快照（区市 × 改造年度）")
    for snap in outcome.snapshots:
        _out(f"  {snap.describe()}")
    if outcome.same_content_as:
        earlier_id, earlier_name = outcome.same_content_as
        _out(f"注意：内容与此前导入的「{earlier_name}」（第{earlier_id}次导入）完全相同，请确认是否报送了新一期台账。")
    return 0


# ------------------------------------------------------------------------------------ snapshots / restore
def run_snapshots(args) -> int:
    store = _open_store(args.db, must_exist=True)
    snaps = store.snapshots(include_inactive=args.all)
    if args.as_of:
        snaps = snaps[snaps["report_date"] == parse_date(args.as_of)]
    if args.json:
        records = []
        for r in snaps.itertuples(index=False):
            records.append({"snapshot_id": int(r.snapshot_id), "district": str(r.district),
                            "batch_year": int(r.batch_year), "report_date": r.report_date.isoformat(),
                            "rows": int(r.rows), "source_name": str(r.source_name), "imported_at": r.imported_at,
                            "active": bool(r.active),
                            "replaced_by": None if pd_isna(r.replaced_by) else int(r.replaced_by)})
        _out(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if snaps.empty:
        _out("数据库中没有符合条件的快照。")
        return 0
    rows = []
    for r in snaps.itertuples(index=False):
        state = "当前" if r.active else (f"已被#{int(r.replaced_by)}替换" if not pd_isna(r.replaced_by) else "已停用")
        rows.append([str(r.snapshot_id), str(r.district), str(r.batch_year), r.report_date.isoformat(),
                     f"{int(r.rows):,}", state, str(r.source_name), str(r.imported_at)])
    header = ["编号", "区市", "年度", "截至日期", "小区数", "状态", "来源文件", "导入时间"]
    _out("\n".join(_table(header, rows, right={0, 4})))
    if not args.all:
        _out("\n（加 --all 可列出已被替换的旧版本；用 restore 编号 可恢复旧版本）")
    return 0


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def run_restore(args) -> int:
    store = _open_store(args.db, must_exist=True)
    from loaders import writes
    from loaders.accounts import operator

    restored = writes.restore_snapshot(store, args.snapshot_id, operator())
    _out(f"已恢复快照#{restored.snapshot_id}：{restored.district} {restored.batch_year}年度 "
         f"截至{restored.report_date.isoformat()}，{restored.rows}个小区")
    if restored.replaced_snapshot_id is not None:
        _out(f"原当前版本#{restored.replaced_snapshot_id}已转为旧版本，仍可用 restore {restored.replaced_snapshot_id} 恢复")
    return 0


# ---------------------------------------------------------------------------------------------- wiring
def _store_subcommand(subparsers, name: str, help_text: str, description: str) -> argparse.ArgumentParser:
    from loaders.cli import subcommand

    p = subcommand(subparsers, name, help_text, description)
    p.add_argument("--db", metavar="PATH", help="数据库文件（默认：配置中的数据库）")
    return p


def add_subcommands(subparsers) -> None:
    p = _store_subcommand(subparsers, "import", "把台账作为快照存入数据库",
                          "校验台账，无错误时按区市和改造年度存为快照（同一日期再次导入需 --replace）")
    p.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    p.add_argument("--report-date", metavar="YYYY-MM-DD", help="截至日期（文件标题中没有时必填）")
    p.add_argument("--batch-year", metavar="N", help="改造年度（文件中没有时）")
    p.add_argument("--crs", choices=["wgs84", "gcj02", "bd09"], help="坐标系（文件中未注明时）")
    p.add_argument("--replace", action="store_true", help="替换已导入的同区市、同年度、同日期台账（原版本保留可恢复）")
    p.set_defaults(func=_guarded(run_import))

    s = _store_subcommand(subparsers, "summary", "数据库中截至某日的汇总",
                          "每个区市、每个改造年度取截至该日最近一期台账，汇总")
    s.add_argument("--as-of", metavar="YYYY-MM-DD", help="截至日期（默认：最新）")
    s.add_argument("--batch-year", metavar="N|N-M", help="改造年度，如 2022 或 2022-2024")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=_guarded(run_summary))

    h = _store_subcommand(subparsers, "snapshots", "列出数据库中的快照（各区市各期台账）",
                          "列出已导入的快照；--all 同时列出被 --replace 替换的旧版本")
    h.add_argument("--all", action="store_true", help="包括已被替换的旧版本")
    h.add_argument("--as-of", metavar="YYYY-MM-DD", help="只列出该截至日期的快照")
    h.add_argument("--json", action="store_true", help="输出 JSON")
    h.set_defaults(func=_guarded(run_snapshots))

    r = _store_subcommand(subparsers, "restore", "恢复被替换的旧版本快照",
                          "把一个被替换的旧版本恢复为当前版本（当前版本转为旧版本，可再恢复）")
    r.add_argument("snapshot_id", metavar="编号", type=_snapshot_number, help="快照编号（见 snapshots --all）")
    r.set_defaults(func=_guarded(run_restore))


def _snapshot_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"快照编号应为整数（见 snapshots --all），而不是「{text}」") from None


def _guarded(command):
    """The store's errors as exit statuses; everything else is loaders.cli.main's (one policy for all commands)."""

    def guarded(args) -> int:
        from loaders.store import StoreError, StoreUnavailable

        try:
            return command(args)
        except UsageError as exc:
            _err(str(exc))
            return 2
        except StoreUnavailable as exc:  # the database cannot be used: like an unreadable file
            _err(str(exc))
            return 2
        except StoreError as exc:  # refused (e.g. restoring the current version)
            _err(str(exc))
            return 1

    guarded.__name__ = command.__name__
    return guarded


def main(argv: list[str] | None = None) -> int:
    """The same as `python -m loaders` (whose parser holds these commands)."""
    from loaders import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
