"""Where a sheet's table header stands and what each column means.

Header rows are found by scoring rows on known header names (config/headers.toml); two or three header
layers are joined (a group label over sub-labels, merged or not), a 栏次 numbering row and a units row under
the header are read, tables side by side and tables stacked under each other are told apart.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime
from dataclasses import replace

import numpy as np

from loaders import headers, xlsx_scan
from loaders.reader.model import Column, HeaderRows, Sheet, cell_str, numeric_like, row_cells
from loaders.reader.progress import yes_no
from loaders.schema import NODE_KEYS, actual_column


_HEADER_SCAN_ROWS = 60
MIN_HEADER_SCORE = 3


SUBLABELS = {"计划", "实际", "计划时间", "实际时间", "计划日期", "实际日期", "计划完成时间", "实际完成时间", "计划完成",
              "实际完成", "经度", "纬度", "预计", "完成时间", "完成日期"}
_TITLE_WORDS = ("截至", "截止", "台账", "填报", "单位:", "单位：", "制表", "统计表", "一览表", "明细表", "汇总表")


def _clean_header(text: str) -> str:
    return "".join(str(text).split())


def is_title_like(cells: list) -> bool:
    texts = [c for c in cells if isinstance(c, str) and c.strip()]
    if not texts:
        return True
    joined = "".join(texts)
    return len(texts) <= 2 or any(w in joined for w in _TITLE_WORDS)


def _merged_label(merges, r: int, j: int, cols) -> object | None:
    for r0, c0, r1, c1 in merges:
        if r0 <= r <= r1 and c0 <= j <= c1:
            return cols[c0][r0] if r0 < len(cols[c0]) else None
    return None


def _layer_labels(cols, merges, r: int, below: int | None) -> list[str]:
    """Labels of header row r, spread across horizontally merged cells (or empty cells spanning sub-columns)."""
    n = len(cols)
    cells = [cell_str(c[r]) if r < len(c) else "" for c in cols]
    if below is None:
        return cells
    under = [cell_str(c[below]) if below < len(c) else "" for c in cols]
    out = list(cells)
    for j in range(n):
        if out[j]:
            continue
        m = _merged_label(merges, r, j, cols) if merges else None
        if m is not None and cell_str(m):
            out[j] = cell_str(m)
            continue
        # no merge information: a label spans the empty cells to its right that have sub-labels below,
        # when the label's own column also has a sub-label below (not a vertically merged single header)
        k = j - 1
        while k >= 0 and not cells[k]:
            k -= 1
        if k >= 0 and under[j] and under[k] and all(under[x] for x in range(k, j + 1)):
            out[j] = cells[k]
    return out


def _continuation(cols, merges, upper: int, r: int) -> bool:
    """Is row r a lower header row under row `upper`?"""
    cells = row_cells(cols, r)
    texts = [cell_str(c) for c in cells]
    if not any(texts) or any(numeric_like(c) for c in cells):
        return False
    tops = _layer_labels(cols, merges, upper, r)
    hits = 0
    for top, low in zip(tops, texts):
        if not low:
            continue
        if low in SUBLABELS:
            hits += 1
            continue
        spec = headers.match_header(low)
        if spec is not None or headers.match_header(top + low) is not None:
            hits += 1
    filled = sum(1 for t in texts if t)
    return hits >= 1 and hits * 2 >= filled


_NUMBERING_STEMS = "甲乙丙丁戊己庚辛壬癸"


def is_numbering_row(cells: list) -> bool:
    """A row numbering the columns right under the header (栏次): 1, 2, 3 …; 甲, 乙, 丙 …; or the statistical
    forms' 甲, 乙, 丙, 丁, 1, 2, 3 … (text columns lettered, number columns counted), after an optional 栏次."""
    vals = [unicodedata.normalize("NFKC", str(c)).strip() for c in cells if c is not None and c != ""]
    if vals and vals[0] in ("栏次", "行次"):
        vals = vals[1:]
    if len(vals) < 3:
        return False
    lettered = 0
    while lettered < min(len(vals), len(_NUMBERING_STEMS)) and vals[lettered] == _NUMBERING_STEMS[lettered]:
        lettered += 1
    try:
        nums = [float(v) for v in vals[lettered:]]
    except ValueError:
        return False
    if lettered and nums and nums[0] != 1:
        return False
    return all(b - a == 1 for a, b in zip(nums, nums[1:]))


def find_header(cols, merges, nrows, begin: int = 0) -> HeaderRows | None:
    """The best header at or below row `begin`, or None."""
    scan = min(nrows, begin + _HEADER_SCAN_ROWS)
    best = (-1, 0, set())
    for i in range(begin, scan):
        if best[1] >= MIN_HEADER_SCORE and i > best[0] + 3:
            break
        cells = row_cells(cols, i)
        if best[1] >= MIN_HEADER_SCORE and sum(1 for c in cells if isinstance(c, (float, int, datetime))) >= 3:
            continue       # a data row (numbers, dates) under a header already found: not a better header
        score, fields = headers.score_row(cells)
        if score > best[1]:
            best = (i, score, fields)
    h, score, fields = best
    if h < 0 or score < 1:
        return None
    first, last = h, h
    while last + 1 < nrows and last - h < 2 and _continuation(cols, merges, last, last + 1):
        last += 1
    if first > begin:
        above = row_cells(cols, first - 1)
        texts = [cell_str(c) for c in above]
        if (sum(1 for t in texts if t) >= 2 and not any(numeric_like(c) for c in above)
                and not is_title_like(above) and last == first):
            first -= 1
    return HeaderRows(first, last, score, frozenset(fields))


def column_specs(cols, merges, first: int, last: int, title_unit: float | None,
                  offset: int | None = None) -> list[Column]:
    layers = []
    for r in range(first, last + 1):
        layers.append(_layer_labels(cols, merges, r, last if r < last else None))
    out = []
    for j in range(len(cols)):
        parts = []
        for layer in layers:
            t = layer[j]
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        if not parts:
            continue
        header = "/".join(_clean_header(p) for p in parts)
        cands = [parts[-1], "".join(parts)] if len(parts) > 1 else [parts[0]]
        if len(parts) > 2:
            cands.append("".join(parts[-2:]))
        if len(parts) > 1:
            # 投资（万元） over 已完成: the group's words (its unit aside) with the field's, either way round
            group = headers.split_hints(parts[-2])[0]
            if group:
                cands += [parts[-1] + group, group + parts[-1]]
            cands.append(parts[0])
        spec = None
        for cand in cands:
            if len(parts) > 1 and cand == parts[-1] and headers.norm(cand) in SUBLABELS:
                continue
            spec = headers.match_header(cand)
            if spec is not None:
                break
        if spec is not None and spec.kind in ("plan", "actual") and cand == parts[-1] and len(parts) > 1:
            # 计划完成时间 over 开工 | 竣工: the node is below, whether planned or actual is above
            joined = headers.match_header("".join(parts))
            if joined is not None and joined.kind in ("plan", "actual"):
                spec = joined
        if spec is None or spec.field == "ignored":
            continue
        if spec.factor is None and spec.kind in ("money", "area", "int"):
            # 投资（万元） over 总投资 | 已完成: the unit written on any layer of the column's header
            for p in parts:
                unit = next((u for h in headers.split_hints(p)[1] if (u := headers.unit_in_hint(h))), None)
                if unit and (with_unit := headers.with_unit(spec, unit)) is not spec:
                    spec = with_unit
                    break
        if spec.factor is None and spec.kind == "money" and title_unit is not None:
            spec = replace(spec, factor=title_unit)
        letter = xlsx_scan.cell_ref(0, j + (offset or 0))[:-1]
        if offset is not None:   # tables side by side: their headers repeat each other, the letter tells them apart
            header = f"{header}（{letter}列）"
        out.append(Column(j, header, spec, letter))
    return out


def units_row(cells: list) -> dict[int, str] | None:
    """{column: unit} when every filled cell of a row is a unit: （元）, 元, 单位：元; else None."""
    out = {}
    for j, c in enumerate(cells):
        text = cell_str(c)
        if not text:
            continue
        unit = headers.unit_in_hint(headers.norm(text).strip("()[]"))
        if unit is None:
            return None
        out[j] = unit
    return out or None


def apply_units(by_field: dict, units: dict[int, str]) -> None:
    """A units row's unit for each column under it that has none written in its header."""
    for lst in by_field.values():
        for n, col in enumerate(lst):
            unit = units.get(col.index)
            if unit and col.spec.unit is None:
                lst[n] = replace(col, spec=headers.with_unit(col.spec, unit))


def yes_no_node_columns(by_field: dict, cols, codes_of, start: int, nrows: int) -> None:
    """A node column holding 是/否 (开工（是/否）, 已开工, 开工情况) is read as 是否开工, not as dates."""
    for key in NODE_KEYS:
        fld, flag = actual_column(key), f"flag_{key}"
        if fld not in by_field or flag in by_field:
            continue
        col = by_field[fld][0]
        codes = codes_of[col.index][start:nrows]
        texts = cols[col.index][start:nrows][codes == 2]
        if len(texts) and not np.isin(codes, (1, 3)).any() and not np.isnan([yes_no(x) for x in texts]).any():
            by_field[flag] = [replace(col, spec=headers.ColumnSpec(field=flag, kind="flag"))]
            del by_field[fld]


def side_by_side(by_field: dict, hidden: set) -> int | None:
    """The first column of a second table beside the first (its own 小区编号 and 小区名称 columns to the right
    of the first table's), or None."""
    second = headers.second_meanings()       # 项目编号 / 项目名称 beside 小区编号 / 小区名称 name the bundle

    def own(c: Column) -> bool:
        return c.index not in hidden and headers.flat(headers.split_hints(c.header.split("/")[-1])[0]) not in second
    starts = []
    for fld in ("community_id", "name"):
        shown = sorted(c.index for c in by_field.get(fld, []) if own(c))
        if len(shown) < 2:
            return None
        starts.append(shown[1])
    last_of_first = max(c.index for lst in by_field.values() for c in lst if c.index < min(starts))
    return last_of_first + 1


def columns_from(sh: Sheet, lo: int, hi: int) -> Sheet:
    """The sheet's columns lo..hi-1 as a sheet of their own (rows unchanged, so row numbers stay right)."""
    def inside(j: int) -> bool:
        return lo <= j < hi
    return replace(sh, col_offset=(sh.col_offset or 0) + lo, cols=sh.cols[lo:hi], codes=sh.codes[lo:hi],
                   merges=[(r0, c0 - lo, r1, c1 - lo) for r0, c0, r1, c1 in sh.merges if inside(c0) and inside(c1)],
                   hidden_cols={j - lo for j in sh.hidden_cols if inside(j)})


def next_table(cols, codes_of, by_field: dict, start: int, nrows: int) -> int | None:
    """The header row of another table under this one, with its columns in another order (the same header
    repeated is read as a repeat), or None. Only rows with text where this table has its counts and amounts
    are looked at closely."""
    checks = [by_field[f][0].index for f in ("households", "planned_investment_wan") if f in by_field]
    if not checks:
        return None
    texty = np.logical_and.reduce([codes_of[j][start:nrows] == 2 for j in checks])
    current = {c.index: f for f, lst in by_field.items() for c in lst}
    for r in np.flatnonzero(texty) + start:
        cells = row_cells(cols, int(r))
        score, fields = headers.score_row(cells)
        if score < MIN_HEADER_SCORE or not ({"community_id", "name"} & fields):
            continue
        seen = {j: spec.field for j, c in enumerate(cells) if isinstance(c, str)
                and (spec := headers.match_header(c)) is not None and spec.field != "ignored"}
        if any(current.get(j) != f for j, f in seen.items()):
            return int(r)
    return None
