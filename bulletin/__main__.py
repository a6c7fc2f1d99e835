"""python -m bulletin --as-of YYYY-MM-DD [--batch-year N] [--issue-number N] [--db PATH] [--districts …]
--out FILE.docx

Writes the bulletin document and, beside it, the workbook, the chart PNGs and the work-group text.
Exit status 0 on success; 1 with one Chinese sentence on stderr when there is no bulletin to make (empty store,
no snapshot on the date, unknown district) or a file cannot be written; 2 for bad arguments (argparse).
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own English message, prefixed in Chinese
        self.print_usage(sys.stderr)
        print(f"参数错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _date(text: str) -> date:
    """The day typed, read as every command reads a typed date (cli.common.parse_date, the reader's parser)."""
    from cli.common import UsageError, parse_date

    try:
        day = parse_date(text, "日期")
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if day is None:
        raise argparse.ArgumentTypeError("日期不能为空，应为 YYYY-MM-DD，例如 2022-05-31")
    return day


def parse_args(argv=None):
    p = _Parser(prog="python -m bulletin", description="生成城镇老旧小区改造工作动态周通报（Word、Excel、图表、工作群文字）")
    p.add_argument("--as-of", required=True, type=_date, help="通报截至日期（须为台账快照日期），YYYY-MM-DD")
    p.add_argument("--batch-year", type=int, action="append", dest="batch_years",
                   help="改造年度（可重复）；默认为截至日期所在年度")
    p.add_argument("--issue-number", type=int, help="期数；默认按该年度第一期台账以来的周数推算")
    p.add_argument("--db", type=Path, help="台账库路径（默认见 config/settings.toml 或环境变量 LEDGER_DB）")
    p.add_argument("--districts", nargs="+", help="只统计这些区（市），默认全市")
    p.add_argument("--out", required=True, type=Path, help="输出的 .docx 文件；其他文件写在同一目录")
    p.add_argument("--no-images", action="store_true", help="不导出图表（无 Chromium 时使用）")
    return p.parse_args(argv)


def _open_store(db: Path | None):
    from loaders.sample import open_default_store
    from loaders.store import LedgerStore

    if db is not None and not db.is_file():
        raise FileNotFoundError(f"台账库文件不存在：{db}")
    return LedgerStore(db) if db is not None else open_default_store()


def _resolve_districts(names: list[str] | None) -> list[str] | None:
    """Official names for the given names or aliases; unknown ones raise ValueError (Chinese)."""
    if not names:
        return None
    from loaders import config

    lookup = {}
    for d in config.districts():
        lookup[d.name] = d.name
        for alias in d.aliases:
            lookup[alias] = d.name
    out, unknown = [], []
    for raw in names:
        for name in raw.replace("，", ",").replace("、", ",").split(","):
            name = name.strip()
            if not name:
                continue
            if name in lookup:
                out.append(lookup[name])
            else:
                unknown.append(name)
    if unknown:
        raise ValueError(f"未知的区（市）：{'、'.join(unknown)}。可选：{'、'.join(config.district_names())}")
    return list(dict.fromkeys(out))


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    out = args.out if args.out.suffix.lower() == ".docx" else args.out.with_suffix(".docx")
    try:
        from bulletin.build import generate
        from bulletin.content import BulletinError
        from bulletin.render import RenderError
        from loaders.store import StoreError

        try:
            districts = _resolve_districts(args.districts)
            store = _open_store(args.db)
            files = generate(store, args.as_of, args.batch_years, districts, args.issue_number,
                             images=not args.no_images)
            written = files.write(out)
        except RenderError as exc:
            print(f"未生成通报：{exc}（可加 --no-images 生成不含图表的通报）", file=sys.stderr)
            return 1
        except (BulletinError, StoreError, ValueError, FileNotFoundError) as exc:   # StoreError: e.g. damaged
            print(f"未生成通报：{exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"未生成通报：文件写入失败（{exc.strerror or exc}）：{exc.filename or out}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user; the incident log keeps it
        from loaders import incidents

        incident = incidents.record(exc, f"python -m bulletin {' '.join(sys.argv[1:] if argv is None else argv)}")
        print(f"未生成通报：发生意外错误（{type(exc).__name__}）{incidents.reference(incident)}。"
              "请联系系统管理员并告知错误编号。", file=sys.stderr)
        return 1
    c = files.content
    print(f"已生成《{c.full_title}》（截至{c.date_line}）：")
    for path in written:
        print(f"  {path}")
    print(files.text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
