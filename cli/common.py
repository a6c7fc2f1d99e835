"""What every command shares: output, the Chinese argparse, option parsers and the store option.

Option values a person types are parsed here, once for every command: dates by the reader's own date parser
(so `check` and `import` accept and refuse the same --report-date), batch years, years.
"""
from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path


class UsageError(Exception):
    """A bad option value or an output that cannot be written; str(exc) is Chinese. Exit status 2."""


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


# ------------------------------------------------------------------------------------------- option values
def parse_date(text: str | None, what: str = "日期") -> date | None:
    """A day typed by a person, read by the reader's one parser (loaders.reader.parse_report_date): the
    command line accepts and refuses exactly what the upload form does."""
    if text is None or not text.strip():
        return None
    from loaders.reader import parse_report_date

    try:
        return parse_report_date(text, what)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def parse_year(text) -> int | None:
    """One batch year, 2000–2100."""
    if text in (None, ""):
        return None
    try:
        y = int(str(text).strip())
    except ValueError:
        raise UsageError(f"改造年度格式不正确：「{text}」，应为四位年份，如 2023。") from None
    if not 2000 <= y <= 2100:
        raise UsageError(f"改造年度不合理：{y}，应为四位年份，如 2023。")
    return y


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


# ------------------------------------------------------------------------------------------------ the store
def open_store(db: str | None, *, must_exist: bool):
    """The store named by --db, else the deployment's (only the unconfigured demo store is seeded)."""
    from loaders import config
    from loaders.sample import open_default_store
    from loaders.stores import open_store as open_named_store

    if db is None:
        return open_default_store()
    if config.is_server_url(db):   # --db postgresql://…: the server store
        return open_named_store(db)
    path = Path(db)
    if must_exist and not path.exists():
        raise UsageError(f"数据库文件不存在：{path}")
    return open_named_store(path)


# ---------------------------------------------------------------------------------------- argparse in Chinese
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


def chinese_argparse() -> None:
    """argparse's own words (usage, errors) in Chinese, like our help texts."""
    base = argparse._
    if getattr(base, "chinese", False):
        return

    def translate(text):
        return _ARGPARSE_ZH.get(text, base(text))

    translate.chinese = True
    argparse._ = translate
    argparse.ngettext = lambda s, p, n: _ARGPARSE_ZH.get(s if n == 1 else p, s if n == 1 else p)


def subcommand(sub, name: str, help_text: str, description: str, *, db: bool = False) -> argparse.ArgumentParser:
    """A subcommand whose own -h/--help is worded in Chinese (argparse's is fixed English); db=True adds the
    store option --db every store command has."""
    p = sub.add_parser(name, help=help_text, description=description, add_help=False)
    p.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    if db:
        p.add_argument("--db", metavar="PATH", help="数据库文件（默认：配置中的数据库）")
    return p


def read_options(p: argparse.ArgumentParser) -> None:
    """The options that tell the reader what a file does not say (check, export, import)."""
    p.add_argument("--report-date", metavar="YYYY-MM-DD", help="截至日期（文件标题中没有“截至…”时使用）")
    p.add_argument("--batch-year", metavar="N", help="改造年度（文件中没有“改造年度”列、标题中也没有年份时使用）")
    p.add_argument("--crs", choices=["wgs84", "gcj02", "bd09"],
                   help="经纬度的坐标系（表头和“坐标系”列都未注明时使用；默认 gcj02，即高德/腾讯）")


def read_ledger_file(args):
    """The file of a check/export/import command through the reader, with the options it was given."""
    from loaders.reader import read_ledger

    path = Path(args.file)
    return read_ledger(path, source_name=path.name, report_date=parse_date(args.report_date, "截至日期"),
                       batch_year=parse_year(args.batch_year), crs=args.crs)


# --------------------------------------------------------------------------------------------- plain tables
def width(text: str) -> int:
    """Columns a text takes in a terminal (CJK characters take two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - width(str(cell)))
            parts.append(pad + str(cell) if i in right else str(cell) + pad)
        return "  ".join(parts).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *[line(r) for r in rows]]
