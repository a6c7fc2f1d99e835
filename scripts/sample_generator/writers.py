"""Step 6: the files, written byte-for-byte reproducibly (fixed workbook metadata, fixed line ends), and
`generate`, which runs every step for every report date."""
from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from pathlib import Path

from sample_generator.schedule import district_dates, report_dates
from sample_generator.districts import DISTRICTS
from sample_generator.model import Model
from sample_generator.sheets import dn, plan_grid, sheet_grid
from sample_generator.story import DEFAULT_OUT, FIXED_CREATED, PLAN_DATE
from sample_generator.styles import STYLES


def write_xlsx(path: Path, sheets: list[tuple[str, dict]], title: str) -> None:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "青岛市住房和城乡建设局", "company": "青岛市住房和城乡建设局",
                       "created": FIXED_CREATED})
    f_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    f_head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    for name, grid in sheets:
        ws = wb.add_worksheet(name)
        rows, merges = grid["rows"], grid["merges"]
        n_title, n_header = grid["n_title"], grid["n_header"]
        merged_cells = {(r1, c1): (r2, c2) for (r1, c1, r2, c2) in merges}
        for i, row in enumerate(rows):
            for j, c in enumerate(row):
                fmt = f_title if i < n_title else (f_head if i < n_title + n_header else None)
                if (i, j) in merged_cells:
                    r2, c2 = merged_cells[(i, j)]
                    ws.merge_range(i, j, r2, c2, c.v if c.v is not None else "", fmt)
                    continue
                if c.v is None:
                    continue
                if c.kind == "date":
                    ws.write_datetime(i, j, datetime(c.v.year, c.v.month, c.v.day), f_date)
                elif c.kind in ("int", "num"):
                    if isinstance(c.v, float) and math.isnan(c.v):
                        continue
                    ws.write_number(i, j, c.v)
                else:
                    ws.write_string(i, j, str(c.v), fmt)
        ws.set_column(0, len(grid["cols"]) - 1, 12)
    wb.close()


def csv_text(grid: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in grid["rows"]:
        out = []
        for c in row:
            if c.v is None or (isinstance(c.v, float) and math.isnan(c.v)):
                out.append("")
            elif c.kind == "num":
                out.append(f"{c.v:.6f}".rstrip("0").rstrip(".") if isinstance(c.v, float) else str(c.v))
            else:
                out.append(str(c.v))
        w.writerow(out)
    return buf.getvalue()


def write_csv(path: Path, grid: dict, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = csv_text(grid)
    data = text.encode("gb18030") if encoding == "gbk" else b"\xef\xbb\xbf" + text.encode("utf-8")
    path.write_bytes(data)


def city_workbook_name(d: date) -> str:
    return f"青岛市老旧小区改造项目台账（截至{dn(d)}）.xlsx"


PLAN_FILENAME = "青岛市2022-2024年城镇老旧小区改造计划.xlsx"


def write_report_date(model: Model, out: Path, d: date) -> list[Path]:
    folder = out / d.isoformat()
    written = []
    sheets = []
    for spec in DISTRICTS:
        st = STYLES[spec.name]
        if d not in district_dates(spec.name):
            continue
        grid = sheet_grid(model, st, d)
        if st.container == "city":
            sheets.append((spec.name, grid))
        else:
            p = folder / st.filename
            write_csv(p, grid, "gbk" if st.container == "csv-gbk" else "utf8")
            written.append(p)
    p = folder / city_workbook_name(d)
    write_xlsx(p, sheets, f"青岛市老旧小区改造项目台账（截至{dn(d)}）")
    written.append(p)
    return written


def write_plan(model: Model, out: Path) -> Path:
    p = out / PLAN_DATE.isoformat() / PLAN_FILENAME
    write_xlsx(p, [("2022-2024年计划", plan_grid(model))], "青岛市2022-2024年城镇老旧小区改造计划")
    return p


def generate(out: Path = DEFAULT_OUT, dates: list[date] | None = None, model: Model | None = None,
             plan: bool = True) -> list[Path]:
    model = model or Model()
    out = Path(out)
    written = []
    for d in dates or report_dates():
        written += write_report_date(model, out, d)
    if plan:
        written.append(write_plan(model, out))
    return written
