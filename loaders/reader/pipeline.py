"""read_ledger: one district ledger file -> the canonical frame and one report, as a list of steps.

 1. loaders.safety: size, content sniffing, zip bomb, used range and the limits, parse in a child process;
    text files decoded (loaders.reader.text_file)
 2. per sheet (loaders.reader.workbook -> .sheet): the header (.header), the title rows (.title), the kind of
    every row (.rows) -> a Part per ledger table
 3. summary sheets and last week's copies dropped (.copies); the report date settled (.title)
 4. every field family converted over all parts at once (.fields)
 5. the node reached from dates, progress words and 是否 columns (.progress)
 6. plausibility checks (.checks), coordinates to WGS-84 (.coordinates), duplicate ids (.checks)
See docs/reader.md for the decisions.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

from loaders import safety
from loaders.reader import checks, coordinates, fields, progress
from loaders.reader.copies import drop_older_copies, drop_summary_copies
from loaders.reader.model import GIVE_DATE, Options, Part, Report, as_date
from loaders.reader.title import full_date_in, settle_report_date, title_info
from loaders.reader.workbook import read_tables
from loaders.report import LedgerResult, UnreadableLedger
from loaders.schema import empty_ledger


def read_ledger(source, *, source_name: str | None = None, report_date: date | None = None,
                batch_year: int | None = None, crs: str | None = None) -> LedgerResult:
    """Read one district ledger (xlsx/xls/csv path or bytes) into the canonical frame with its report.

    Raises UnreadableLedger (one Chinese sentence) when the file cannot be read at all; never anything else
    for bad input.
    """
    try:
        return _read_ledger(source, source_name=source_name, report_date=report_date, batch_year=batch_year,
                            crs=crs)
    except UnreadableLedger:
        raise
    except MemoryError as exc:
        raise UnreadableLedger("文件内容超出可处理的内存上限，已中止读取。") from exc
    except Exception as exc:  # noqa: BLE001 - the user never sees a traceback; the incident log keeps it
        from loaders import incidents
        incident = incidents.record(exc, f"read_ledger {source_name or ''}")
        raise UnreadableLedger(f"读取文件时发生意外错误（{type(exc).__name__}），文件可能格式异常"
                               f"{incidents.reference(incident)}。请用Excel打开并另存为.xlsx后重试；"
                               "如仍失败请联系系统管理员并告知错误编号。") from exc


_GEO_PREFETCH: list = []


def _prefetch_geodata() -> None:
    """Import the geo helper and load the boundaries in a thread while the workbook is being parsed."""
    if _GEO_PREFETCH:
        return

    def work() -> None:
        try:
            from loaders import geodata
            geodata.load_boundaries()
        except Exception:  # noqa: BLE001 - the coordinate step copes without boundaries
            pass

    thread = threading.Thread(target=work, name="geodata-prefetch", daemon=True)
    _GEO_PREFETCH.append(thread)
    thread.start()


def _read_ledger(source, *, source_name, report_date, batch_year, crs) -> LedgerResult:
    prep = safety.prepare(source, source_name)
    _prefetch_geodata()
    rep = Report()
    given = as_date(report_date)
    opts = Options(source_name=prep.name, batch_year=int(batch_year) if batch_year else None, crs=_crs_option(crs))
    book = read_tables(prep, rep, opts)
    parts = book.parts
    if given is None:
        _date_from_file_name(parts, prep.name)
    parts = drop_summary_copies(drop_older_copies(parts, given, rep), rep)
    rd = settle_report_date(parts, given, rep, prep.name)
    if rd is None and parts:
        rep.warn(parts[0].sheet, None, None, None,
                 f"未找到截至日期：请在标题中写明“截至2023年6月30日”，或{GIVE_DATE}；"
                 "未核对实际时间是否晚于截至日期。")
    parts = [p for p in parts if len(p.rows)]
    if parts:
        table = fields.Table(parts, rep)
        opts = replace(opts, report_date=rd)
        fields.convert(table, opts)
        coordinates.coordinates_raw(table, opts)
        progress.node_reached(table, rd)
        checks.plausibility(table, rd)
        coordinates.coordinates_final(table)
        frame = fields.to_frame(table)
        checks.duplicates(frame, rep, {p.sheet: p.header("community_id") for p in parts})
    else:
        frame = empty_ledger()
        checks.no_communities(book.parts, prep.name, rep)
    order = book.sheet_order
    rep.errors.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
    rep.warnings.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
    return LedgerResult(frame=frame, report_date=rd, source_name=prep.name, errors=rep.errors, warnings=rep.warnings)


def _crs_option(crs: str | None) -> str | None:
    if crs is None:
        return None
    from loaders.coords import normalize_crs
    try:
        return normalize_crs(crs)
    except ValueError as exc:
        raise UnreadableLedger(str(exc)) from exc


def _date_from_file_name(parts: list[Part], name: str) -> None:
    """No 截至 line in any sheet: the file name often carries it (台账（截至2022年5月31日）.xlsx, or a weekly
    file named by its date: 市北区台账2022.5.31.xlsx, 台账（20220531）.xlsx)."""
    if not parts or any(p.title_date for p in parts):
        return
    stem = Path(name).stem
    found = title_info(stem).report_date or full_date_in(stem)
    if found:
        for p in parts:
            p.title_date, p.title_date_text = found, None
