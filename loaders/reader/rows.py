"""What each row under a header is. Communities are kept; blank rows, subtotal rows (合计, 小计,
其中), example rows (示例), the header repeated over a section, street/district/year heading rows and notes
typed under the table are not, and a heading's street, district or year applies to the rows under it.
Vertically merged cells are spread over their rows first (one community over several rows: one row).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders import headers
from loaders import districts as dist
from loaders.reader.model import Column, Report, cell_str, numeric_like
from loaders.reader.title import STREET_NAME
from loaders.schema import NODE_NAMES


FILLABLE_MERGE_KINDS = {"id", "text", "district", "year", "status", "plan", "actual", "crs", "flag"}


STREET_HEADING_RE = re.compile(rf"^(?:[一二三四五六七八九十\d]+\s*[、.．]?\s*)?({STREET_NAME})\s*(?:[(（][^()（）]*[)）])?$")
SUMMARY_SHEET_RE = re.compile(r"汇总|总表|合计|统计")
# 模板 is not one: a district fills in the template and keeps its name (即墨区台账（模板）)
INSTRUCTION_SHEET_RE = re.compile(r"说明|示例|样表|样例|范例|填表要求|填报要求")
# an example row says so in its id (示例, 例…, XXX), or in its name in so many words (（示例）, 例：…); a name that
# only looks like one (示例路小区, XX路3号院) is an example only when the row has no real id
EXAMPLE_ID_RE = re.compile(r"示例|样例|范例|(?:^|\x00)例|(?:^|\x00)[XxＸｘ×]{2,}")
EXAMPLE_NAME_RE = re.compile(r"[(（]\s*(?:示例|样例|范例|例)\s*[)）]|(?:^|\x00)(?:示例|样例|范例|例)\s*[:：]")
EXAMPLE_LIKE_NAME_RE = re.compile(r"示例|样例|范例|(?:^|\x00)[XxＸｘ×]{2,}")


def marked(raw: dict, rcodes: dict, columns, pattern: re.Pattern, needles: str,
           memo: dict | None = None) -> np.ndarray:
    """Rows whose text in any of the columns matches pattern: one regex pass over the distinct texts joined by
    NUL (a NUL never occurs in a cell; anchors are written (?:^|\x00)), hits mapped back to their rows.
    needles: characters of which every match holds one; without any, the (slower) regex pass is skipped.
    memo: a dict kept over several calls on the same cells, so each column's distinct texts are found once."""
    n = len(next(iter(raw.values()))) if raw else 0
    hit = np.zeros(n, dtype=bool)
    memo = {} if memo is None else memo
    for col in columns:
        if col is None:
            continue
        if col.index not in memo:
            texts = np.flatnonzero(rcodes[col.index] == 2)
            codes, uniq = pd.factorize(raw[col.index][texts]) if len(texts) else (None, None)
            memo[col.index] = (texts, codes, uniq, "\x00".join(uniq.tolist()) if len(texts) else "")
        texts, codes, uniq, joined = memo[col.index]
        if not len(texts):
            continue
        if not any(c in joined for c in needles):
            continue
        ends = np.cumsum(np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq)) + 1)
        found = [m.end() - 1 for m in pattern.finditer(joined)]      # the match's last character is in its cell
        if found:
            match_u = np.zeros(len(uniq), dtype=bool)
            match_u[np.searchsorted(ends, found, side="right")] = True
            hit[texts[match_u[codes]]] = True
    return hit


_SECTION_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年(?:度)?")


def _rows_without_id(cols, codes_of, by_field, first: int, nrows: int):
    """(row, its text cells among the first columns and the id/name columns) for rows with no id: where section
    headings stand."""
    key = by_field.get("community_id") or by_field.get("name")
    if not key:
        return
    j = key[0].index
    look = sorted({0, 1, 2, j, *(c[0].index for f, c in by_field.items() if f == "name")} & set(range(len(cols))))
    for r in np.flatnonzero(codes_of[j][first:nrows] == 0) + first:
        yield int(r), [cols[k][r] for k in look if codes_of[k][r] == 2]


def section_years(cols, codes_of, by_field, first: int, nrows: int) -> dict[int, float]:
    """Section headings that name one year (一、2021年度项目, 2022年第一批) on rows without an id: row -> year."""
    out = {}
    for r, texts in _rows_without_id(cols, codes_of, by_field, first, nrows):
        if not texts or len(texts) > 2:
            continue
        ys = {m.group(1) for t_ in texts for m in _SECTION_YEAR_RE.finditer(unicodedata.normalize("NFKC", t_))}
        if len(ys) == 1 and not any(w in "".join(texts) for w in headers.subtotal_words()):
            out[r] = float(ys.pop())
    return out


_HEADING_NUMBER_RE = re.compile(r"^[一二三四五六七八九十\d]+\s*[、.．]?\s*|\s*[(（][^()（）]*[)）]\s*$")


def section_districts(cols, codes_of, by_field, first: int, nrows: int) -> dict[int, str]:
    """Heading rows that name one district (一、市南区, 市北区（3个）) on rows without an id: row -> district."""
    out = {}
    for r, texts in _rows_without_id(cols, codes_of, by_field, first, nrows):
        if len(texts) == 1:
            name = dist.canonical(_HEADING_NUMBER_RE.sub("", unicodedata.normalize("NFKC", texts[0]).strip()))
            if name:
                out[r] = name
    return out


def under_headings(headings: dict, start: int, n: int, kept: np.ndarray, empty) -> np.ndarray:
    """Each kept data row's value of the nearest heading above it ({sheet row: value} -> per kept row)."""
    values_ = np.full(n, empty, dtype=object if empty is None else "float64")
    for r, v in headings.items():
        if r >= start:
            values_[r - start] = v
    return pd.Series(values_).ffill().to_numpy()[kept]


_NOTE_START = ("注", "说明", "备注", "填表", "填报", "审核", "制表", "联系", "附", "负责人", "领导")


def prose(v) -> bool:
    """An id cell holding a sentence (填表说明：1. …, 填报人：…, 注：…) rather than an id."""
    if not isinstance(v, str):
        return False
    t = v.strip()
    return len(t) >= 20 or any(ch in t for ch in "：:；;。，") or t.startswith(_NOTE_START)


@dataclass
class Block:
    """The data rows under one header: the raw cells and type codes of the columns in use (by sheet column
    index), row i of the block being sheet row start + i (0-based)."""
    sheet: str
    start: int
    raw: dict[int, np.ndarray]
    codes: dict[int, np.ndarray]
    by_field: dict[str, list[Column]]
    header_cells: dict[int, list]          # column -> its header cells as written (each header row)
    line_of: np.ndarray | None = None      # CSV: physical lines

    @property
    def n(self) -> int:
        return len(next(iter(self.raw.values()))) if self.raw else 0

    def line(self, i: int) -> int:
        """Data row i as the user sees it: the Excel row, or the CSV file's physical line."""
        return int(self.line_of[self.start + i]) if self.line_of is not None else self.start + i + 1

    def col(self, fld: str) -> Column | None:
        c = self.by_field.get(fld)
        return c[0] if c else None


@dataclass(frozen=True)
class RowKinds:
    keep: np.ndarray              # bool per block row: a community
    continuation: np.ndarray      # bool: a lower row of a community merged over several rows
    heading_street: np.ndarray    # object: the street a heading row names (None elsewhere)


def spread_merges(b: Block, merges: list, rep: Report) -> np.ndarray:
    """Vertically merged cells in the data area: the value applies to every row of the range (text-like
    columns); one community over several rows (its id merged down) is one row with the rows' amounts added
    up; one amount merged over several communities counts once. Returns the continuation rows."""
    n, start, raw, rcodes, by_field = b.n, b.start, b.raw, b.codes, b.by_field
    continuation = np.zeros(n, dtype=bool)
    if not merges:
        return continuation
    kind_of = {c.index: c.spec.kind for lst in by_field.values() for c in lst}
    header_texts = {cell_str(h) for j in raw for h in b.header_cells.get(j, ())}
    id_ranges = {(r0, r1) for r0, c0, r1, c1 in merges
                 if r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) == "id" and rcodes[c0][r0 - start] != 0
                 and cell_str(raw[c0][r0 - start]) not in header_texts}     # not the header repeated
    money_cols = sorted({c.index for lst in by_field.values() for c in lst if c.spec.kind == "money"})
    for r0, r1 in sorted(id_ranges):
        a, z = r0 - start, r1 - start + 1
        for j in money_cols:
            cc = rcodes[j][a:z]
            if (cc == 1).sum() > 1 and np.isin(cc, (0, 1)).all():
                raw[j][a] = float(sum(raw[j][a + k] for k in np.flatnonzero(cc == 1)))
                rcodes[j][a] = 1
        for fld in ("items", "bundle", "renovation_class"):     # their lines of works, joined
            if fld in by_field:
                j = by_field[fld][0].index
                lines = list(dict.fromkeys(t for t in (cell_str(v) for v in raw[j][a:z]) if t))
                if len(lines) > 1:
                    raw[j][a] = "；".join(lines)
                    rcodes[j][a] = 2
        continuation[a + 1: z] = True
        id_c = by_field["community_id"][0]
        rep.warn(b.sheet, r0 + 1, id_c.header, cell_str(raw[id_c.index][a]),
                 f"第{r0 + 1}至{r1 + 1}行是同一小区（小区编号为合并单元格），已按一行读取，各行金额已相加；"
                 "请每个小区只填一行。")
    for r0, c0, r1, c1 in merges:
        if (r0, r1) in id_ranges:
            continue
        if r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) in FILLABLE_MERGE_KINDS:
            raw[c0][r0 - start + 1: r1 - start + 1] = raw[c0][r0 - start]
            rcodes[c0][r0 - start + 1: r1 - start + 1] = rcodes[c0][r0 - start]
        elif (r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) == "money"
              and rcodes[c0][r0 - start] != 0 and (rcodes[c0][r0 - start + 1: r1 - start + 1] == 0).all()
              and cell_str(raw[c0][r0 - start]) not in header_texts):
            # one amount for several communities (a bundle's investment merged down): counted once, on
            # the first row; the other rows of the range count 0 so the sheet's total stays right
            raw[c0][r0 - start + 1: r1 - start + 1] = 0.0
            rcodes[c0][r0 - start + 1: r1 - start + 1] = 1
            hdr = next(c.header for lst in by_field.values() for c in lst if c.index == c0)
            rep.warn(b.sheet, r0 + 1, hdr, cell_str(raw[c0][r0 - start]),
                     f"第{r0 + 1}至{r1 + 1}行为合并单元格，金额已全部计入第{r0 + 1}行，其余各行按0计；"
                     "如需分小区统计，请拆分单元格后分别填写。")
    return continuation


def _subtotal_words() -> re.Pattern:
    return re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in headers.subtotal_words()))  # 合  计 too


def classify(b: Block, continuation: np.ndarray, rep: Report) -> RowKinds:
    """Which rows are communities; every row left out for a reason the clerk should know is named."""
    n, raw, rcodes, by_field, name = b.n, b.raw, b.codes, b.by_field, b.sheet
    key_fields = ("community_id", "name", "district", "households", "planned_investment_wan",
                  "completed_investment_wan")
    key_cols = sorted({by_field[f][0].index for f in key_fields if f in by_field} | ({0, 1, 2} & set(raw)))
    empt = {j: rcodes[j] == 0 for j in key_cols}
    blank = np.logical_and.reduce([empt[j] for j in key_cols]) if key_cols else np.ones(n, dtype=bool)
    id_col, name_col = b.col("community_id"), b.col("name")
    id_empty = empt[id_col.index].copy() if id_col else np.ones(n, dtype=bool)
    name_empty = empt[name_col.index] if name_col else np.ones(n, dtype=bool)
    words = _subtotal_words()
    look = {0, 1, 2}
    for fld in ("community_id", "name", "district", "street"):
        if fld in by_field:
            look.add(by_field[fld][0].index)
    look &= set(raw)
    first_chars = "".join({w[0] for w in headers.subtotal_words() if w})
    distinct: dict = {}         # the id and name columns' distinct texts, for every marked() below
    id_word = marked(raw, rcodes, (id_col,), words, first_chars, distinct)       # an id cell holding 合计/小计…
    # the words in any looked-at cell, only on the (few) rows without a proper id ('—' or '/' is none either)
    id_none = id_empty.copy()
    if id_col is not None:
        placeholders = set(headers.placeholder_words())
        longest = max(map(len, placeholders), default=0) + 2      # spaces around: real ids are longer
        texts = np.flatnonzero(rcodes[id_col.index] == 2)
        lengths = np.fromiter(map(len, raw[id_col.index][texts]), dtype=np.int64, count=len(texts))
        for i in texts[lengths <= longest]:
            id_none[i] = headers.norm(raw[id_col.index][i]) in placeholders
    word_hit = id_word.copy()
    for i in np.flatnonzero(id_none | id_word):
        if not word_hit[i]:
            word_hit[i] = any(rcodes[j][i] == 2 and words.search(raw[j][i]) is not None for j in look)
    subtotal = word_hit & (id_none | id_word)
    # notes under the table written in the id column (填表说明：…, 填报人：…) on rows without a name
    if id_col is not None:
        for i in np.flatnonzero(name_empty & ~id_empty & ~subtotal):
            if prose(raw[id_col.index][i]):
                id_empty[i] = True
    # the header repeated over each section (sections pasted one under the other)
    repeated = np.zeros(n, dtype=bool)
    for col in (id_col, name_col):
        if col is not None:
            for h in b.header_cells.get(col.index, ()):
                if isinstance(h, str) and h.strip():
                    repeated |= (raw[col.index] == h)
    id_example = marked(raw, rcodes, (id_col,), EXAMPLE_ID_RE, "例Xxｘ×Ｘ", distinct)
    example = (id_example | marked(raw, rcodes, (name_col,), EXAMPLE_NAME_RE, "例", distinct)
               | (marked(raw, rcodes, (name_col,), EXAMPLE_LIKE_NAME_RE, "例Xxｘ×Ｘ", distinct) & (id_none | id_example)))
    example &= ~blank & ~subtotal
    for i in np.flatnonzero(example):
        rep.warn(name, b.line(i), None, None, "示例行（填报样例），不是小区，已忽略。")
    # a street's heading row (八大关街道, 一、辽宁路街道), in the id or the name column, sometimes with its totals
    heading = np.zeros(n, dtype=bool)
    heading_street = np.full(n, None, dtype=object)
    for i in np.flatnonzero((id_none & ~name_empty) | (name_empty & ~id_none)):
        label = raw[name_col.index][i] if name_col is not None and not name_empty[i] else raw[id_col.index][i]
        m = STREET_HEADING_RE.match(unicodedata.normalize("NFKC", label).strip()) if isinstance(label, str) else None
        heading[i], heading_street[i] = m is not None, m.group(1) if m else None
    heading &= ~subtotal & ~example
    numeric_cols = [c.index for f in ("households", "planned_investment_wan") for c in by_field.get(f, [])]
    for i in np.flatnonzero(heading):
        if any(rcodes[j][i] == 1 for j in numeric_cols):
            rep.warn(name, b.line(i), None, None, "街道分组行（含该街道小计），不是小区，已忽略。")
    # a sentence typed in the name column under the table (本周新增开工3个…): a note, not a community
    note = np.zeros(n, dtype=bool)
    if name_col is not None:
        money_cols = [by_field[f][0].index for f in ("households", "planned_investment_wan", "completed_investment_wan")
                      if f in by_field]
        for i in np.flatnonzero(id_empty & ~name_empty & ~subtotal & ~heading & ~example):
            text = raw[name_col.index][i]
            if prose(text) and all(rcodes[j][i] == 0 for j in money_cols):
                note[i] = True
                rep.warn(name, b.line(i), name_col.header, text,
                         "只填写了这一格，像是说明文字而不是小区，已忽略；如是小区，请补填小区编号、户数和投资。")
    nameless = id_empty & name_empty & ~blank & ~subtotal & ~continuation
    for i in np.flatnonzero(nameless):          # 一、辽宁路街道 merged over the row from the 序号 column
        m = next((m for j in look if rcodes[j][i] == 2 and (m := STREET_HEADING_RE.match(
            unicodedata.normalize("NFKC", raw[j][i]).strip()))), None)
        heading_street[i] = m.group(1) if m else None
        # rows with neither id nor name: notes, group headings or unlabelled totals
        if any(rcodes[j][i] == 1 or (rcodes[j][i] == 2 and numeric_like(raw[j][i])) for j in numeric_cols):
            rep.warn(name, b.line(i), None, None, "该行没有小区编号和小区名称，按合计/说明行忽略。")
    keep = ~(blank | subtotal | nameless | repeated | continuation | example | heading | note)
    return RowKinds(keep=keep, continuation=continuation, heading_street=heading_street)


def long_layout(cols: list[np.ndarray], b: Block, kinds: RowKinds) -> int | None:
    """The column naming a node on each row (摸底排查, 开工 …) when the sheet is written long, one row per
    community per node (its id repeated), rather than one row per community; else None."""
    id_col = b.col("community_id")
    kept = np.flatnonzero(kinds.keep)
    if id_col is None or len(kept) < 4:
        return None
    distinct = len(set(b.raw[id_col.index][kept].tolist()))
    if distinct * 5 > len(kept) * 3:           # most ids once: one row per community
        return None
    node_words = {w for w, _ in headers.words().node_words} | {headers.norm(n) for n in NODE_NAMES}
    rows = kept + b.start
    for j, col in enumerate(cols):
        cells = [col[r] for r in rows if r < len(col)]
        named = sum(1 for c in cells if isinstance(c, str) and headers.norm(c) in node_words)
        if named * 5 >= len(rows) * 3:
            return j
    return None
