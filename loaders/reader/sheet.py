"""One sheet's ledger tables: header -> title -> columns in use -> row kinds -> a Part holding the kept rows
(usually one table; a table beside it or under it with its own header is read with that header)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from loaders import headers, values
from loaders import districts as dist
from loaders.reader import rows
from loaders.reader.header import (MIN_HEADER_SCORE, apply_units, column_specs, columns_from, find_header,
                                   is_numbering_row, next_table, side_by_side, units_row, yes_no_node_columns)
from loaders.reader.model import (GIVE_YEAR, Column, Options, Part, Report, Sheet, Title, cell_str,
                                  col_name, node_label, row_cells)
from loaders.reader.title import full_date_in, street_in, title_info, title_text
from loaders.schema import ACTUAL_COLUMNS, PLAN_COLUMNS


def fill_from(part: Part, fld: str, col: Column, other: Column, cells: np.ndarray, codes: np.ndarray,
               rep: Report) -> None:
    """Empty cells of the field's column take the other column's value; where both are filled and differ,
    the field's column wins and the row is named."""
    mine, my_codes = part.raw[fld], part.codes[fld]
    fill = (my_codes == 0) & (codes != 0)
    if fill.any():
        mine, my_codes = mine.copy(), my_codes.copy()
        mine[fill], my_codes[fill] = cells[fill], codes[fill]
        part.raw[fld], part.codes[fld] = mine, my_codes
    both = np.flatnonzero((my_codes != 0) & (codes != 0) & ~fill)
    for i in both:
        a, b = values.display(mine[i]), values.display(cells[i])
        if a != b:
            rep.warn(part.sheet, int(part.rows[i]), other.header, b,
                     f"与{col_name(col)}的「{a}」不一致，已按{col_name(col)}读取，请核对。")


def read_sheet(sh: Sheet, rep: Report, opts: Options, candidates: list, begin: int = 0,
               title_rows: list[int] | None = None) -> list[Part]:
    """The ledger tables of one sheet. begin / title_rows: where a table under another starts, and the
    first one's title rows (which hold the title of both). candidates: (sheet, fields found) of sheets
    without a ledger header, for the message when no sheet has one."""
    name, cols, nrows, codes_of = sh.name, sh.cols, sh.nrows, sh.codes
    merges = [m for m in sh.merges if m[2] > m[0] or m[3] > m[1]]
    if nrows == 0 or not cols or all((c[: min(nrows, 200)] == 0).all() for c in codes_of):
        rep.warn(name, None, None, None, "工作表为空，已跳过。")
        return []
    found = find_header(cols, merges, nrows, begin)
    if found is None or found.score < MIN_HEADER_SCORE or not ({"community_id", "name"} & found.fields):
        candidates.append((name, sorted(found.fields) if found else []))
        rep.warn(name, None, None, None,
                 "未找到台账表头（应有“小区编号”“小区名称”“所属区市”“户数”“总投资”等列），不是项目台账，已跳过。")
        return []
    first, last = found.first, found.last
    above = list(range(first)) if title_rows is None else [*title_rows, *range(begin, first)]
    title = " ".join(t for t in (cell_str(c[r]) for r in above for c in cols if r < len(c)) if t)
    tinfo = title_info(title)
    by_field: dict[str, list[Column]] = {}
    for col in column_specs(cols, merges, first, last, tinfo.unit, sh.col_offset):
        by_field.setdefault(col.spec.field, []).append(col)
    side = side_by_side(by_field, sh.hidden_cols)
    if side is not None:         # two tables next to each other: each read on its own
        return [*read_sheet(columns_from(sh, 0, side), rep, opts, candidates, begin, title_rows),
                *read_sheet(columns_from(sh, side, len(cols)), rep, opts, candidates, begin, title_rows)]
    fallbacks = _one_column_per_field(by_field, sh.hidden_cols, name, last, rep)

    part = Part(sheet=name, header_row=last + 1, cols=by_field, rows=np.array([], dtype=int), raw={})
    # district / batch year from elsewhere when the sheet has no such column
    said = {where: dist.find_in_text(text) for where, text in
            (("工作表名", name), ("标题", title), ("文件名", Path(opts.source_name or "").stem))}
    sheet_district = next((d for d in said.values() if d), None)
    if "district" not in by_field and len({d for d in said.values() if d}) > 1:
        # no district column: the district is taken from these, so they must agree
        listing = "，".join(f"{where}为{d}" for where, d in said.items() if d)
        rep.warn(name, None, None, None, f"没有所属区市列，且{listing}，不一致；已按{sheet_district}读取，请核对。")
    section = rows.section_years(cols, codes_of, by_field, last + 1, nrows) if "batch_year" not in by_field else {}
    district_sections = {}
    if "district" not in by_field and not sheet_district:       # a citywide sheet: 一、市南区 … 二、市北区
        district_sections = rows.section_districts(cols, codes_of, by_field, last + 1, nrows)
    if not _required_columns(sh, by_field, last, rep, have_year=bool(opts.batch_year or tinfo.year or section),
                             have_district=bool(sheet_district or district_sections)):
        return []
    _title_date(part, tinfo, sh, first, rep)
    part.title, part.sheet_district = tinfo, sheet_district
    part.stated_district = said["工作表名"] or said["标题"]
    if "street" not in by_field:
        part.sheet_street = street_in(name, title)

    start = last + 1
    while start < nrows:         # under the header: a 栏次 row (1 | 2 | 3 …) and a units row (（元）, 单位：元)
        row = row_cells(cols, start)
        units = None if is_numbering_row(row) else units_row(row)
        if units is None and not is_numbering_row(row):
            break
        if units:
            apply_units(by_field, units)
        start += 1
    if start >= nrows:
        rep.warn(name, None, None, None, "表头下没有数据行。")
        return [part]
    following: list[Part] = []
    yes_no_node_columns(by_field, cols, codes_of, start, nrows)
    below = next_table(cols, codes_of, by_field, start, nrows)
    if below is not None:
        following = read_sheet(sh, rep, opts, candidates, begin=below,
                               title_rows=above if title_rows is None else title_rows)
        nrows = below
        merges = [(r0, c0, min(r1, nrows - 1), c1) for r0, c0, r1, c1 in merges if r0 < nrows]
    used = sorted({c.index for lst in (*by_field.values(), *fallbacks.values()) for c in lst}
                  | ({0, 1, 2} & set(range(len(cols)))))
    # spreading merged cells writes into the block: then it holds copies, else views of the sheet's columns
    own = (lambda a: a.copy()) if merges else (lambda a: a)
    block = rows.Block(sheet=name, start=start, by_field=by_field, line_of=sh.line_of,
                       raw={j: own(np.asarray(cols[j][start:nrows], dtype=object)) for j in used},
                       codes={j: own(np.asarray(codes_of[j][start:nrows])) for j in used},
                       header_cells={j: [cols[j][r] for r in range(first, last + 1) if r < len(cols[j])] for j in used})
    kinds = rows.classify(block, rows.spread_merges(block, merges, rep), rep)
    node_col = rows.long_layout(cols, block, kinds)
    if node_col is not None:
        written = next((cell_str(cols[node_col][r]) for r in range(last, first - 1, -1) if cell_str(cols[node_col][r])), "")
        rep.error(name, last + 1, written or None, None,
                  f"该表每个小区占多行、每行一个节点（“{written or '节点'}”列为节点名称），系统要求每个小区一行，"
                  "无法按此格式统计。请改为每个小区一行、各节点的计划/实际时间各占一列（如“实际开工时间”）后重新报送。")
        return following
    _keep_rows(part, block, kinds, fallbacks, section, district_sections, rep)
    return [part, *following]


def _one_column_per_field(by_field: dict[str, list[Column]], hidden_cols: set, name: str, last: int,
                          rep: Report) -> dict[str, list[Column]]:
    """Several columns of one field: the best is read, the others fill its empty cells (returned), except
    for fields that add up (several 中央补助 columns) and 项目名称 / 项目编号 beside 小区名称 / 小区编号 (the
    bundle's name or number)."""
    second = headers.second_meanings()
    fallbacks: dict[str, list[Column]] = {}
    for fld, lst in list(by_field.items()):
        # a visible column before a hidden one (a hidden column is usually last week's copy or a helper)
        lst.sort(key=lambda c: (c.index in hidden_cols, c.spec.rank, c.index))
        if not lst[0].spec.sums and len(lst) > 1:
            for other in list(lst[1:]):
                target = second.get(headers.flat(headers.split_hints(other.header.split("/")[-1])[0]))
                if target and target not in by_field:
                    tspec = headers.match_header(headers.field_synonyms(target, 1)[0])
                    by_field[target] = [replace(other, spec=tspec)]
                    lst.remove(other)
        if not lst[0].spec.sums:
            # the same field twice (实际开工时间 in two places): the better column, its empty cells from the other
            fallbacks[fld] = [c for c in lst[1:] if c.index not in hidden_cols]
            important = fld in ACTUAL_COLUMNS + PLAN_COLUMNS or fld in headers.required_fields()
            if fallbacks[fld] and important:
                label = headers.field_label(fld) if fld in headers.vocabulary()["fields"] else node_label(fld)
                for other in fallbacks[fld]:
                    rep.warn(name, last + 1, other.header, None,
                             f"与{col_name(lst[0])}含义相同（{label}）：以{col_name(lst[0])}为准，"
                             f"其为空的行取本列（{other.letter}列）的值。请只保留一列。")
            by_field[fld] = lst[:1]
    if "lonlat" in by_field and ("lon" in by_field or "lat" in by_field):
        del by_field["lonlat"]
    return fallbacks


def _required_columns(sh: Sheet, by_field: dict, last: int, rep: Report, have_year: bool,
                      have_district: bool) -> bool:
    """Every required column there (or its value known otherwise)? Else an error per missing column, or for
    a 汇总 sheet a warning (the district sheets hold its communities)."""
    name, cols = sh.name, sh.cols
    missing = [fld for fld in headers.required_fields() if fld not in by_field
               and not (fld == "batch_year" and have_year) and not (fld == "district" and have_district)]
    if not missing:
        return True
    if rows.SUMMARY_SHEET_RE.search(name) and not dist.find_in_text(name):
        labels = "、".join(f"「{headers.field_label(f)}」" for f in missing)
        rep.warn(name, last + 1, None, None, f"汇总工作表，缺少{labels}列，未读取；小区以各区市工作表为准。")
        return False
    serial = next((cell_str(cols[j][last]) for j in range(len(cols)) if last < len(cols[j])
                   and headers.flat(cell_str(cols[j][last])) in ("序号", "编号序号")), None)
    for fld in missing:
        syn = "、".join(headers.field_synonyms(fld))
        extra = f"；也可在标题中写明年度（如“2023年”）或{GIVE_YEAR}" if fld == "batch_year" else ""
        if fld == "community_id" and serial:        # 序号 is ignored as a row counter, but some fill ids in it
            extra += f"；如「{serial}」列填写的是小区编号，请把表头改为“小区编号”"
        rep.error(name, last + 1, None, None,
                  f"缺少必填列「{headers.field_label(fld)}」（表头可写作：{syn}{extra}）。")
    return False


def _title_date(part: Part, tinfo: Title, sh: Sheet, first: int, rep: Report) -> None:
    """The part's 截至 date from its title (the Excel row that holds it), else from the sheet's name."""
    name, cols = sh.name, sh.cols
    written = tinfo.bad_report or tinfo.report_text
    part.title_row = next((r + 1 for r in range(first) if written and written in title_text(" ".join(
        t for t in (cell_str(c[r]) for c in cols if r < len(c)) if t))), None)
    if tinfo.bad_report:
        reason = f"（{tinfo.bad_reason}）" if tinfo.bad_reason else ""
        rep.error(name, part.title_row, None, tinfo.bad_report, f"标题中的截至日期不是有效日期{reason}。")
    if tinfo.no_year:
        rep.warn(name, part.title_row, None, tinfo.report_text,
                 "标题中的截至日期没有年份，且无法从标题推断，已忽略；请写成“截至2023年6月30日”。")
    part.title_date, part.title_date_text = tinfo.report_date, tinfo.report_text
    if part.title_date is None and not tinfo.bad_report:
        part.title_date = full_date_in(name)          # weekly sheets named by their date: 2022.5.31
        part.title_date_text = name if part.title_date else None


def _keep_rows(part: Part, b: rows.Block, kinds: rows.RowKinds, fallbacks: dict, section: dict,
               district_sections: dict, rep: Report) -> None:
    """The kept rows' cells of each field into the part, with the headings' values over them."""
    idx = np.flatnonzero(kinds.keep)
    part.rows = idx + b.start + 1 if b.line_of is None else b.line_of[idx + b.start]
    pick = slice(None) if len(idx) == b.n else idx       # every row kept: the columns as they are
    # 一、2021年度项目 / 一、市南区 / 一、辽宁路街道: a heading's year, district or street applies to the rows under it
    if section:
        part.section_year = rows.under_headings(section, b.start, b.n, idx, np.nan)
    if district_sections:
        part.section_district = rows.under_headings(district_sections, b.start, b.n, idx, None)
    if "street" not in b.by_field and (kinds.heading_street != None).any():     # noqa: E711
        part.section_street = pd.Series(kinds.heading_street).ffill().to_numpy()[idx]
    for fld, lst in b.by_field.items():
        part.raw[fld] = b.raw[lst[0].index][pick]
        part.codes[fld] = b.codes[lst[0].index][pick]
        for other in fallbacks.get(fld, []):
            fill_from(part, fld, lst[0], other, b.raw[other.index][pick], b.codes[other.index][pick], rep)
        if len(lst) > 1:
            part.extra[fld] = [(c, b.raw[c.index][pick]) for c in lst[1:]]
