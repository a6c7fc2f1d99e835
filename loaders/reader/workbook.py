"""A whole file: the sheets as they arrive from the parser (or the one sheet of a text file),
each read into its ledger tables (loaders.reader.sheet) while the parser works on the next one."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loaders import headers, safety, xlsx_scan
from loaders import districts as dist
from loaders.reader.model import Options, Part, Report, Sheet
from loaders.reader.rows import INSTRUCTION_SHEET_RE
from loaders.reader.sheet import read_sheet
from loaders.reader.text_file import csv_sheet
from loaders.report import UnreadableLedger


@dataclass
class Workbook:
    parts: list[Part] = field(default_factory=list)       # every ledger table of every sheet, in file order
    sheet_order: dict[str, int] = field(default_factory=dict)


def read_tables(prep: safety.Prepared, rep: Report, opts: Options) -> Workbook:
    """Every ledger table of the file; the parser's and the XML scan's notes become issues; a file with no
    ledger sheet at all is an error naming the required columns it lacks."""
    book = Workbook()
    candidates: list = []
    hidden_cols: dict[str, set] = {}
    error_cells: dict[str, list] = {}
    scanned: list = []

    def scan_notes(notes: list) -> None:
        for kind, sheet, detail in notes:
            if kind == "too_big":
                rows, cols, far_row, far_col = detail
                rep.error(sheet, None, None, None,
                          safety.oversized_sheet_message(rows, cols, xlsx_scan.cell_ref(far_row, far_col)))
            elif kind == "formula_no_value":
                count = f"至少{-detail:,}" if detail < 0 else f"{detail:,}"
                rep.warn(sheet, None, None, None, f"该工作表有{count}个公式单元格没有保存计算结果（文件可能由程序生成、未在Excel中保存过），"
                                                  "这些单元格按空值读取。请在Excel中打开、保存后重新报送。")
            elif kind == "external_formulas":
                rep.warn(sheet, None, None, None, safety.external_formulas_message(*detail))
            elif kind == "hidden_columns":
                hidden_cols[sheet] = set(detail)
            elif kind == "error_cells":       # #DIV/0!, #N/A …: calamine returns them empty; shown as written
                error_cells[sheet] = detail
            elif kind == "sheet_error":
                rep.error(sheet, None, None, None, "该工作表无法读取（内容已损坏）。")

    def one_sheet(sh: Sheet, side=None) -> None:
        if side is not None and not scanned:      # the parent's XML scan: known before the first sheet
            scanned.append(side)
            scan_notes(side)
        book.sheet_order.setdefault(sh.name, len(book.sheet_order))
        sh.hidden_cols |= hidden_cols.get(sh.name, set())
        _put_error_cells(sh, error_cells.get(sh.name) or sh.error_cells)  # xlsx: the parent's scan; xls: the parser's
        if sh.hidden:
            rep.warn(sh.name, None, None, None, "隐藏的工作表，未读取。如需报送其中的数据，请取消隐藏。")
            return
        if INSTRUCTION_SHEET_RE.search(sh.name) and not dist.find_in_text(sh.name):
            rep.warn(sh.name, None, None, None, "填报说明或示例工作表，未读取（其中的示例不计入台账）。")
            return
        book.parts.extend(read_sheet(sh, rep, opts, candidates))

    text = csv_sheet(prep) if prep.kind == "csv" else None
    for msg in prep.warnings:
        rep.warn(prep.name, None, None, None, msg)
    for sheet, msg in prep.sheet_errors:
        rep.error(sheet, None, None, None, msg)
    if text is not None:
        one_sheet(text)
    else:
        _, notes = safety.parse_workbook(prep, on_sheet=lambda sh, side: one_sheet(Sheet.parsed(sh), side))
        done = scanned[0] if scanned else []
        scan_notes([nt for nt in notes if not any(nt is d or nt == d for d in done)])
    if not book.parts and prep.kind == "csv" and Path(prep.name).suffix.lower() in (".xls", ".xlsx", ".xlsm", ".et"):
        # text named like a workbook: systems export TSV as .xls (read above); anything else is not a spreadsheet
        raise UnreadableLedger(f"该文件扩展名为{Path(prep.name).suffix}，但内容是纯文本，且不是台账表格，无法读取。"
                               "请报送Excel（.xlsx/.xls）或CSV格式的台账原件。")
    if not book.parts and not rep.errors:
        req = [f for f in headers.required_fields() if not (f == "batch_year" and opts.batch_year)]
        got = max(candidates, key=lambda c: len(c[1]))[1] if candidates else []
        miss = "、".join(headers.field_label(f) for f in req if f not in got)
        rep.error(prep.name, None, None, None,
                  f"文件中没有可识别的项目台账工作表：未找到必填列「{miss}」。请检查表头是否为“小区编号、小区名称、所属区市、"
                  "改造年度、户数、总投资、累计完成投资”等。")
    return book


def _put_error_cells(sh: Sheet, cells: list) -> None:
    """Error values (#DIV/0!, #N/A), which the parser returns as empty cells, written back as text."""
    cols, codes = sh.cols, sh.codes
    for r, c, text in cells:
        if c < len(cols) and r < len(cols[c]) and (cols[c][r] is None or cols[c][r] == ""):
            if not cols[c].flags.writeable:
                cols[c] = cols[c].copy()
            cols[c][r] = text
            if not codes[c].flags.writeable:
                codes[c] = codes[c].copy()
            codes[c][r] = 2
