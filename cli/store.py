"""The store commands: import, summary, snapshots and restore.

Exit status like `check`: 0 done, 1 refused (errors in the ledger, already imported, restoring the current
version), 2 unreadable file, bad option or unusable (missing, damaged, foreign, locked) database — cli.main's
policy for StoreError / StoreUnavailable.
"""
from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from cli.common import (err, open_store, out, parse_batch_years, parse_date, read_ledger_file,
                        read_options, subcommand, table)

SUMMARY_KEYS = ("report_date", "rows", "by_district", "by_status", "by_node", "bundles", "elevators_planned")
# Columns the summary reads from the store (all ledger_summary needs; reading fewer is what keeps it fast).
SUMMARY_COLUMNS = ["district", "batch_year", "households", "planned_investment_wan", "completed_investment_wan",
                   "elevators_planned", "bundle", "node_reached", "status"]


def add_subcommands(sub) -> None:
    p = subcommand(sub, "import", "把台账作为快照存入数据库",
                   "校验台账，无错误时按区市和改造年度存为快照（同一日期再次导入需 --replace）", db=True)
    p.add_argument("file", metavar="FILE", help="台账文件（.xlsx / .xls / .csv）")
    read_options(p)
    p.add_argument("--replace", action="store_true", help="替换已导入的同区市、同年度、同日期台账（原版本保留可恢复）")
    p.set_defaults(func=run_import)

    s = subcommand(sub, "summary", "数据库中截至某日的汇总", "每个区市、每个改造年度取截至该日最近一期台账，汇总", db=True)
    s.add_argument("--as-of", metavar="YYYY-MM-DD", help="截至日期（默认：最新）")
    s.add_argument("--batch-year", metavar="N|N-M", help="改造年度，如 2022 或 2022-2024")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=run_summary)

    h = subcommand(sub, "snapshots", "列出数据库中的快照（各区市各期台账）",
                   "列出已导入的快照；--all 同时列出被 --replace 替换的旧版本", db=True)
    h.add_argument("--all", action="store_true", help="包括已被替换的旧版本")
    h.add_argument("--as-of", metavar="YYYY-MM-DD", help="只列出该截至日期的快照")
    h.add_argument("--json", action="store_true", help="输出 JSON")
    h.set_defaults(func=run_snapshots)

    r = subcommand(sub, "restore", "恢复被替换的旧版本快照",
                   "把一个被替换的旧版本恢复为当前版本（当前版本转为旧版本，可再恢复）", db=True)
    r.add_argument("snapshot_id", metavar="编号", type=_snapshot_number, help="快照编号（见 snapshots --all）")
    r.set_defaults(func=run_restore)


def _snapshot_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"快照编号应为整数（见 snapshots --all），而不是「{text}」") from None


# --------------------------------------------------------------------------------------------- summary
def store_summary(store, as_of: date | None = None, batch_years: list[int] | None = None) -> dict:
    """The summary figures of the store's state as of a date (JSON-ready, keys SUMMARY_KEYS), from the
    aggregates the store keeps with each snapshot (from the community rows on a read-only store made before them).
    """
    return _summary_figures(store, as_of, batch_years)[0]


def _summary_figures(store, as_of: date | None, batch_years: list[int] | None) -> tuple[dict, dict]:
    """store_summary's figures, and the by_district figures of each batch year."""
    from metrics.summary import ledger_summary, summary_as_of

    figures = summary_as_of(store, as_of, batch_years=batch_years)
    if figures is None:
        frame = store.ledger_as_of(as_of, batch_years=batch_years, columns=SUMMARY_COLUMNS)
        figures = ledger_summary(frame.drop(columns=["report_date"]))
        figures["report_date"] = frame["report_date"].max().date() if len(frame) else None
        figures["by_batch"] = {int(year): _batch_sums(part)
                               for year, part in frame.groupby("batch_year", sort=True)}
    latest, by_batch = figures.pop("report_date"), figures.pop("by_batch")
    figures.pop("totals", None)
    used = as_of if as_of is not None else latest
    summary = {"report_date": used.isoformat() if used else None}
    for key in SUMMARY_KEYS[1:]:
        summary[key] = figures.get(key)
    for key, value in figures.items():  # anything extra ledger_summary offers, after the documented keys
        summary.setdefault(key, value)
    return summary, by_batch


def _batch_sums(frame) -> dict:
    from metrics.summary import ledger_summary

    figures = ledger_summary(frame.drop(columns=["report_date"]))
    d = list(figures["by_district"].values())
    return {k: sum(v[k] for v in d) for k in _FIGURE_KEYS}


def _figures_row(label: list[str], communities, started, completed, households, planned, completed_wan) -> list[str]:
    """One table row; the start rate rounded and written as the dashboard writes it."""
    from metrics.numbers import fmt_int, fmt_number, fmt_pct
    from metrics.progress import start_rate

    return [*label, fmt_int(communities), fmt_int(started), fmt_pct(start_rate(started, communities)),
            fmt_int(completed), fmt_int(households), fmt_number(planned, 1), fmt_number(completed_wan, 1)]


_FIGURE_HEADERS = ["小区数", "已开工", "开工率", "已完工", "户数", "计划投资(万元)", "完成投资(万元)"]
_FIGURE_KEYS = ("communities", "started", "completed", "households", "planned_investment_wan",
                "completed_investment_wan")


def _district_groups(by_district: dict) -> list[tuple[str, list[str]]]:
    """The stored districts in the official order: one group ("", names) for one city; at province level one
    group per city, then ("", any name no city holds)."""
    from loaders import config

    official = config.district_names()
    stray = sorted(d for d in by_district if d not in official)
    if not config.is_province():
        return [("", [d for d in official if d in by_district] + stray)]
    groups = [(c, [d for d in config.city_district_names(c) if d in by_district]) for c in config.city_names()]
    return [g for g in groups if g[1]] + ([("", stray)] if stray else [])


def render_summary(summary: dict, snapshot_dates: dict[str, str], batch_years: list[int] | None) -> str:
    from loaders import config
    from metrics.numbers import fmt_int

    when = summary["report_date"]
    scope = "全部改造年度" if not batch_years else f"{years_text(batch_years)}年度"
    if not summary["rows"]:
        return f"截至{when or '目前'}，数据库中没有{'任何改造年度' if not batch_years else scope}的小区台账。"
    lines = [f"截至{when}（{scope}），共{summary['rows']:,}个小区"]
    by_district = summary.get("by_district") or {}
    header = ["区市", "数据截至", *_FIGURE_HEADERS]
    rows = []
    totals = dict.fromkeys(_FIGURE_KEYS, 0)
    for city, names in _district_groups(by_district):
        subtotal = dict.fromkeys(_FIGURE_KEYS, 0)
        for name in names:
            d = by_district[name]
            for k in totals:
                subtotal[k] += d.get(k) or 0
            rows.append(_figures_row([name, snapshot_dates.get(name, "-")], *(d.get(k) for k in _FIGURE_KEYS)))
        if city:   # a province: each city's districts, then the city's own line
            rows.append(_figures_row([f"{city}小计", ""], *(subtotal[k] for k in _FIGURE_KEYS)))
        for k in totals:
            totals[k] += subtotal[k]
    rows.append(_figures_row(["全省合计" if config.is_province() else "合计", ""], *(totals[k] for k in _FIGURE_KEYS)))
    lines += ["", *table(header, rows, right=set(range(2, len(header))))]
    by_node = summary.get("by_node") or {}
    if by_node:
        lines += ["", "已到达各节点的小区数：" + "，".join(f"{k} {v:,}" for k, v in by_node.items())]
    by_status = summary.get("by_status") or {}
    if by_status:
        lines.append("当前节点分布：" + "，".join(f"{k} {v:,}" for k, v in by_status.items()))
    lines.append(f"打包项目：{fmt_int(summary.get('bundles'))}个；计划加装电梯：{fmt_int(summary.get('elevators_planned'))}部")
    return "\n".join(lines)


def years_text(years: list[int]) -> str:
    """2022, 2022–2024 for consecutive years, 2021、2024 otherwise (a dash would read as a range)."""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return "、".join(str(y) for y in years)


def _batch_table(by_batch: dict) -> list[str]:
    """One row per batch year (shown when the selection spans several)."""
    rows = [_figures_row([f"{year}年度"], *(sums[k] for k in _FIGURE_KEYS)) for year, sums in by_batch.items()]
    header = ["改造年度", *_FIGURE_HEADERS]
    return ["", "按改造年度：", *table(header, rows, right=set(range(1, len(header))))]


def run_summary(args) -> int:
    as_of = parse_date(args.as_of, "截至日期")
    batch_years = parse_batch_years(args.batch_year) if args.batch_year else None
    store = open_store(args.db, must_exist=True)
    summary, by_batch = _summary_figures(store, as_of, batch_years)
    if args.json:
        out(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    selected = store.selected_snapshots(as_of, batch_years=batch_years)
    dates: dict[str, str] = {}
    for name, group in selected.groupby("district"):
        ds = sorted({d.isoformat() for d in group["report_date"]})
        dates[str(name)] = ds[-1] if len(ds) == 1 else f"{ds[0]}至{ds[-1]}"
    out(render_summary(summary, dates, batch_years))
    if len(by_batch) > 1:
        out("\n".join(_batch_table(by_batch)))
    return 0


# ---------------------------------------------------------------------------------------------- import
def run_import(args) -> int:
    from cli.ledger import print_report
    from loaders import writes
    from loaders.accounts import NotAuthorized, operator
    from loaders.audit import file_sha256
    from loaders.store import DuplicateSnapshot, ImportRefused

    # an unreadable file (missing, a folder, not a table …) is reported by cli.main, as for check
    result = read_ledger_file(args)
    print_report(result)
    if result.errors:
        err(f"「{result.source_name}」有{len(result.errors)}个错误，未导入；请改正后重新导入。")
        return 1
    store = open_store(args.db, must_exist=False)
    try:
        path = Path(args.file)
        outcome = writes.import_ledger(store, result, operator(), replace=args.replace, file_name=path.name,
                                       file_sha256=file_sha256(path.read_bytes()))
    except (DuplicateSnapshot, ImportRefused, NotAuthorized) as exc:
        err(f"未导入：{exc}")
        return 1
    out("")
    out(f"已导入「{outcome.source_name}」到 {store.path}：截至{outcome.report_date.isoformat()}，"
        f"共{outcome.rows:,}个小区，{len(outcome.snapshots)}个快照（区市 × 改造年度）")
    for snap in outcome.snapshots:
        out(f"  {snap.describe()}")
    if outcome.same_content_as:
        earlier_id, earlier_name = outcome.same_content_as
        out(f"注意：内容与此前导入的「{earlier_name}」（第{earlier_id}次导入）完全相同，请确认是否报送了新一期台账。")
    return 0


# ------------------------------------------------------------------------------------ snapshots / restore
def run_snapshots(args) -> int:
    import pandas as pd

    store = open_store(args.db, must_exist=True)
    snaps = store.snapshots(include_inactive=args.all)
    if args.as_of:
        snaps = snaps[snaps["report_date"] == parse_date(args.as_of, "截至日期")]
    if args.json:
        records = []
        for r in snaps.itertuples(index=False):
            records.append({"snapshot_id": int(r.snapshot_id), "district": str(r.district),
                            "batch_year": int(r.batch_year), "report_date": r.report_date.isoformat(),
                            "rows": int(r.rows), "source_name": str(r.source_name), "imported_at": r.imported_at,
                            "active": bool(r.active),
                            "replaced_by": None if pd.isna(r.replaced_by) else int(r.replaced_by)})
        out(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if snaps.empty:
        out("数据库中没有符合条件的快照。")
        return 0
    rows = []
    for r in snaps.itertuples(index=False):
        state = "当前" if r.active else (f"已被#{int(r.replaced_by)}替换" if not pd.isna(r.replaced_by) else "已停用")
        rows.append([str(r.snapshot_id), str(r.district), str(r.batch_year), r.report_date.isoformat(),
                     f"{int(r.rows):,}", state, str(r.source_name), str(r.imported_at)])
    header = ["编号", "区市", "年度", "截至日期", "小区数", "状态", "来源文件", "导入时间"]
    out("\n".join(table(header, rows, right={0, 4})))
    if not args.all:
        out("\n（加 --all 可列出已被替换的旧版本；用 restore 编号 可恢复旧版本）")
    return 0


def run_restore(args) -> int:
    from loaders import writes
    from loaders.accounts import operator

    store = open_store(args.db, must_exist=True)
    restored = writes.restore_snapshot(store, args.snapshot_id, operator())
    out(f"已恢复快照#{restored.snapshot_id}：{restored.district} {restored.batch_year}年度 "
        f"截至{restored.report_date.isoformat()}，{restored.rows}个小区")
    if restored.replaced_snapshot_id is not None:
        out(f"原当前版本#{restored.replaced_snapshot_id}已转为旧版本，仍可用 restore {restored.replaced_snapshot_id} 恢复")
    return 0
