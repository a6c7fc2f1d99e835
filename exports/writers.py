"""Excel and CSV bytes for any table with Chinese headers, formatted for print.

Excel: frozen header row, the header repeated on every printed page, A4 landscape fitted to the page width,
page numbers in the footer, numbers written as numbers with thousands separators, dates as dates, and 红/黄/绿
cells filled in their colour, text as string cells (never formulas, no prefix: exports.safety). CSV: UTF-8 with
a BOM (Excel opens it in the right encoding), dates as YYYY-MM-DD, numbers without separators so that they stay
numbers, text through exports.safety.neutralise_formulas (OWASP).
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping

import pandas as pd

from exports.safety import neutralise_formulas
from exports.tables import ledger_number_formats, ledger_table

LIGHT_FILLS = {"红": "#F8C7CC", "黄": "#FFE699", "绿": "#C6EFCE"}
MAX_WIDTH = 40


def _display_width(text: str) -> int:
    # A CJK character takes two columns in Excel's default font.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _default_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_integer_dtype(series.dtype):
        return "#,##0"
    if pd.api.types.is_float_dtype(series.dtype):
        return "#,##0.00"
    return None


def _column_width(name: str, series: pd.Series) -> int:
    sample = series.head(1000)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        value_width = 10
    elif pd.api.types.is_numeric_dtype(series.dtype):
        value_width = max((len(f"{v:,.2f}") for v in sample.dropna()), default=4)
    else:
        value_width = max((_display_width(str(v)) for v in sample.dropna()), default=4)
    return min(max(_display_width(str(name)), value_width) + 2, MAX_WIDTH)


def excel_bytes(sheets: pd.DataFrame | Mapping[str, pd.DataFrame], *, title: str | None = None,
                number_formats: Mapping[str, str] | None = None, title_row: bool = False) -> bytes:
    """An .xlsx workbook of one table or of several named sheets, formatted for print.

    `number_formats` maps a column header to an Excel format ("0.0%", "#,##0.0", "0"); other numeric columns get
    "#,##0" (integers) or "#,##0.00" (floats), dates "yyyy-mm-dd". `title` goes in every printed page's header,
    and with `title_row` also in a merged first row above the table (the sheet as a document of its own).
    """
    if isinstance(sheets, pd.DataFrame):
        sheets = {"Sheet1": sheets}
    number_formats = dict(number_formats or {})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False,
                                                   "strings_to_numbers": False}}) as writer:
        book = writer.book
        header_fmt = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                                      "border": 1, "bg_color": "#E7EEF7"})
        light_fmts = {word: book.add_format({"bg_color": colour}) for word, colour in LIGHT_FILLS.items()}
        title_fmt = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        formats: dict[str, object] = {}
        top = 1 if title and title_row else 0   # the header's row
        for sheet_name, frame in sheets.items():
            # Text is written as string cells (strings_to_formulas off), which no spreadsheet runs: no prefix.
            safe = frame.reset_index(drop=True)
            safe.to_excel(writer, sheet_name=sheet_name[:31], index=False, startrow=top)
            sheet = writer.sheets[sheet_name[:31]]
            rows, cols = safe.shape
            if top:
                sheet.merge_range(0, 0, 0, max(cols - 1, 1), title, title_fmt)
                sheet.set_row(0, 28)
            for j, name in enumerate(safe.columns):
                sheet.write_string(top, j, str(name), header_fmt)
                fmt_code = number_formats.get(str(name)) or _default_format(safe[name])
                if fmt_code and fmt_code not in formats:
                    formats[fmt_code] = book.add_format({"num_format": fmt_code})
                sheet.set_column(j, j, _column_width(str(name), safe[name]), formats.get(fmt_code))
            sheet.set_row(top, 32)
            sheet.freeze_panes(top + 1, 0)
            if cols:
                sheet.autofilter(top, 0, top + max(rows, 1), cols - 1)
            if rows and cols:
                for word, light_fmt in light_fmts.items():
                    sheet.conditional_format(top + 1, 0, top + rows, cols - 1, {
                        "type": "cell", "criteria": "==", "value": f'"{word}"', "format": light_fmt})
            sheet.set_paper(9)  # A4
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            sheet.repeat_rows(top)
            sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
            if title:
                sheet.set_header(f"&C&\"SimHei,Bold\"&12{_header_text(title)}")
            sheet.set_footer("&C第 &P 页，共 &N 页")
    return buffer.getvalue()


def _header_text(text: str) -> str:
    # "&" starts a control code in Excel headers; a literal one is written "&&".
    return text.replace("&", "&&")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM, dates as YYYY-MM-DD, numbers as plain numbers, text neutralised."""
    safe = neutralise_formulas(frame.reset_index(drop=True))
    return safe.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def ledger_excel(frame: pd.DataFrame, *, title: str = "老旧小区改造台账") -> bytes:
    """The canonical ledger frame as the 台账 page's Excel download."""
    return excel_bytes({"台账": ledger_table(frame)}, title=title, number_formats=ledger_number_formats())


def ledger_csv(frame: pd.DataFrame) -> bytes:
    """The canonical ledger frame as the 台账 page's CSV download."""
    return csv_bytes(ledger_table(frame))
