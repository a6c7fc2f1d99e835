"""read_ledger: district ledgers (xlsx/xls/csv, as district offices write them) -> canonical frame + report.

Pipeline: loaders.safety (size, sniffing, zip bomb, used range, child-process parse) -> per sheet: find the
header row by scoring rows on known header names (config/headers.toml), join two/three-row headers, read the
title rows above (截至 date, batch year, district, 单位：万元) -> drop blank and subtotal rows -> convert each
column vectorised (loaders.values) -> one report of errors and warnings naming sheet, Excel row, header as
written, value and what was expected -> report date, node reached, status, coordinates to WGS-84.
See docs/reader.md for the decisions.
"""
from __future__ import annotations

import codecs
import io
import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from loaders import config, headers, safety, values
from loaders import districts as dist
from loaders.report import Issue, LedgerResult, UnreadableLedger, place
from loaders.schema import (ACTUAL_COLUMNS, COLUMNS, FUND_SOURCES, NODE_KEYS, NODE_NAME, NODE_NAMES, PLAN_COLUMNS,
                            actual_column, empty_ledger, node_status, plan_column)

__all__ = ["read_ledger"]

_HEADER_SCAN_ROWS = 60
_MIN_HEADER_SCORE = 3
_TEXT_FIELDS = ("street", "renovation_class", "items", "bundle", "responsible", "status_text")
_INT_FIELDS = ("buildings", "households", "elevators_planned")
_MONEY_FIELDS = ("planned_investment_wan", "completed_investment_wan", *[c for c, _ in FUND_SOURCES])
_FILLABLE_MERGE_KINDS = {"id", "text", "district", "year", "status", "plan", "actual", "crs", "flag"}
_YES = {"是", "已", "√", "✓", "✔", "y", "yes", "1", "有", "完成", "已完成", "true", "对"}
_NO = {"否", "未", "×", "✗", "✘", "n", "no", "0", "无", "没有", "false", "x"}


def _yes_no(text) -> float:
    """是/已开工/√ -> 1, 否/未开工/× -> 0, anything else NaN."""
    k = headers.norm(text).rstrip("。.")
    if k in _YES or (k[:1] in ("是", "已") and not k.startswith("是否")):
        return 1.0
    if k in _NO or k[:1] in ("否", "未"):
        return 0.0
    return np.nan
_SUBLABELS = {"计划", "实际", "计划时间", "实际时间", "计划日期", "实际日期", "计划完成时间", "实际完成时间", "计划完成",
              "实际完成", "经度", "纬度", "预计", "完成时间", "完成日期"}
_TITLE_WORDS = ("截至", "截止", "台账", "填报", "单位:", "单位：", "制表", "统计表", "一览表", "明细表", "汇总表")
_CRS_LABEL = {"wgs84": "WGS-84", "gcj02": "GCJ-02（高德/腾讯）", "bd09": "BD-09（百度）"}


# ------------------------------------------------------------------------------------------- helpers
class _Report:
    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, sheet, row, column, value, message) -> None:
        self.errors.append(Issue("error", str(sheet), None if row is None else int(row), column,
                                 None if value is None else str(value), message))

    def warn(self, sheet, row, column, value, message) -> None:
        self.warnings.append(Issue("warning", str(sheet), None if row is None else int(row), column,
                                   None if value is None else str(value), message))


@dataclass
class _Column:
    index: int
    header: str                  # as written (rows joined with "/")
    spec: headers.ColumnSpec
    letter: str = ""             # the column as Excel names it (B, AA …)


@dataclass
class _Part:
    sheet: str
    header_row: int              # Excel row of the (last) header row
    cols: dict[str, list[_Column]]
    rows: np.ndarray             # Excel row numbers of the data rows kept
    raw: dict[str, np.ndarray]   # field -> raw cells of the kept rows (first column of the field)
    title_date: date | None = None
    title_date_text: str | None = None
    title_row: int | None = None                 # Excel row of the title line holding 截至…
    district_from: str | None = None
    tinfo: dict = field(default_factory=dict)
    sheet_district: str | None = None
    stated_district: str | None = None           # the district the sheet's name or title says it is
    sheet_street: str | None = None              # no street column: the sheet name or a 街道： title line
    section_year: np.ndarray | None = None       # no batch column: the year of the section heading above each row
    section_street: np.ndarray | None = None     # no street column: the street of the heading above each row
    section_district: np.ndarray | None = None   # no district column: the district of the heading above each row
    extra: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)   # field -> type codes of raw (loaders.values.type_codes)

    def header(self, fld: str) -> str:
        c = self.cols.get(fld)
        return c[0].header if c else headers.field_label(fld)


def _node_label(fld: str) -> str:
    """'plan_start' -> '计划开工时间'."""
    which, key = fld.split("_", 1)
    return f"{'计划' if which == 'plan' else '实际'}{NODE_NAME.get(key, key)}时间"


def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    return values.display(v)


def _clean_header(text: str) -> str:
    return "".join(str(text).split())


def _fmt_date(d) -> str:
    if d is None or pd.isna(d):
        return ""
    return pd.Timestamp(d).strftime("%Y-%m-%d")


def _fmt_num(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if np.isfinite(x) else ""


def _fmt_degrees(x: float) -> str:
    """A coordinate as the clerk can find it in the cell: six decimals (about 0.1 m), no trailing zeros."""
    return f"{x:.6f}".rstrip("0").rstrip(".") if np.isfinite(x) else ""


# ------------------------------------------------------------------------------------------- CSV
def _decode_text(raw: bytes) -> tuple[str, int]:
    """(text, number of undecodable bytes replaced). UTF-8 (BOM or not), then GB18030 (a superset of GBK).

    A file that neither decodes strictly is read with the encoding that needs the fewest replacements, when
    those are rare (a few damaged bytes); otherwise it is unreadable.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
        order = ("utf-8", "gb18030")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), 0
        except UnicodeDecodeError:
            order = ("utf-16",)
    else:
        order = ("utf-8", "gb18030")
    for enc in order:
        try:
            return raw.decode(enc, errors="strict"), 0
        except UnicodeDecodeError:
            continue
    best = None
    for enc in order:
        text = raw.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if best is None or bad < best[1]:
            best = (text, bad)
    if best is not None and best[1] <= max(3, len(raw) // 1000):
        return best
    raise UnreadableLedger("无法识别CSV文件的文字编码（既不是UTF-8也不是GBK/GB18030），请用Excel另存为“CSV UTF-8”或.xlsx后再报送。")


def _csv_sheet(prep: safety.Prepared) -> dict:
    raw = prep.data if prep.data is not None else prep.path.read_bytes()
    text, damaged = _decode_text(raw)
    if "\x00" in text[:4096]:
        raise UnreadableLedger("无法识别的文件格式：既不是Excel工作簿，也不是CSV文本。")
    lines = text[:200_000].splitlines()[:300]
    sample = "\n".join(lines)
    sep = max([",", "\t", ";", "|"], key=lambda c: sum(line.count(c) for line in lines))
    if sum(line.count(sep) for line in lines) == 0:
        sep = ","
    import csv

    try:
        width = max((len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep)), default=1)
    except csv.Error:
        width = max((line.count(sep) + 1 for line in lines), default=1)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=list(range(width)), dtype=str,
                         keep_default_na=False, skip_blank_lines=False, engine="c", quotechar='"')
    except Exception:  # noqa: BLE001 - ragged lines beyond the sample: fall back to the csv module
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        except csv.Error as exc:
            raise UnreadableLedger("CSV文件格式错误（引号或换行不配对，文件可能已损坏），无法读取。"
                                   "请用Excel打开后另存为.xlsx或“CSV UTF-8”再报送。") from exc
        width = max((len(r) for r in rows), default=1)
        df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    if df.empty or not text.strip():
        raise UnreadableLedger("CSV文件没有任何内容。请检查是否选错了文件。")
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    for k, c in enumerate(cols):
        c[pd.isna(c)] = ""
        s_ = df[df.columns[k]]
        eq = s_.str.startswith('="', na=False)
        if eq.any():      # ="001": exported by systems that keep leading zeros through Excel
            cols[k] = np.where(eq.to_numpy(), s_.str.slice(2).str.rstrip('"').to_numpy(dtype=object), c)
    codes = [np.where(c == "", 0, 2).astype(np.int8) for c in cols]
    if damaged:
        prep.warnings.append(f"文件中有{damaged}处无法识别的字符（文件可能有损坏），已显示为“\ufffd”，请核对相关单元格。")
    line_of = None
    if '"' in text and len(df) < len(text.splitlines()):
        # quoted cells with line breaks (Alt+Enter in Excel): records and physical lines differ
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            starts, prev = [], 0
            for _ in reader:
                starts.append(prev + 1)
                prev = reader.line_num
            if len(starts) == len(df):
                line_of = np.array(starts, dtype=np.int64)
        except csv.Error:
            line_of = None
    return {"name": Path(prep.name).name, "nrows": len(df), "cols": cols, "codes": codes, "merges": [],
            "line_of": line_of,
            "hidden": False}


# ------------------------------------------------------------------------------------------- headers
def _row(cols: list[np.ndarray], i: int) -> list:
    return [c[i] if i < len(c) else None for c in cols]


def _numeric_like(v) -> bool:
    if v is None or v == "":
        return False
    if not isinstance(v, str):
        return not isinstance(v, bool)
    return bool(re.fullmatch(r"[\d\s.,:/\-年月日+%]+", unicodedata.normalize("NFKC", v).strip()))


def _is_title_like(cells: list) -> bool:
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
    cells = [_cell_str(c[r]) if r < len(c) else "" for c in cols]
    if below is None:
        return cells
    under = [_cell_str(c[below]) if below < len(c) else "" for c in cols]
    out = list(cells)
    for j in range(n):
        if out[j]:
            continue
        m = _merged_label(merges, r, j, cols) if merges else None
        if m is not None and _cell_str(m):
            out[j] = _cell_str(m)
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
    cells = _row(cols, r)
    texts = [_cell_str(c) for c in cells]
    if not any(texts) or any(_numeric_like(c) for c in cells):
        return False
    tops = _layer_labels(cols, merges, upper, r)
    hits = 0
    for top, low in zip(tops, texts):
        if not low:
            continue
        if low in _SUBLABELS:
            hits += 1
            continue
        spec = headers.match_header(low)
        if spec is not None or headers.match_header(top + low) is not None:
            hits += 1
    filled = sum(1 for t in texts if t)
    return hits >= 1 and hits * 2 >= filled


_NUMBERING_STEMS = "甲乙丙丁戊己庚辛壬癸"


def _is_numbering_row(cells: list) -> bool:
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


def _find_header(cols, merges, nrows, begin: int = 0) -> tuple[int, int, int, set] | None:
    """(first header row, last header row, score, fields) or None; rows above `begin` are not looked at."""
    scan = min(nrows, begin + _HEADER_SCAN_ROWS)
    best = (-1, 0, set())
    for i in range(begin, scan):
        if best[1] >= _MIN_HEADER_SCORE and i > best[0] + 3:
            break
        cells = _row(cols, i)
        if best[1] >= _MIN_HEADER_SCORE and sum(1 for c in cells if isinstance(c, (float, int, datetime))) >= 3:
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
        above = _row(cols, first - 1)
        texts = [_cell_str(c) for c in above]
        if (sum(1 for t in texts if t) >= 2 and not any(_numeric_like(c) for c in above)
                and not _is_title_like(above) and last == first):
            first -= 1
    return first, last, score, fields


def _column_specs(cols, merges, first: int, last: int, title_unit: float | None,
                  offset: int | None = None) -> list[_Column]:
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
            cands.append(parts[0])
        spec = None
        for cand in cands:
            if len(parts) > 1 and cand == parts[-1] and headers.norm(cand) in _SUBLABELS:
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
            for p in parts:
                _, hints = headers.split_hints(p)
                u = next((h for h in hints if h in headers._tables()[1]), None)
                if u:
                    group, f, _ = headers._tables()[1][u]
                    if headers._unit_kind_ok(spec.kind, group):
                        spec = headers.ColumnSpec(**{**spec.__dict__, "unit": u, "factor": f})
                        break
        if spec.factor is None and spec.kind == "money" and title_unit is not None:
            spec = headers.ColumnSpec(**{**spec.__dict__, "factor": title_unit})
        letter = safety.cell_ref(0, j + (offset or 0))[:-1]
        if offset is not None:   # tables side by side: their headers repeat each other, the letter tells them apart
            header = f"{header}（{letter}列）"
        out.append(_Column(j, header, spec, letter))
    return out


# ------------------------------------------------------------------------------------------- title rows
_DATE_IN_TEXT = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?"
_REPORT_RE = re.compile(r"(?:截至|截止|统计时间|统计日期|统计时点|数据时间|数据日期)(?:日期|时间|时点|到|至)?\s*[:：]?\s*(?:" + _DATE_IN_TEXT + r"|(?:(\d{4})\s*年\s*)?"
                        r"(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末|份)?))")
_FILLED_ON_RE = re.compile(r"(填报|制表|报送|打印|编制|填表|审核)\s*(日期|时间)?\s*[:：]?\s*$")
_UNIT_RE = re.compile(r"单位\s*[:：]\s*(\S{1,24})")     # 单位：万元 / 人民币元 / 户、元


# the two ways to say what the file does not: the command line's option and the upload form's field
_GIVE_DATE = "另行指定截至日期（命令行用 --report-date，看板上传时填写“截至日期”）"
_GIVE_YEAR = "另行指定改造年度（命令行用 --batch-year，看板上传时填写“改造年度”）"
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_CN_DATE_RE = re.compile(r"([〇零一二三四五六七八九]{4})(?=\s*年)|([一二三四五六七八九十]{1,3})(?=\s*[月日号])"
                         r"|(?<=截至|截止)(\d{2})(?=\s*年)")
# a period's end, only after 截至 (elsewhere "2023年底前完工" is a plan, not the report date)
_PERIOD_END_RE = re.compile(r"(截至|截止)(\s*\d{4}\s*年)\s*(?:第?([一二三四1-4])季度|(上半年)|(底|末))(?:末|底)?")
_QUARTER_END = {1: "3月31日", 2: "6月30日", 3: "9月30日", 4: "12月31日"}


def _cn_number(text: str) -> int:
    """一 … 九, 十, 十一, 二十, 三十一 (a month or a day)."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _arabic_dates(text: str) -> str:
    """Dates as the 截至 pattern reads them: 二〇二三年六月三十日, 截至23年6月30日, 截至2023年第二季度末,
    截至2023年上半年, 截至2023年底 -> 2023年6月30日 … (text NFKC-normalised already)."""
    def digits(m: re.Match) -> str:
        year, month_or_day, short_year = m.groups()
        if year:
            return "".join(str(_CN_DIGITS[c]) for c in year)
        return str(_cn_number(month_or_day)) if month_or_day else "20" + short_year

    def period_end(m: re.Match) -> str:
        prefix, year, quarter, half, _year_end = m.groups()
        if quarter:
            return prefix + year + _QUARTER_END[int(quarter) if quarter.isdigit() else "一二三四".index(quarter) + 1]
        return prefix + year + _QUARTER_END[2 if half else 4]
    return _PERIOD_END_RE.sub(period_end, _CN_DATE_RE.sub(digits, text))


def _title_text(text: str) -> str:
    return _arabic_dates(unicodedata.normalize("NFKC", text))


def _title_info(title: str) -> dict:
    """截至 date, batch year, money unit from the text of the title rows."""
    t = _title_text(title)
    info: dict = {"report_date": None, "report_text": None, "year": None, "unit": None, "no_year": False}
    m = _REPORT_RE.search(t)
    rest = t
    if m is None:
        # 青岛市老旧小区改造项目进度表（2023年6月30日）: one full date in the title, not a 填报/制表 date
        found = [d for d in re.finditer(_DATE_IN_TEXT, t) if not _FILLED_ON_RE.search(t[max(0, d.start() - 8): d.start()])]
        if len({d.groups() for d in found}) == 1:
            d0 = found[0]
            info["report_text"] = d0.group(0)
            rest = t[: d0.start()] + " " + t[d0.end():]
            try:
                info["report_date"] = date(int(d0.group(1)), int(d0.group(2)), int(d0.group(3)))
            except ValueError:
                info["bad_report"] = d0.group(0)
    if m:
        info["report_text"] = m.group(0)
        rest = t[: m.start()] + " " + t[m.end():]
        if m.group(1):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            y = int(m.group(4)) if m.group(4) else None
            mo = int(m.group(5))
            d = int(m.group(6)) if m.group(6) else None
            if y is None:
                other = re.findall(r"((?:19|20)\d\d)\s*年", rest)
                y = int(other[0]) if len(set(other)) == 1 else None
        if y is None:
            info["no_year"] = True
        else:
            try:
                info["report_date"] = date(y, mo, d) if d else (pd.Timestamp(y, mo, 1) + pd.offsets.MonthEnd(0)).date()
            except ValueError:
                info["bad_report"] = m.group(0)
    rest = re.sub(_DATE_IN_TEXT, " ", rest)
    rest = re.sub(r"(填报|制表|报送|统计)(日期|时间)\s*[:：]?\s*\d{4}\s*年\s*\d{1,2}\s*月?", " ", rest)
    ys = set(re.findall(r"((?:19|20)\d\d)\s*年(?![\d])", rest)) - {"", None}
    ranges = re.search(r"(?:19|20)\d\d\s*[-—–~至到]\s*(?:19|20)?\d\d\s*年", rest)
    if len(ys) == 1 and not ranges:
        info["year"] = int(ys.pop())
    # 填报单位：… is a unit of another kind: the first 单位： that names a money unit
    money = next((m for m in (headers.unit_in_hint(headers.norm(u.group(1)), "money") for u in _UNIT_RE.finditer(t))
                  if m), None)
    if money:
        info["unit"] = headers._tables()[1][money][1]
    return info


# ------------------------------------------------------------------------------------------- one sheet
_STREET_NAME = r"[\u4e00-\u9fff]{1,12}?(?:街道办事处|街道|镇|乡)"
_STREET_HEADING_RE = re.compile(rf"^(?:[一二三四五六七八九十\d]+\s*[、.．]?\s*)?({_STREET_NAME})\s*(?:[(（][^()（）]*[)）])?$")
_SUMMARY_SHEET_RE = re.compile(r"汇总|总表|合计|统计")
# 模板 is not one: a district fills in the template and keeps its name (即墨区台账（模板）)
_INSTRUCTION_SHEET_RE = re.compile(r"说明|示例|样表|样例|范例|填表要求|填报要求")
# an example row says so in its id (示例, 例…, XXX), or in its name in so many words (（示例）, 例：…); a name that
# only looks like one (示例路小区, XX路3号院) is an example only when the row has no real id
_EXAMPLE_ID_RE = re.compile(r"示例|样例|范例|(?:^|\x00)例|(?:^|\x00)[XxＸｘ×]{2,}")
_EXAMPLE_NAME_RE = re.compile(r"[(（]\s*(?:示例|样例|范例|例)\s*[)）]|(?:^|\x00)(?:示例|样例|范例|例)\s*[:：]")
_EXAMPLE_LIKE_NAME_RE = re.compile(r"示例|样例|范例|(?:^|\x00)[XxＸｘ×]{2,}")


def _marked(raw: dict, rcodes: dict, columns, pattern: re.Pattern, needles: str) -> np.ndarray:
    """Rows whose text in any of the columns matches pattern: one regex pass over the distinct texts joined by
    NUL (a NUL never occurs in a cell; anchors are written (?:^|\x00)), hits mapped back to their rows.
    needles: characters of which every match holds one; without any, the (slower) regex pass is skipped."""
    n = len(next(iter(raw.values()))) if raw else 0
    hit = np.zeros(n, dtype=bool)
    for col in columns:
        if col is None:
            continue
        texts = np.flatnonzero(rcodes[col.index] == 2)
        if not len(texts):
            continue
        codes, uniq = pd.factorize(raw[col.index][texts])
        joined = "\x00".join(uniq.tolist())
        if not any(c in joined for c in needles):
            continue
        ends = np.cumsum(np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq)) + 1)
        found = [m.end() - 1 for m in pattern.finditer(joined)]      # the match's last character is in its cell
        if found:
            match_u = np.zeros(len(uniq), dtype=bool)
            match_u[np.searchsorted(ends, found, side="right")] = True
            hit[texts[match_u[codes]]] = True
    return hit


_STREET_SHEET_RE = re.compile(rf"^(?:\d+[.、\s]*)?({_STREET_NAME})(?:台账|项目|明细)?$")
_STREET_TITLE_RE = re.compile(rf"(?:街道|镇街|街镇|所属街道)(?:名称)?\s*[:：]\s*({_STREET_NAME})")


def _street_in(sheet: str, title: str) -> str | None:
    """A street named by the sheet name (辽宁路街道) or by a 街道：… title line."""
    m = _STREET_SHEET_RE.match(unicodedata.normalize("NFKC", sheet).strip())
    if m and dist.find_in_text(m.group(1)) is None:
        return m.group(1)
    m = _STREET_TITLE_RE.search(unicodedata.normalize("NFKC", title))
    return m.group(1) if m else None


_SECTION_YEAR_RE = re.compile(r"((?:19|20)\d\d)\s*年(?:度)?")


def _full_date_in(text: str) -> date | None:
    """The one full date written in a file or sheet name (2022.5.31, 20220531, 2022年5月31日), else None."""
    found = {m.groups() for m in re.finditer(r"(?<!\d)(20\d\d)\s*[年\-/._]?\s*(\d{1,2})\s*[月\-/._]?\s*(\d{1,2})"
                                            r"\s*[日号]?(?!\d)", unicodedata.normalize("NFKC", text))}
    if len(found) != 1:
        return None
    y, mo, d = map(int, found.pop())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _part_ids(p: _Part) -> set:
    if "community_id" not in p.raw:
        return set()
    return set(values.text_array(p.raw["community_id"], p.codes.get("community_id")).tolist()) - {None}


def _drop_summary_copies(parts: list[_Part], rep: _Report) -> list[_Part]:
    """A 汇总 sheet that repeats the district sheets row for row: every community of it is in the other sheets,
    taken from at least two of them. It is a copy, not more communities (two sheets that merely share rows are
    not: their ids stay duplicates)."""
    if len(parts) < 3:
        return parts
    own = [_part_ids(p) for p in parts]
    keep, kept_ids = [], []
    for k, p in enumerate(parts):
        others = kept_ids + own[k + 1:]          # a sheet dropped already vouches for nothing
        sources = sum(1 for ids in others if ids & own[k])
        if own[k] and sources >= 2 and own[k] <= set().union(*others):
            rep.warn(p.sheet, None, None, None, "该工作表的小区与其他工作表逐行重复（汇总表），未重复计入。")
            continue
        keep.append(p)
        kept_ids.append(own[k])
    return keep


def _drop_older_copies(parts: list[_Part], opt: date | None, rep: _Report) -> list[_Part]:
    """A workbook that keeps last week's sheet beside this week's: sheets dated earlier than the report date
    whose communities are (mostly) the same as the report date's sheets are old copies, not read."""
    dates = sorted({p.title_date for p in parts if p.title_date})
    if len(dates) < 2:
        return parts
    target = opt if opt in dates else dates[-1]
    ids = _part_ids
    current = [p for p in parts if p.title_date == target]
    latest_ids = set().union(*(ids(p) for p in current))
    names = "、".join(f"「{p.sheet}」" for p in current)
    keep = []
    for p in parts:
        if p.title_date and p.title_date < target:
            own = ids(p)
            if own and len(own & latest_ids) * 2 >= len(own):
                rep.warn(p.sheet, p.title_row, None, p.title_date_text or p.sheet,
                         f"该工作表截至{_fmt_date(p.title_date)}，早于同一文件中截至{_fmt_date(target)}的工作表{names}，"
                         "且为同一批小区，视为旧版本，未读取。")
                continue
        keep.append(p)
    return keep


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


def _section_years(cols, codes_of, by_field, first: int, nrows: int) -> dict[int, float]:
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


def _section_districts(cols, codes_of, by_field, first: int, nrows: int) -> dict[int, str]:
    """Heading rows that name one district (一、市南区, 市北区（3个）) on rows without an id: row -> district."""
    out = {}
    for r, texts in _rows_without_id(cols, codes_of, by_field, first, nrows):
        if len(texts) == 1:
            name = dist.canonical(_HEADING_NUMBER_RE.sub("", unicodedata.normalize("NFKC", texts[0]).strip()))
            if name:
                out[r] = name
    return out


def _under_headings(headings: dict, start: int, n: int, kept: np.ndarray, empty) -> np.ndarray:
    """Each kept data row's value of the nearest heading above it ({sheet row: value} -> per kept row)."""
    values_ = np.full(n, empty, dtype=object if empty is None else "float64")
    for r, v in headings.items():
        if r >= start:
            values_[r - start] = v
    return pd.Series(values_).ffill().to_numpy()[kept]


def _put_error_cells(sh: dict, cells: list) -> None:
    cols, codes = sh["cols"], sh.get("codes")
    for r, c, text in cells:
        if c < len(cols) and r < len(cols[c]) and (cols[c][r] is None or cols[c][r] == ""):
            if not cols[c].flags.writeable:
                cols[c] = cols[c].copy()
            cols[c][r] = text
            if codes is not None:
                if not codes[c].flags.writeable:
                    codes[c] = codes[c].copy()
                codes[c][r] = 2


_NOTE_START = ("注", "说明", "备注", "填表", "填报", "审核", "制表", "联系", "附", "负责人", "领导")


def _prose(v) -> bool:
    """An id cell holding a sentence (填表说明：1. …, 填报人：…, 注：…) rather than an id."""
    if not isinstance(v, str):
        return False
    t = v.strip()
    return len(t) >= 20 or any(ch in t for ch in "：:；;。，") or t.startswith(_NOTE_START)


def _col_name(col: _Column) -> str:
    return f"「{col.header}」" if col.header.endswith("列）") else f"「{col.header}」（{col.letter}列）"


def _fill_from(part: _Part, fld: str, col: _Column, other: _Column, cells: np.ndarray, codes: np.ndarray,
               rep: _Report) -> None:
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
                     f"与{_col_name(col)}的「{a}」不一致，已按{_col_name(col)}读取，请核对。")


def _units_row(cells: list) -> dict[int, str] | None:
    """{column: unit} when every filled cell of a row is a unit: （元）, 元, 单位：元; else None."""
    out = {}
    for j, c in enumerate(cells):
        text = _cell_str(c)
        if not text:
            continue
        unit = headers.unit_in_hint(headers.norm(text).strip("()[]"))
        if unit is None:
            return None
        out[j] = unit
    return out or None


def _apply_units(by_field: dict, units: dict[int, str]) -> None:
    """A units row's unit for each column under it that has none written in its header."""
    table = headers._tables()[1]
    for lst in by_field.values():
        for n, col in enumerate(lst):
            unit = units.get(col.index)
            if unit and col.spec.unit is None and headers._unit_kind_ok(col.spec.kind, table[unit][0]):
                lst[n] = replace(col, spec=headers.ColumnSpec(**{**col.spec.__dict__, "unit": unit,
                                                                      "factor": table[unit][1]}))


def _yes_no_node_columns(by_field: dict, cols, codes_of, start: int, nrows: int) -> None:
    """A node column holding 是/否 (开工（是/否）, 已开工, 开工情况) is read as 是否开工, not as dates."""
    for key in NODE_KEYS:
        fld, flag = actual_column(key), f"flag_{key}"
        if fld not in by_field or flag in by_field:
            continue
        col = by_field[fld][0]
        codes = codes_of[col.index][start:nrows]
        texts = cols[col.index][start:nrows][codes == 2]
        if len(texts) and not np.isin(codes, (1, 3)).any() and not np.isnan([_yes_no(x) for x in texts]).any():
            by_field[flag] = [replace(col, spec=headers.ColumnSpec(field=flag, kind="flag"))]
            del by_field[fld]


def _side_by_side(by_field: dict, hidden: set) -> int | None:
    """The first column of a second table beside the first (its own 小区编号 and 小区名称 columns to the right
    of the first table's), or None."""
    second = headers.second_meanings()       # 项目编号 / 项目名称 beside 小区编号 / 小区名称 name the bundle

    def own(c: _Column) -> bool:
        return c.index not in hidden and headers.flat(headers.split_hints(c.header.split("/")[-1])[0]) not in second
    starts = []
    for fld in ("community_id", "name"):
        shown = sorted(c.index for c in by_field.get(fld, []) if own(c))
        if len(shown) < 2:
            return None
        starts.append(shown[1])
    last_of_first = max(c.index for lst in by_field.values() for c in lst if c.index < min(starts))
    return last_of_first + 1


def _columns_from(sh: dict, lo: int, hi: int) -> dict:
    """The sheet's columns lo..hi-1 as a sheet of their own (rows unchanged, so row numbers stay right)."""
    def inside(j: int) -> bool:
        return lo <= j < hi
    return {**sh, "col_offset": sh.get("col_offset", 0) + lo, "cols": sh["cols"][lo:hi], "codes": (sh.get("codes") or [values.type_codes(c) for c in sh["cols"]])[lo:hi],
            "merges": [(r0, c0 - lo, r1, c1 - lo) for r0, c0, r1, c1 in sh.get("merges", []) if inside(c0) and inside(c1)],
            "hidden_cols": {j - lo for j in sh.get("hidden_cols") or set() if inside(j)}}


def _next_table(cols, codes_of, by_field: dict, start: int, nrows: int) -> int | None:
    """The header row of another table under this one, with its columns in another order (the same header
    repeated is read as a repeat), or None. Only rows with text where this table has its counts and amounts
    are looked at closely."""
    checks = [by_field[f][0].index for f in ("households", "planned_investment_wan") if f in by_field]
    if not checks:
        return None
    texty = np.logical_and.reduce([codes_of[j][start:nrows] == 2 for j in checks])
    current = {c.index: f for f, lst in by_field.items() for c in lst}
    for r in np.flatnonzero(texty) + start:
        cells = _row(cols, int(r))
        score, fields = headers.score_row(cells)
        if score < _MIN_HEADER_SCORE or not ({"community_id", "name"} & fields):
            continue
        seen = {j: spec.field for j, c in enumerate(cells) if isinstance(c, str)
                and (spec := headers.match_header(c)) is not None and spec.field != "ignored"}
        if any(current.get(j) != f for j, f in seen.items()):
            return int(r)
    return None


def _read_sheet(sh: dict, rep: _Report, opts: dict, candidates: list, begin: int = 0,
                title_rows: list[int] | None = None) -> list[_Part]:
    """The ledger tables of one sheet (usually one; another table under the first with its own header is
    read with that header). begin / title_rows: where the next table starts, and the first one's title rows."""
    name = sh["name"]
    cols: list[np.ndarray] = sh["cols"]
    nrows = sh["nrows"]
    merges = [m for m in sh.get("merges", []) if m[2] > m[0] or m[3] > m[1]]
    codes_of = sh.get("codes") or [values.type_codes(c) for c in cols]
    if nrows == 0 or not cols or all((c[: min(nrows, 200)] == 0).all() for c in codes_of):
        rep.warn(name, None, None, None, "工作表为空，已跳过。")
        return []
    found = _find_header(cols, merges, nrows, begin)
    if found is None or found[2] < _MIN_HEADER_SCORE or not ({"community_id", "name"} & found[3]):
        got = sorted(found[3]) if found else []
        candidates.append((name, got))
        rep.warn(name, None, None, None,
                 "未找到台账表头（应有“小区编号”“小区名称”“所属区市”“户数”“总投资”等列），不是项目台账，已跳过。")
        return []
    first, last, _score, _fields = found
    above = list(range(first)) if title_rows is None else [*title_rows, *range(begin, first)]
    title_cells = [_cell_str(c[r]) for r in above for c in cols if r < len(c)]
    title = " ".join(t for t in title_cells if t)
    tinfo = _title_info(title)
    specs = _column_specs(cols, merges, first, last, tinfo["unit"], sh.get("col_offset"))

    by_field: dict[str, list[_Column]] = {}
    for col in specs:
        by_field.setdefault(col.spec.field, []).append(col)
    side = _side_by_side(by_field, sh.get("hidden_cols") or set())
    if side is not None:         # two tables next to each other: each read on its own
        return [*_read_sheet(_columns_from(sh, 0, side), rep, opts, candidates, begin, title_rows),
                *_read_sheet(_columns_from(sh, side, len(cols)), rep, opts, candidates, begin, title_rows)]
    second = headers.second_meanings()
    hidden_cols = sh.get("hidden_cols") or set()
    fallbacks: dict[str, list[_Column]] = {}
    for fld, lst in list(by_field.items()):
        # a visible column before a hidden one (a hidden column is usually last week's copy or a helper)
        lst.sort(key=lambda c: (c.index in hidden_cols, c.spec.rank, c.index))
        if not lst[0].spec.sums and len(lst) > 1:
            # 项目名称 / 项目编号 next to 小区名称 / 小区编号: the bundled project's name or number
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
                label = headers.field_label(fld) if fld in headers.vocabulary()["fields"] else _node_label(fld)
                for other in fallbacks[fld]:
                    rep.warn(name, last + 1, other.header, None,
                             f"与{_col_name(lst[0])}含义相同（{label}）：以{_col_name(lst[0])}为准，"
                             f"其为空的行取本列（{other.letter}列）的值。请只保留一列。")
            by_field[fld] = lst[:1]
    if "lonlat" in by_field and ("lon" in by_field or "lat" in by_field):
        del by_field["lonlat"]

    part = _Part(sheet=name, header_row=last + 1, cols=by_field, rows=np.array([], dtype=int), raw={})
    # district / batch year fallbacks
    said = {where: dist.find_in_text(text) for where, text in
            (("工作表名", name), ("标题", title), ("文件名", Path(opts.get("source_name") or "").stem))}
    sheet_district = next((d for d in said.values() if d), None)
    if "district" not in by_field and len({d for d in said.values() if d}) > 1:
        # no district column: the district is taken from these, so they must agree
        listing = "，".join(f"{where}为{d}" for where, d in said.items() if d)
        rep.warn(name, None, None, None, f"没有所属区市列，且{listing}，不一致；已按{sheet_district}读取，请核对。")
    section = {}
    if "batch_year" not in by_field:
        section = _section_years(cols, codes_of, by_field, last + 1, nrows)
    district_sections = {}
    if "district" not in by_field and not sheet_district:       # a citywide sheet: 一、市南区 … 二、市北区
        district_sections = _section_districts(cols, codes_of, by_field, last + 1, nrows)
    missing = []
    for fld in headers.required_fields():
        if fld in by_field:
            continue
        if fld == "batch_year" and (opts.get("batch_year") or tinfo["year"] or section):
            continue
        if fld == "district" and (sheet_district or district_sections):
            part.district_from = sheet_district
            continue
        missing.append(fld)
    if missing and _SUMMARY_SHEET_RE.search(name) and not dist.find_in_text(name):
        # a 汇总 sheet listing the communities without all the columns: the district sheets hold them
        labels = "、".join(f"「{headers.field_label(f)}」" for f in missing)
        rep.warn(name, last + 1, None, None, f"汇总工作表，缺少{labels}列，未读取；小区以各区市工作表为准。")
        return []
    if missing:
        serial = next((_cell_str(cols[j][last]) for j in range(len(cols)) if last < len(cols[j])
                       and headers.flat(_cell_str(cols[j][last])) in ("序号", "编号序号")), None)
        for fld in missing:
            syn = "、".join(headers.field_synonyms(fld))
            extra = f"；也可在标题中写明年度（如“2023年”）或{_GIVE_YEAR}" if fld == "batch_year" else ""
            if fld == "community_id" and serial:        # 序号 is ignored as a row counter, but some fill ids in it
                extra += f"；如「{serial}」列填写的是小区编号，请把表头改为“小区编号”"
            rep.error(name, last + 1, None, None,
                      f"缺少必填列「{headers.field_label(fld)}」（表头可写作：{syn}{extra}）。")
        return []
    written = tinfo.get("bad_report") or tinfo["report_text"]
    part.title_row = next((r + 1 for r in range(first) if written and written in _title_text(" ".join(
        t for t in (_cell_str(c[r]) for c in cols if r < len(c)) if t))), None)
    if tinfo.get("bad_report"):
        rep.error(name, part.title_row, None, tinfo["bad_report"], "标题中的截至日期不是有效日期。")
    if tinfo["no_year"]:
        rep.warn(name, part.title_row, None, tinfo["report_text"],
                 "标题中的截至日期没有年份，且无法从标题推断，已忽略；请写成“截至2023年6月30日”。")
    part.title_date, part.title_date_text = tinfo["report_date"], tinfo["report_text"]
    if part.title_date is None and not tinfo.get("bad_report"):
        part.title_date = _full_date_in(name)          # weekly sheets named by their date: 2022.5.31
        part.title_date_text = name if part.title_date else None

    # ---------------------------------------------------------------- data rows
    part.tinfo, part.sheet_district = tinfo, sheet_district
    part.stated_district = said["工作表名"] or said["标题"]
    if "street" not in by_field:
        part.sheet_street = _street_in(name, title)
    start = last + 1
    while start < nrows:         # under the header: a 栏次 row (1 | 2 | 3 …) and a units row (（元）, 单位：元)
        row = _row(cols, start)
        units = None if _is_numbering_row(row) else _units_row(row)
        if units is None and not _is_numbering_row(row):
            break
        if units:
            _apply_units(by_field, units)
        start += 1
    if start >= nrows:
        rep.warn(name, None, None, None, "表头下没有数据行。")
        return [part]
    following: list[_Part] = []
    _yes_no_node_columns(by_field, cols, codes_of, start, nrows)
    next_table = _next_table(cols, codes_of, by_field, start, nrows)
    if next_table is not None:
        following = _read_sheet(sh, rep, opts, candidates, begin=next_table,
                                title_rows=above if title_rows is None else title_rows)
        nrows = next_table
        merges = [(r0, c0, min(r1, nrows - 1), c1) for r0, c0, r1, c1 in merges if r0 < nrows]
    used = sorted({c.index for lst in (*by_field.values(), *fallbacks.values()) for c in lst}
                  | ({0, 1, 2} & set(range(len(cols)))))
    raw = {j: np.asarray(cols[j][start:nrows], dtype=object).copy() for j in used}
    rcodes = {j: np.asarray(codes_of[j][start:nrows]).copy() for j in used}
    n = nrows - start
    line_of = sh.get("line_of")

    def line(i: int) -> int:
        """Data row i as the user sees it: the Excel row, or the CSV file's physical line."""
        return int(line_of[start + i]) if line_of is not None else start + i + 1
    # vertically merged cells in the data area: the value applies to every row of the range (text-like columns)
    continuation = np.zeros(n, dtype=bool)
    if merges:
        kind_of = {c.index: c.spec.kind for lst in by_field.values() for c in lst}
        # one community over several rows (its id merged down): read as one row, the rows' amounts added up
        header_texts = {_cell_str(cols[j][r]) for j in raw for r in range(first, last + 1) if r < len(cols[j])}
        id_ranges = {(r0, r1) for r0, c0, r1, c1 in merges
                     if r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) == "id" and rcodes[c0][r0 - start] != 0
                     and _cell_str(raw[c0][r0 - start]) not in header_texts}     # not the header repeated
        money_cols = sorted({c.index for lst in by_field.values() for c in lst if c.spec.kind == "money"})
        for r0, r1 in sorted(id_ranges):
            a, b = r0 - start, r1 - start + 1
            for j in money_cols:
                cc = rcodes[j][a:b]
                if (cc == 1).sum() > 1 and np.isin(cc, (0, 1)).all():
                    raw[j][a] = float(sum(raw[j][a + k] for k in np.flatnonzero(cc == 1)))
                    rcodes[j][a] = 1
            for fld in ("items", "bundle", "renovation_class"):     # their lines of works, joined
                if fld in by_field:
                    j = by_field[fld][0].index
                    parts_ = [_cell_str(v) for v in raw[j][a:b]]
                    parts_ = list(dict.fromkeys(p_ for p_ in parts_ if p_))
                    if len(parts_) > 1:
                        raw[j][a] = "；".join(parts_)
                        rcodes[j][a] = 2
            continuation[a + 1: b] = True
            id_c = by_field["community_id"][0]
            rep.warn(name, r0 + 1, id_c.header, _cell_str(raw[id_c.index][a]),
                     f"第{r0 + 1}至{r1 + 1}行是同一小区（小区编号为合并单元格），已按一行读取，各行金额已相加；"
                     "请每个小区只填一行。")
        for r0, c0, r1, c1 in merges:
            if (r0, r1) in id_ranges:
                continue
            if r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) in _FILLABLE_MERGE_KINDS:
                raw[c0][r0 - start + 1: r1 - start + 1] = raw[c0][r0 - start]
                rcodes[c0][r0 - start + 1: r1 - start + 1] = rcodes[c0][r0 - start]
            elif (r1 > r0 and r0 >= start and c0 in raw and kind_of.get(c0) == "money"
                  and rcodes[c0][r0 - start] != 0 and (rcodes[c0][r0 - start + 1: r1 - start + 1] == 0).all()
                  and _cell_str(raw[c0][r0 - start]) not in header_texts):
                # one amount for several communities (a bundle's investment merged down): counted once, on
                # the first row; the other rows of the range count 0 so the sheet's total stays right
                raw[c0][r0 - start + 1: r1 - start + 1] = 0.0
                rcodes[c0][r0 - start + 1: r1 - start + 1] = 1
                hdr = next(c.header for lst in by_field.values() for c in lst if c.index == c0)
                rep.warn(name, r0 + 1, hdr, _cell_str(raw[c0][r0 - start]),
                         f"第{r0 + 1}至{r1 + 1}行为合并单元格，金额已全部计入第{r0 + 1}行，其余各行按0计；"
                         "如需分小区统计，请拆分单元格后分别填写。")
    key_fields = ("community_id", "name", "district", "households", "planned_investment_wan",
                  "completed_investment_wan")
    key_cols = sorted({by_field[f][0].index for f in key_fields if f in by_field} | ({0, 1, 2} & set(raw)))
    empt = {j: rcodes[j] == 0 for j in key_cols}
    blank = np.logical_and.reduce([empt[j] for j in key_cols]) if key_cols else np.ones(n, dtype=bool)
    id_col = by_field.get("community_id", [None])[0]
    name_col = by_field.get("name", [None])[0]
    id_empty = empt[id_col.index] if id_col else np.ones(n, dtype=bool)
    name_empty = empt[name_col.index] if name_col else np.ones(n, dtype=bool)
    words = re.compile("|".join(r"\s*".join(map(re.escape, w)) for w in headers.subtotal_words()))  # 合  计 too
    look = {0, 1, 2}
    for fld in ("community_id", "name", "district", "street"):
        if fld in by_field:
            look.add(by_field[fld][0].index)
    look &= set(raw)
    first_chars = "".join({w[0] for w in headers.subtotal_words() if w})
    id_word = _marked(raw, rcodes, (id_col,), words, first_chars)       # an id cell holding 合计/小计…
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
            if _prose(raw[id_col.index][i]):
                id_empty[i] = True
    # the header repeated over each section (sections pasted one under the other)
    repeated = np.zeros(n, dtype=bool)
    for col in (id_col, name_col):
        if col is not None:
            cells = raw[col.index]
            for r in range(first, last + 1):
                h = cols[col.index][r] if r < len(cols[col.index]) else None
                if isinstance(h, str) and h.strip():
                    repeated |= (cells == h)
    id_example = _marked(raw, rcodes, (id_col,), _EXAMPLE_ID_RE, "例Xxｘ×Ｘ")
    example = (id_example | _marked(raw, rcodes, (name_col,), _EXAMPLE_NAME_RE, "例")
               | (_marked(raw, rcodes, (name_col,), _EXAMPLE_LIKE_NAME_RE, "例Xxｘ×Ｘ") & (id_none | id_example)))
    example &= ~blank & ~subtotal
    for i in np.flatnonzero(example):
        rep.warn(name, line(i), None, None, "示例行（填报样例），不是小区，已忽略。")
    # a street's heading row (八大关街道, 一、辽宁路街道), in the id or the name column, sometimes with its totals
    heading = np.zeros(n, dtype=bool)
    heading_street = np.full(n, None, dtype=object)
    for i in np.flatnonzero((id_none & ~name_empty) | (name_empty & ~id_none)):
        label = raw[name_col.index][i] if name_col is not None and not name_empty[i] else raw[id_col.index][i]
        m = _STREET_HEADING_RE.match(unicodedata.normalize("NFKC", label).strip()) if isinstance(label, str) else None
        heading[i], heading_street[i] = m is not None, m.group(1) if m else None
    heading &= ~subtotal & ~example
    numeric_cols = [c.index for f in ("households", "planned_investment_wan") for c in by_field.get(f, [])]
    for i in np.flatnonzero(heading):
        if any(rcodes[j][i] == 1 for j in numeric_cols):
            rep.warn(name, line(i), None, None, "街道分组行（含该街道小计），不是小区，已忽略。")
    # a sentence typed in the name column under the table (本周新增开工3个…): a note, not a community
    note = np.zeros(n, dtype=bool)
    if name_col is not None:
        money_cols = [by_field[f][0].index for f in ("households", "planned_investment_wan", "completed_investment_wan")
                      if f in by_field]
        for i in np.flatnonzero(id_empty & ~name_empty & ~subtotal & ~heading & ~example):
            text = raw[name_col.index][i]
            if _prose(text) and all(rcodes[j][i] == 0 for j in money_cols):
                note[i] = True
                rep.warn(name, line(i), name_col.header, text,
                         "只填写了这一格，像是说明文字而不是小区，已忽略；如是小区，请补填小区编号、户数和投资。")
    nameless = id_empty & name_empty & ~blank & ~subtotal & ~continuation
    for i in np.flatnonzero(nameless):          # 一、辽宁路街道 merged over the row from the 序号 column
        m = next((m for j in look if rcodes[j][i] == 2 and (m := _STREET_HEADING_RE.match(
            unicodedata.normalize("NFKC", raw[j][i]).strip()))), None)
        heading_street[i] = m.group(1) if m else None
    if nameless.any():
        # rows with neither id nor name: notes, group headings or unlabelled totals
        for i in np.flatnonzero(nameless):
            if any(rcodes[j][i] == 1 or (rcodes[j][i] == 2 and _numeric_like(raw[j][i])) for j in numeric_cols):
                rep.warn(name, line(i), None, None, "该行没有小区编号和小区名称，按合计/说明行忽略。")
    keep = ~(blank | subtotal | nameless | repeated | continuation | example | heading | note)
    idx = np.flatnonzero(keep)
    part.rows = idx + start + 1 if sh.get("line_of") is None else sh["line_of"][idx + start]
    # 一、2021年度项目 / 一、市南区 / 一、辽宁路街道: a heading's year, district or street applies to the rows under it
    if section:
        part.section_year = _under_headings(section, start, n, idx, np.nan)
    if district_sections:
        part.section_district = _under_headings(district_sections, start, n, idx, None)
    if "street" not in by_field and (heading_street != None).any():     # noqa: E711
        part.section_street = pd.Series(heading_street).ffill().to_numpy()[idx]
    for fld, lst in by_field.items():
        part.raw[fld] = raw[lst[0].index][idx]
        part.codes[fld] = rcodes[lst[0].index][idx]
        for other in fallbacks.get(fld, []):
            _fill_from(part, fld, lst[0], other, raw[other.index][idx], rcodes[other.index][idx], rep)
        if len(lst) > 1:
            part.extra[fld] = [(c, raw[c.index][idx]) for c in lst[1:]]
    return [part, *following]


class _Table:
    """The kept rows of every ledger sheet, stacked, so each column is converted once for the whole file."""

    def __init__(self, parts: list[_Part], rep: _Report) -> None:
        self.parts = parts
        self.rep = rep
        sizes = [len(p.rows) for p in parts]
        self.n = int(sum(sizes))
        self.part_of = np.repeat(np.arange(len(parts)), sizes)
        self.sheet = np.repeat(np.array([p.sheet for p in parts], dtype=object), sizes)
        self.row = np.concatenate([p.rows for p in parts]).astype("int64").tolist()
        self.sizes = sizes
        self.out: dict[str, np.ndarray] = {}
        self.month_only: dict[str, np.ndarray] = {}
        # rows with a date that could not be read (an error already): no warnings derived from their dates
        self.unreadable_date = np.zeros(self.n, dtype=bool)
        self.unreadable_actual: dict[str, np.ndarray] = {}
        fields = {f for p in parts for f in p.raw}
        self.raw: dict[str, np.ndarray] = {}
        self.header: dict[str, np.ndarray] = {}
        self.present: dict[str, np.ndarray] = {}
        self.codes: dict[str, np.ndarray] = {}
        for f in fields:
            self.raw[f] = np.concatenate([p.raw[f] if f in p.raw else np.full(len(p.rows), None, dtype=object)
                                          for p in parts])
            self.codes[f] = np.concatenate([p.codes[f] if f in p.codes else np.zeros(len(p.rows), dtype=np.int8)
                                            for p in parts]).astype(np.int8)
            self.header[f] = self.per_part(lambda p, f=f: p.header(f) if f in p.cols else None)
            self.present[f] = self.per_part(lambda p, f=f: f in p.raw, dtype=bool)

    def per_part(self, fn, dtype=object) -> np.ndarray:
        return np.repeat(np.array([fn(p) for p in self.parts], dtype=dtype), self.sizes)

    def under_headings(self, attr: str, otherwise: np.ndarray) -> np.ndarray:
        """Per row, the value of the section heading above it (a part's `attr`), else `otherwise`."""
        if all(getattr(p, attr) is None for p in self.parts):
            return otherwise
        section = np.concatenate([getattr(p, attr) if getattr(p, attr) is not None
                                  else np.full(len(p.rows), None, dtype=object) for p in self.parts])
        return np.where(pd.isna(section), otherwise, section).astype(otherwise.dtype)

    def slice(self, k: int) -> slice:
        start = int(sum(self.sizes[:k]))
        return slice(start, start + self.sizes[k])

    def issues(self, level: str, fld: str, mask: np.ndarray, message, raw: np.ndarray | None = None,
               header=None, value=None) -> None:
        """One Issue per True in mask; message/header/value may be per-row arrays."""
        if mask is None or not mask.any():
            return
        raw = self.raw.get(fld) if raw is None else raw
        hdr = self.header.get(fld) if header is None else header
        sink = self.rep.errors if level == "error" else self.rep.warnings
        label = headers.field_label(fld)
        per_row_msg = isinstance(message, np.ndarray)
        per_row_hdr = isinstance(hdr, np.ndarray)
        sheet, row, display = self.sheet, self.row, values.display
        for i in np.flatnonzero(mask).tolist():
            v = value[i] if value is not None else (display(raw[i]) if raw is not None else None)
            h = hdr[i] if per_row_hdr else hdr
            sink.append(Issue(level, sheet[i], row[i], h if h is not None else label, v,
                              message[i] if per_row_msg else message))


def _dates_str(values_: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(values_.astype("datetime64[D]"), unit="D").astype(object)


def _convert(t: _Table, opts: dict) -> None:
    out, raw, n = t.out, t.raw, t.n
    rd = opts.get("report_date")
    none = np.full(n, None, dtype=object)
    # identity
    for fld in ("community_id", "name"):
        txt = values.text_array(raw.get(fld, none), codes=t.codes.get(fld))
        multi = np.flatnonzero([isinstance(x, str) and ("\n" in x or "\r" in x) for x in txt])
        if len(multi):       # Alt+Enter inside a name or id: the line break is not part of it
            txt[multi] = [re.sub(r"\s*[\r\n]+\s*", "", x) for x in txt[multi]]
        out[fld] = txt
        if fld in raw:
            t.issues("error", fld, (txt == None) & t.present[fld], f"{headers.field_label(fld)}为空（必填）。")  # noqa: E711
        if fld == "community_id" and fld in raw and (t.codes[fld] == 1).any():
            big = np.zeros(n, dtype=bool)
            num = np.flatnonzero(t.codes[fld] == 1)
            big[num] = np.abs(raw[fld][num].astype("float64")) >= 1e15
            t.issues("warning", fld, big, "小区编号是超过15位的数字，Excel只保存15位有效数字，末尾几位可能已变成0，"
                                          "编号可能因此重复或不准确。请把该列设为文本格式后重新录入编号。")
    # district: column, else the sheet's (sheet name, title, file name)
    fallback = t.under_headings("section_district", t.per_part(lambda p: p.sheet_district))
    if "district" in raw:
        txt = values.text_array(raw["district"], codes=t.codes["district"])
        d = dist.canonical_array(txt)
        emp = txt == None  # noqa: E711
        d = np.where(emp, fallback, d)
        unknown = ~emp & pd.isna(d)
        names = "、".join(dist.official_names())
        stated = t.per_part(lambda p: p.stated_district)
        if unknown.any():
            msg = np.full(n, None, dtype=object)
            msg[unknown] = [f"无法识别的区市{_district_guess(x, s_)}，应为{config.city_name()}的区市之一：{names}。"
                            for x, s_ in zip(txt[unknown], stated[unknown])]
            t.issues("error", "district", unknown & t.present["district"], msg)
        t.issues("error", "district", emp & pd.isna(d) & t.present["district"], "所属区市为空（必填）。")
        out["district"] = d
        elsewhere = ~emp & ~pd.isna(d) & ~pd.isna(stated) & (d != stated)
        for k in range(len(t.parts)):        # a few stray rows, not a sheet of several districts' sections
            sl = t.slice(k)
            if elsewhere[sl].any() and elsewhere[sl].sum() * 2 >= (~pd.isna(d[sl])).sum():
                elsewhere[sl] = False
        if elsewhere.any():
            msg = np.full(n, None, dtype=object)
            msg[elsewhere] = [f"所属区市为{x}，但本表是{y}的台账（见工作表名或标题），请核对。"
                              for x, y in zip(d[elsewhere], stated[elsewhere])]
            t.issues("warning", "district", elsewhere, msg)
    else:
        out["district"] = fallback
        # only rows above a citywide sheet's first district heading can be left without one
        t.issues("error", "district", pd.isna(fallback).astype(bool),
                 "没有所属区市列，且该行上方没有区市标题行，无法确定所属区市；请增加“所属区市”列。")
    for fld in _TEXT_FIELDS:
        if fld in raw:
            out[fld] = values.text_array(raw[fld], codes=t.codes[fld])
    if any(p.sheet_street or p.section_street is not None for p in t.parts):
        street = t.under_headings("section_street", t.per_part(lambda p: p.sheet_street))
        out["street"] = np.where(t.present.get("street", np.zeros(n, bool)), out.get("street", none), street)
    # batch year: column, else --batch-year, else the title's year
    fallback_year = t.under_headings("section_year", t.per_part(
        lambda p: opts.get("batch_year") or p.tinfo.get("year") or np.nan, dtype="float64"))
    if "batch_year" in raw:
        y, emp, bad = values.years(raw["batch_year"], codes=t.codes["batch_year"])
        has_fb = ~np.isnan(fallback_year)
        t.issues("error", "batch_year", bad & ~has_fb, "无法识别的改造年度，应为四位年份，如2023。")
        if (bad & has_fb).any():      # 批次 “第一批”: the year comes from the title or --batch-year
            msg = np.full(t.n, None, dtype=object)
            msg[bad & has_fb] = [f"改造年度中没有年份，已按{int(v)}年处理（取自标题或另行指定的改造年度）；请写明年份，如2023。"
                                 for v in fallback_year[bad & has_fb]]
            t.issues("warning", "batch_year", bad & has_fb, msg)
        y = np.where(emp | (bad & has_fb), fallback_year, y)
        t.issues("error", "batch_year", emp & np.isnan(fallback_year) & t.present["batch_year"],
                 f"改造年度为空（必填），也可在标题中写明年度或{_GIVE_YEAR}。")
        out["batch_year"] = y
    else:
        out["batch_year"] = fallback_year
    if "built_year" in raw:
        y, emp, bad = values.years(raw["built_year"], codes=t.codes["built_year"])
        t.issues("warning", "built_year", bad, "无法识别的建成年代（应为年份，如1995），已按空值处理。")
        out["built_year"] = y
    # counts
    for fld in _INT_FIELDS:
        if fld not in raw:
            continue
        fac = t.per_part(lambda p, f=fld: (p.cols[f][0].spec.factor or 1.0) if f in p.cols else 1.0, dtype="float64")
        v, emp, bad = values.numbers(raw[fld], "int", fac, codes=t.codes[fld])
        frac = ~np.isnan(v) & (np.abs(v - np.round(v)) > 1e-6)
        v = np.where(frac, np.nan, np.round(v))
        label = headers.field_label(fld)
        if headers.vocabulary()["fields"][fld].get("required"):
            t.issues("error", fld, bad, f"{label}应为整数（阿拉伯数字，如356），无法识别。")
            t.issues("error", fld, frac, f"{label}应为整数，不能有小数。")
            t.issues("error", fld, emp & t.present[fld], _empty_required(label, t.codes[fld]))
        else:
            t.issues("warning", fld, bad, f"{label}应为整数（阿拉伯数字，如12），无法识别，已按空值处理。")
            t.issues("warning", fld, frac, f"{label}应为整数，不能有小数，已按空值处理。")
        t.issues("error", fld, ~np.isnan(v) & (v < 0), f"{label}不能为负数。")
        out[fld] = v
    if "floor_area_m2" in raw:
        fac = t.per_part(lambda p: (p.cols["floor_area_m2"][0].spec.factor or 1.0) if "floor_area_m2" in p.cols
                         else 1.0, dtype="float64")
        v, emp, bad = values.numbers(raw["floor_area_m2"], "area", fac, codes=t.codes["floor_area_m2"])
        t.issues("warning", "floor_area_m2", bad, "建筑面积应为数字（平方米），无法识别，已按空值处理。")
        t.issues("error", "floor_area_m2", ~np.isnan(v) & (v < 0), "建筑面积不能为负数。")
        out["floor_area_m2"] = v
    # money (several columns of one fund are added up)
    for fld in _MONEY_FIELDS:
        if fld not in raw:
            continue
        fac = t.per_part(lambda p, f=fld: p.cols[f][0].spec.factor if f in p.cols and p.cols[f][0].spec.factor
                         is not None else 1.0, dtype="float64")
        unit = t.per_part(lambda p, f=fld: (p.cols[f][0].spec.unit or "万元") if f in p.cols else "万元")
        total = _money(t, fld, raw[fld], fac, unit, None, t.present[fld], codes=t.codes[fld])
        for k, p in enumerate(t.parts):
            for col, arr in p.extra.get(fld, []):
                sl = t.slice(k)
                hdr = np.full(len(arr), col.header, dtype=object)
                sub = np.zeros(n, dtype=bool)
                sub[sl] = True
                full = np.full(n, None, dtype=object)
                full[sl] = arr
                hfull = np.full(n, None, dtype=object)
                hfull[sl] = hdr
                v = _money(t, fld, full, col.spec.factor if col.spec.factor is not None else 1.0,
                           np.full(n, col.spec.unit or "万元", dtype=object), hfull, sub)
                total = np.where(sub & np.isnan(total), v, np.where(sub & ~np.isnan(v), total + v, total))
        out[fld] = total
    # dates
    for key in NODE_KEYS:
        for fld, which in ((plan_column(key), "plan"), (actual_column(key), "actual")):
            if fld not in raw:
                continue
            v, emp, bad, mon = values.dates(raw[fld], codes=t.codes[fld])
            if bad.any():      # 5月31日 / 6月底 without a year: the report date's year (or the batch year)
                idx = np.flatnonzero(bad)
                md, md_mon = values.month_day(raw[fld][idx])
                ok = ~np.isnat(md)
                if ok.any():
                    idx, md, md_mon = idx[ok], md[ok], md_mon[ok]
                    yr = np.full(len(idx), float(rd.year)) if rd else out["batch_year"][idx].astype("float64")
                    if which == "actual" and rd:   # a done node: the latest such day on or before the report date
                        later = md > np.datetime64(rd.replace(year=2000), "ns")
                        yr = np.where(later, yr - 1, yr)
                    has = ~np.isnan(yr)
                    idx, md, md_mon, yr = idx[has], md[has], md_mon[has], yr[has]
                    got = values.with_year(md, yr)
                    v[idx], bad[idx], mon[idx] = got, False, md_mon
                    msg = np.full(n, None, dtype=object)
                    msg[idx] = [f"日期没有写年份，已按{int(y)}年处理（{_fmt_date(g)}）；请写明年份，如2023年5月31日。"
                                for y, g in zip(yr, got)]
                    warn = np.zeros(n, dtype=bool)
                    warn[idx] = True
                    t.issues("warning", fld, warn, msg)
            if bad.any():
                msg = np.full(n, None, dtype=object)
                msg[bad] = [_date_problem(v) for v in raw[fld][bad]]
                t.issues("error", fld, bad, msg)
            if which == "plan" and mon.any():
                v = np.where(mon, values.month_end(v), v)
            out[fld] = v
            t.month_only[fld] = mon
            t.unreadable_date |= bad
            if which == "actual":
                t.unreadable_actual[fld] = bad
    # 是否开工 / 是否完成意愿征求 (是|否): 1 yes, 0 no, NaN empty or unreadable
    for key in NODE_KEYS:
        fld = f"flag_{key}"
        if fld not in raw:
            continue
        txt = values.text_array(raw[fld], codes=t.codes[fld])
        codes_, uniq = pd.factorize(txt)
        val_u = np.full(len(uniq) + 1, np.nan)
        for j, u in enumerate(uniq):
            val_u[j] = _yes_no(u)
        blank_u = np.array([headers.norm(u) in headers.placeholder_words() for u in uniq] + [True], dtype=bool)
        val = val_u[codes_]
        bad = np.isnan(val) & ~blank_u[codes_]
        t.issues("warning", fld, bad, f"应填“是”或“否”（是否{NODE_NAME[key]}），无法识别，已忽略。")
        out[fld] = val
    _coordinates_raw(t, opts)


def _empty_required(label: str, codes: np.ndarray) -> np.ndarray:
    """Per row: 为空, or, for a text cell read as empty (—, 无, x, 待定), that it holds no number."""
    return np.where(codes == 2, f"{label}没有填写数值（该内容按空值处理），必填，请填写数字。", f"{label}为空（必填）。").astype(object)


_DATE_FORMS = "应为如2023-05-31、2023/5/31、2023.5.31、2023年5月31日或Excel日期格式"
_YMD_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*[日号]?|月(?:份|底|末)?)?\s*$")


def _date_problem(cell) -> str:
    """Why a date cell cannot be read, as specific as the text allows (a month 13, 30 February, year 2202)."""
    m = _YMD_RE.match(unicodedata.normalize("NFKC", str(cell))) if isinstance(cell, str) else None
    if m:
        y, mo, d = (int(g) if g else None for g in m.groups())
        if not 1990 <= y <= 2100:
            swapped = [c for c in range(2010, 2031) if sorted(str(c)) == sorted(str(y))]      # 2202 for 2022
            guess = f"（是否应为{swapped[0]}年？）" if len(swapped) == 1 else ""
            return f"年份{y}不合理{guess}，{_DATE_FORMS}。"
        if not 1 <= mo <= 12:
            return f"月份{mo}不存在，{_DATE_FORMS}。"
        if d is not None and not 1 <= d <= pd.Timestamp(y, mo, 1).days_in_month:
            return f"{y}年{mo}月没有{d}日，请核对。"
    return f"无法识别的日期，{_DATE_FORMS}。"


def _money(t: _Table, fld: str, arr: np.ndarray, fac, unit: np.ndarray, header, present, codes=None) -> np.ndarray:
    label = headers.field_label(fld)
    v, emp, bad = values.numbers(arr, "money", fac, codes=codes)
    bad &= present
    emp &= present
    if bad.any():
        if fld == "planned_investment_wan":
            msg = np.array([f"{label}应为数字（单位：{u}），无法识别。" for u in unit], dtype=object)
        elif fld == "completed_investment_wan":
            msg = np.array([f"{label}应为数字（单位：{u}；未完成填0或留空），无法识别。" for u in unit], dtype=object)
        else:
            msg = np.array([f"{label}应为数字（单位：{u}），无法识别，已按空值处理。" for u in unit], dtype=object)
        t.issues("error" if fld in ("planned_investment_wan", "completed_investment_wan") else "warning",
                 fld, bad, msg, raw=arr, header=header)
    if fld == "planned_investment_wan":
        t.issues("error", fld, emp, _empty_required(label, values.type_codes(arr) if codes is None else codes),
                 raw=arr, header=header)
    elif fld == "completed_investment_wan":
        v = np.where(emp, 0.0, v)
    t.issues("error", fld, ~np.isnan(v) & (v < 0), f"{label}不能为负数。", raw=arr, header=header)
    return v


def _coordinates_raw(t: _Table, opts: dict) -> None:
    raw, out, n = t.raw, t.out, t.n
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if "lon" in raw and "lat" in raw:
        lon, _, bad1 = values.numbers(raw["lon"], codes=t.codes["lon"])
        lat, _, bad2 = values.numbers(raw["lat"], codes=t.codes["lat"])
        for v, bad, fld in ((lon, bad1, "lon"), (lat, bad2, "lat")):   # 120°22′30″, E120.38, 东经120.38
            if bad.any():
                idx = np.flatnonzero(bad)
                got = values.degrees(raw[fld][idx])
                ok = ~np.isnan(got)
                v[idx[ok]] = got[ok]
                bad[idx[ok]] = False
        t.issues("warning", "lon", bad1, "经度应为数字（如120.38），无法识别，已忽略该点。")
        t.issues("warning", "lat", bad2, "纬度应为数字（如36.07），无法识别，已忽略该点。")
    if "lonlat" in raw:
        txt = values.text(raw["lonlat"]).fillna("")
        parts = txt.str.normalize("NFKC").str.extract(
            r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,，;；\s/]\s*([+-]?\d+(?:\.\d+)?)\s*$")
        x = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64")
        y = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype="float64")
        use = t.present["lonlat"]
        lon = np.where(use, x, lon)
        lat = np.where(use, y, lat)
        bad = (txt != "").to_numpy() & np.isnan(x) & use
        t.issues("warning", "lonlat", bad, "经纬度应写成“经度,纬度”（如120.38,36.07），无法识别，已忽略该点。")
    out["lon"], out["lat"] = lon, lat
    # coordinate system per row: header hint, then 坐标系 column, then option, then settings default
    fallback = opts.get("crs") or config.default_crs()

    def hint(p):
        for fld in ("lon", "lat", "lonlat"):
            if fld in p.cols and p.cols[fld][0].spec.crs:
                return p.cols[fld][0].spec.crs
        return None

    hints = t.per_part(hint)
    crs = np.where(pd.isna(hints), fallback, hints).astype(object)
    if "crs" in raw:
        txt = values.text(raw["crs"])
        uniq = {u: headers.crs_from_text(u) for u in pd.unique(txt.dropna())}
        mapped = txt.map(uniq).to_numpy(dtype=object)
        use = pd.isna(hints) & t.present["crs"]
        unknown = txt.notna().to_numpy() & pd.isna(mapped) & use
        t.issues("warning", "crs", unknown,
                 f"无法识别的坐标系（应为高德/GCJ-02、百度/BD-09或WGS-84），按{_CRS_LABEL.get(fallback, fallback)}处理。")
        crs = np.where(use & ~pd.isna(mapped), mapped, crs)
    t.out["_crs"] = crs
    t.coord_header = np.where(t.present.get("lon", np.zeros(n, bool)), t.header.get("lon", np.full(n, None)),
                              t.header.get("lonlat", np.full(n, None))) if ("lon" in raw or "lonlat" in raw) else None


def _report_date(parts: list[_Part], opt: date | None, rep: _Report) -> date | None:
    dated = [(p.sheet, p.title_date, p.title_date_text, p.title_row) for p in parts if p.title_date]
    distinct = sorted({d for _, d, _, _ in dated})
    if len(distinct) > 1:
        listing = "；".join(f"「{s}」{_fmt_date(d)}" for s, d, _, _ in dated)
        for s, d, txt, row in dated:
            rep.error(s, row, None, txt, f"同一文件中各工作表的截至日期不一致（{listing}），请统一为同一截至日期。")
    if opt is not None:
        for s, d, txt, row in dated:
            if d != opt:
                rep.error(s, row, None, txt,
                          f"标题中的截至日期{_fmt_date(d)}与指定的截至日期{_fmt_date(opt)}不一致。")
        return opt
    return distinct[0] if len(distinct) == 1 else (distinct[-1] if distinct else None)


_PERCENT_RE = re.compile(r"(\d{1,3}(?:\.\d+)?)%")


def _percent_done(key: str) -> tuple[int, int] | None:
    """进度 80% / 完成工程量的60%: some works done means started; 100% means completed; 0% not started."""
    m = _PERCENT_RE.search(key)
    if m is not None:
        pct = float(m.group(1))
    elif re.fullmatch(r"0(?:\.\d+)?|1(?:\.0+)?", key):      # a cell formatted as a percentage: 0.8
        pct = float(key) * 100
    else:
        return None
    started, completed = NODE_KEYS.index("start") + 1, NODE_KEYS.index("completion") + 1
    if pct <= 0:
        return 0, started - 1
    return (completed, len(NODE_KEYS)) if pct >= 100 else (started, started)


_DONE_NODE_RE = re.compile(r"(?:已经|已)?完成(?=摸底|摸排|意愿|征求|方案|设计|立项|招标|招投标|定标|开工|进场|完工|竣工|验收)")
# a progress sentence is read clause by clause; a clause that says what is planned or awaited starts a new one
_CLAUSE_RE = re.compile(r"[,;。、()\[\]\s]+|(?=待|计划|拟|预计|将于|下一步|即将)")
_FUTURE_RE = re.compile(r"计划|拟|预计|将|准备|待|尚未|未|下一步|即将|需")
_ONGOING_RE = re.compile(r"正在|进行|办理|中")
_DONE_RE = re.compile(r"已|完成|完毕|结束|通过|批复|取得")
_EXTRA_NODE_WORDS = (("施工", "start"), ("方案", "design"), ("交付", "acceptance"))


@lru_cache(maxsize=1)
def _progress_vocabulary():
    """(node words longest first as (word, node 1-based), status words that name a node and a state,
    status words without a node, bare node words' ranges)."""
    nodes = sorted([(w, NODE_KEYS.index(k) + 1) for w, k in headers._tables()[3]]
                   + [(w, NODE_KEYS.index(k) + 1) for w, k in _EXTRA_NODE_WORDS], key=lambda x: -len(x[0]))
    node_words = {w for w, _ in nodes}
    specific, generic, bare = [], [], {}
    for w, lo, hi in headers.status_words():
        if w in node_words:
            bare[w] = (lo, hi)
        elif any(nw in w for nw in node_words):
            specific.append((w, lo, hi))
        else:
            generic.append((w, lo, hi))
    return nodes, specific, generic, bare


def _clause_range(clause: str) -> tuple[int, int] | None:
    nodes, specific, generic, bare = _progress_vocabulary()
    found, work = [], clause
    for w, k in nodes:                    # longest first; a word inside a longer one (施工 in 施工图设计) is not another
        if w in work:
            found.append((k, w))
            work = work.replace(w, "\x01")
    if not found:
        return next(((lo, hi) for w, lo, hi in generic if w in clause), None)     # 已完成, 前期, 在建 …
    k, word = max(found, key=lambda kw: (kw[0], len(kw[1])))      # the most advanced node the clause names
    hit = next(((lo, hi) for w, lo, hi in specific if word in w and w in clause), None)  # 施工中, 开工准备 …
    if hit:
        return hit
    rest = clause.replace(word, "")
    if _FUTURE_RE.search(rest):                      # 计划6月开工, 待进场, 设计未完成: not reached yet
        return 0, k - 1
    if _ONGOING_RE.search(rest):                     # 正在办理立项: the node before; 正在施工: started
        return (k, k) if k == NODE_KEYS.index("start") + 1 else (k - 1, k - 1)
    if _DONE_RE.search(rest):                        # 方案已完成, 招标完成
        return k, k
    return bare.get(word, (k, k))                    # a bare node word: as the status table says


def _progress_range(key: str) -> tuple[int, int] | None:
    """The node range a progress cell states (lo: the node reached; hi: the latest consistent with it)."""
    percent = _percent_done(key)
    if percent:
        return percent
    _, specific, generic, bare = _progress_vocabulary()
    exact = next(((lo, hi) for w, lo, hi in (*specific, *generic) if w == key), None) or bare.get(key)
    if exact:
        return exact
    key = _DONE_NODE_RE.sub("已", key)             # 已完成立项 = 已立项, not 已完成 (= completed)
    ranges = [r for c in _CLAUSE_RE.split(key) if c and (r := _clause_range(c)) is not None]
    if not ranges:
        return None
    return max(lo for lo, _ in ranges), max(max(hi for _, hi in ranges), max(lo for lo, _ in ranges))


def _finish(t: _Table, rd: date | None) -> pd.DataFrame:
    out, n = t.out, t.n
    rd64 = np.datetime64(pd.Timestamp(rd), "ns") if rd else None
    rd_text = _fmt_date(rd) if rd else ""
    # month-only actual dates: the month's last day, but not later than the report date
    for fld, mon in t.month_only.items():
        if fld.startswith("actual_") and mon.any():
            v = out[fld]
            me = values.month_end(v)
            if rd64 is not None:
                me = np.where(mon & (me > rd64) & (v <= rd64), rd64, me)
            out[fld] = np.where(mon, me, v)
    # node reached: the latest node with an actual date on or before the report date
    nr = np.zeros(n, dtype="int64")
    has_actual = np.zeros(n, dtype=bool)
    future = np.zeros(n, dtype=bool)        # rows with an actual date after the report date (already an error)
    today = date.today()
    today64, today_text = np.datetime64(pd.Timestamp(today), "ns"), _fmt_date(today)
    for k, key in enumerate(NODE_KEYS, start=1):
        fld = actual_column(key)
        if fld not in out:
            continue
        has_actual |= t.present[fld]
        v = out[fld]
        ok = ~np.isnat(v)
        # no report date: today is the latest an actual date can be (a typed 2032 is not a node reached)
        limit, limit_text, limit_word = ((rd64, f"截至日期{rd_text}", "截至日期") if rd64 is not None
                                         else (today64, f"今天（{today_text}）", "今天"))
        after = ok & (v > limit)
        if after.any():
            msg = np.full(n, None, dtype=object)
            msg[after] = [f"实际{NODE_NAME[key]}时间{d}晚于{limit_text}，实际时间不能晚于{limit_word}，请核对。"
                          for d in _dates_str(v[after])]
            t.issues("error", fld, after, msg)
        ok &= ~after
        future |= after
        nr = np.where(ok, k, nr)
    # status words: consistent ranges; sheets without any actual-date column take the node from the words
    if "status_text" in out:
        st = out["status_text"]
        codes, uniq = pd.factorize(st)
        lo_u = np.full(len(uniq), np.nan)
        hi_u = np.full(len(uniq), np.nan)
        placeholders = set(headers.placeholder_words())
        unknown_u = np.zeros(len(uniq) + 1, dtype=bool)
        for j, u in enumerate(uniq):
            key = headers.norm(u)
            hit = _progress_range(key)
            if hit:
                lo_u[j], hi_u[j] = hit
            else:
                unknown_u[j] = key not in placeholders
        lo_u = np.append(lo_u, np.nan)      # code -1 (empty) -> NaN
        hi_u = np.append(hi_u, np.nan)
        lo, hi = lo_u[codes], hi_u[codes]
        nr = np.where(~has_actual & ~np.isnan(lo), np.nan_to_num(lo), nr).astype("int64")
        # only where the words decide the node (no actual dates in the sheet) does an unread word matter
        t.issues("warning", "status_text", unknown_u[codes] & ~has_actual,
                 "无法识别的进度（可填：未开工、招投标、施工中、已完工、已验收等，或填写各节点的实际完成时间），"
                 "已按未启动处理。")
        incons = has_actual & ~np.isnan(lo) & ((nr < lo) | (nr > hi)) & ~future & ~t.unreadable_date
        if incons.any():
            names = np.array([node_status(k) for k in range(len(NODE_NAMES) + 1)], dtype=object)
            msg = np.array([f"进度填写为「{s_}」，但按实际完成时间，当前节点为「{names[k]}」；已以实际时间为准，请核对进度或补填实际时间。"
                            if m else None for s_, k, m in zip(st, nr, incons)], dtype=object)
            t.issues("warning", "status_text", incons, msg, value=st)
    # 是否开工 columns: with no actual date of that node in the sheet, 是 means the node is reached
    for k, key in enumerate(NODE_KEYS, start=1):
        fld = f"flag_{key}"
        if fld not in out:
            continue
        flag = out[fld]
        dated = t.present.get(actual_column(key), np.zeros(n, dtype=bool))
        nr = np.where(~dated & (flag == 1) & (nr < k), k, nr)
        name = NODE_NAME[key]
        t.issues("warning", fld, dated & (flag == 1) & np.isnat(out[actual_column(key)]) if actual_column(key) in out
                 else np.zeros(n, dtype=bool),
                 f"填写为已{name}，但没有填写实际{name}时间；已以实际时间为准，请补填实际{name}时间。")
        t.issues("warning", fld, dated & (flag == 0) & ~np.isnat(out[actual_column(key)]) & ~future
                 if actual_column(key) in out else np.zeros(n, dtype=bool),
                 f"填写为未{name}，但已填写实际{name}时间；已以实际时间为准，请核对。")
    out["node_reached"] = nr
    out["status"] = np.array([node_status(k) for k in range(len(NODE_NAMES) + 1)], dtype=object)[nr]
    _implausible_actual_dates(t)
    # overdue planned nodes (not reached, planned date passed)
    if rd64 is not None:
        for k, key in enumerate(NODE_KEYS, start=1):
            pf, af = plan_column(key), actual_column(key)
            if pf not in out:
                continue
            p = out[pf]
            a = out.get(af)
            no_actual = np.isnat(a) if a is not None else np.ones(n, dtype=bool)
            overdue = (~np.isnat(p) & (p < rd64) & no_actual & (nr < k)
                       & ~t.unreadable_actual.get(af, np.zeros(n, dtype=bool)))      # filled, but mistyped
            if overdue.any():
                # named by the planned column and its cell as written (2023年5月), the date as read in the text
                name = NODE_NAME[key]
                msg = np.full(n, None, dtype=object)
                msg[overdue] = [f"计划{name}时间{d}已过（截至{rd_text}），尚未填报实际{name}时间。"
                                for d in _dates_str(p[overdue])]
                t.issues("warning", pf, overdue, msg)
    # investment
    if "planned_investment_wan" in out and "completed_investment_wan" in out:
        pl, co = out["planned_investment_wan"], out["completed_investment_wan"]
        over = ~np.isnan(pl) & ~np.isnan(co) & (pl >= 0) & (co > pl + 1e-9)     # a negative plan is an error already
        if over.any():
            msg = np.full(n, None, dtype=object)
            msg[over] = [f"累计完成投资（{_fmt_num(c)}万元）大于计划投资（{_fmt_num(p_)}万元），请核对。"
                         for c, p_ in zip(co[over], pl[over])]
            t.issues("warning", "completed_investment_wan", over, msg)
        _no_progress_but_money(t, co)
    _implausible_units(t)
    _coordinates_final(t)
    return _frame(t)


# A renovation costs a few 万元 and a flat some 30-200 m² per household: a sheet's median far outside means the
# column's unit is wrong (元 read as 万元 or the reverse); one row far above it (or a community above 100 亿元) a typo.
_PLAUSIBLE_PER_HOUSEHOLD = {"planned_investment_wan": (0.05, 100.0), "completed_investment_wan": (0.0, 100.0),
                            "floor_area_m2": (5.0, 1000.0)}
_PER_HOUSEHOLD_UNIT = {"planned_investment_wan": "万元", "completed_investment_wan": "万元", "floor_area_m2": "平方米"}
_MAX_ROW_WAN_PER_HOUSEHOLD = 1000.0
_MAX_ROW_WAN = 1_000_000.0


def _implausible_units(t: _Table) -> None:
    if "households" not in t.out:
        return
    households = t.out["households"]
    for fld, (low, high) in _PLAUSIBLE_PER_HOUSEHOLD.items():
        if fld not in t.out:
            continue
        amounts, label, unit = t.out[fld], headers.field_label(fld), _PER_HOUSEHOLD_UNIT[fld]
        for k, p in enumerate(t.parts):
            sl = t.slice(k)
            ok = (amounts[sl] > 0) & (households[sl] > 0)
            if not ok.any() or fld not in p.cols:
                continue
            per = float(np.median(amounts[sl][ok] / households[sl][ok]))
            if per > high or per < low:
                size = "偏大" if per > high else "偏小"
                shown = _fmt_num(per) if per >= 1 else f"{per:.2g}"
                t.rep.warn(p.sheet, p.header_row, p.header(fld), f"每户约{shown}{unit}",
                           f"按此列读出的{label}平均每户约{shown}{unit}，明显{size}，疑为单位写错：请核对表头的单位"
                           f"（表头未写单位时{'按万元计算' if unit == '万元' else '按平方米计算'}）与所填数值是否一致。")
            elif fld == "planned_investment_wan":
                _wild_rows(t, sl, amounts, households)


def _wild_rows(t: _Table, sl: slice, planned: np.ndarray, households: np.ndarray) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        row_per = np.where(households[sl] > 0, planned[sl] / households[sl], np.nan)
    wild = np.zeros(t.n, dtype=bool)
    wild[sl] = (row_per > _MAX_ROW_WAN_PER_HOUSEHOLD) | (planned[sl] > _MAX_ROW_WAN)
    if wild.any():
        msg = np.full(t.n, None, dtype=object)
        msg[wild] = [f"计划投资{_fmt_num(v)}万元（{f'每户约{_fmt_num(v / h)}万元' if h > 0 else '单个小区超过100亿元'}），"
                     "明显偏大，请核对金额和单位。" for v, h in zip(planned[wild], households[wild])]
        t.issues("warning", "planned_investment_wan", wild, msg)


def _implausible_actual_dates(t: _Table) -> None:
    """Works finished before they started, or started years before the community's batch: a typo, named."""
    out, n = t.out, t.n
    for before, after in (("start", "completion"), ("completion", "acceptance")):
        fa, fb = actual_column(before), actual_column(after)
        if fa in out and fb in out:
            wrong = ~np.isnat(out[fa]) & ~np.isnat(out[fb]) & (out[fb] < out[fa])
            if wrong.any():
                msg = np.full(n, None, dtype=object)
                msg[wrong] = [f"实际{NODE_NAME[after]}时间（{b}）早于实际{NODE_NAME[before]}时间（{a}），其中一个可能填错，请核对。"
                              for a, b in zip(_dates_str(out[fa][wrong]), _dates_str(out[fb][wrong]))]
                t.issues("warning", fb, wrong, msg)
    start = out.get(actual_column("start"))
    if start is not None and "batch_year" in out:
        years = start.astype("datetime64[Y]").astype("float64") + 1970
        early = ~np.isnat(start) & ~np.isnan(out["batch_year"]) & (years < out["batch_year"] - 1)
        if early.any():
            msg = np.full(n, None, dtype=object)
            msg[early] = [f"实际开工时间{d}比改造年度{int(y)}年早一年以上，请核对年份。"
                          for d, y in zip(_dates_str(start[early]), out["batch_year"][early])]
            t.issues("warning", actual_column("start"), early, msg)


def _no_progress_but_money(t: _Table, completed: np.ndarray) -> None:
    """A sheet with money spent but no column saying how far the works are: every community counts as not
    started, which the clerk should know."""
    progress = {*ACTUAL_COLUMNS, "status_text", *(f"flag_{k}" for k in NODE_KEYS)}
    said = set()                              # tables side by side share the sheet and the header row: once
    for k, p in enumerate(t.parts):
        if not progress & set(p.cols) and np.nansum(completed[t.slice(k)]) > 0 and (p.sheet, p.header_row) not in said:
            said.add((p.sheet, p.header_row))
            t.rep.warn(p.sheet, p.header_row, None, None,
                       "该表已有累计完成投资，但没有进度信息（各节点实际完成时间、进度或是否开工等列），"
                       "各小区均按未启动统计。请补充实际开工时间等列后重新报送。")


def _frame(t: _Table) -> pd.DataFrame:
    """The canonical frame, built once with every column typed."""
    n, out = t.n, t.out
    data = {}
    for col, dtype in COLUMNS.items():
        if col == "source_sheet":
            v = t.sheet
        elif col == "source_row":
            v = t.row
        else:
            v = out.get(col)
        if dtype == "string":
            arr = np.full(n, None, dtype=object) if v is None else v
            data[col] = pd.array(arr, dtype="string")
        elif dtype == "Int64":
            arr = np.full(n, np.nan) if v is None else np.asarray(v, dtype="float64")
            miss = np.isnan(arr)       # whole numbers already (counts are rounded, years are years)
            data[col] = pd.arrays.IntegerArray(np.where(miss, 0, arr).astype("int64"), miss)
        elif dtype == "float64":
            data[col] = np.full(n, np.nan) if v is None else np.asarray(v, dtype="float64")
        elif dtype.startswith("datetime64"):
            data[col] = np.full(n, _NAT_NS) if v is None else np.asarray(v, dtype="datetime64[ns]")
        else:
            data[col] = np.zeros(n, dtype=dtype) if v is None else np.asarray(v, dtype=dtype)
    return pd.DataFrame(data)


_NAT_NS = np.datetime64("NaT", "ns")


class _LazyPoints:
    """'lon, lat' as written, formatted only for the rows that get a message."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        self.lon, self.lat = lon.copy(), lat.copy()

    def __getitem__(self, i) -> str:
        return f"{_fmt_degrees(self.lon[i])}, {_fmt_degrees(self.lat[i])}"


def _coordinates_final(t: _Table) -> None:
    out = t.out
    lon, lat = out.get("lon"), out.get("lat")
    if lon is None or "_crs" not in out:
        return
    has = ~np.isnan(lon) & ~np.isnan(lat)
    if not has.any():
        return
    try:
        from loaders import coords, geodata
    except Exception as exc:  # noqa: BLE001 - unconverted points must never be stored as WGS-84
        from loaders import incidents
        incident = incidents.record(exc, "geodata import")
        raise UnreadableLedger("本安装的坐标换算组件（geodata）无法加载，台账中的坐标无法换算和核对，未读取该文件"
                               f"{incidents.reference(incident)}。请联系系统管理员检查安装。") from exc
    lon, lat = lon.copy(), lat.copy()
    hdr = t.coord_header
    shown = _LazyPoints(lon, lat)
    swapped = has & np.asarray(geodata.looks_swapped(lon, lat), dtype=bool)
    bb = config.city_bbox()
    t.issues("warning", "lon", swapped,
             f"经度和纬度似乎填反了（{config.city_name()}的经度约为{(bb['min_lon'] + bb['max_lon']) / 2:.0f}，"
             f"纬度约为{(bb['min_lat'] + bb['max_lat']) / 2:.0f}），已按互换后处理，请核对。", header=hdr, value=shown)
    lon[swapped], lat[swapped] = lat[swapped], lon[swapped]
    x = np.full(len(lon), np.nan)
    y = np.full(len(lon), np.nan)
    crs = out["_crs"]
    for c in pd.unique(crs):
        m = has & (crs == c)
        if m.any():
            x[m], y[m] = coords.to_wgs84(lon[m], lat[m], c)
    inside = np.asarray(geodata.inside_city_bbox(x, y), dtype=bool)
    t.issues("warning", "lon", has & ~inside, f"坐标不在{config.city_name()}范围内，请核对经纬度。", header=hdr, value=shown)
    try:
        outside = np.asarray(geodata.points_outside_district(x, y, out["district"]), dtype=bool) & has & inside
    except Exception as exc:  # noqa: BLE001 - a deployment's boundary file is broken: say so, keep the rest
        reason = str(exc) if re.search(r"[\u4e00-\u9fff]", str(exc)) else "行政区边界文件无法读取"
        t.rep.warn(t.parts[0].sheet, None, None, None,
                   f"未核对坐标是否在所属区市范围内：{reason}。请系统管理员检查配置 [geodata]（config/settings.toml）。")
        outside = np.zeros(len(x), dtype=bool)
    if outside.any():
        msg = np.full(t.n, None, dtype=object)
        msg[outside] = [f"坐标不在{d}范围内，请核对经纬度或所属区市。" for d in out["district"][outside]]
        t.issues("warning", "lon", outside, msg, header=hdr, value=shown)
    out["lon"], out["lat"] = x, y


def _district_guess(written: str, stated: str | None) -> str:
    """（是否为「崂山区」？） for 劳山区: the official name sharing most characters with what was written (the
    sheet's own district breaks a tie), or nothing when no single name stands out."""
    def stem(name: str) -> str:
        return name[:-1] if name[-1:] in "区市县" else name
    if stem(headers.norm(written)) == stem(config.city_name()):      # 青岛市 is the city, not a mistyped district
        return ""
    written_stem = set(stem(headers.norm(written)))
    scores = {name: len(written_stem & set(stem(name))) for name in dist.official_names()}
    best = max(scores.values(), default=0)
    top = [name for name, score in scores.items() if score == best and best > 0]
    guess = top[0] if len(top) == 1 else (stated if stated in top else None)
    return f"（是否为「{guess}」？）" if guess else ""


def _duplicates(frame: pd.DataFrame, rep: _Report, header_of: dict) -> None:
    ids = frame["community_id"]
    dup = ids.notna() & ids.duplicated(keep=False)
    if not dup.any():
        return
    sub = frame.loc[dup, ["community_id", "source_sheet", "source_row"]]
    for cid, grp in sub.groupby("community_id", sort=False):
        first = grp.iloc[0]
        for _, row in grp.iloc[1:].iterrows():
            rep.error(row["source_sheet"], row["source_row"], header_of.get(row["source_sheet"], "小区编号"), cid,
                      f"小区编号重复：与{place(first['source_sheet'])}第{int(first['source_row'])}行相同，每个小区只能填报一行。")
            if row["source_sheet"] != first["source_sheet"]:     # the other sheet's clerk must see it too
                rep.error(first["source_sheet"], first["source_row"],
                          header_of.get(first["source_sheet"], "小区编号"), cid,
                          f"小区编号重复：与{place(row['source_sheet'])}第{int(row['source_row'])}行相同，每个小区只能填报一行。")


def _as_date(d) -> date | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return pd.Timestamp(d).date()


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
    if crs is not None:
        from loaders.coords import normalize_crs
        try:
            crs = normalize_crs(crs)
        except ValueError as exc:
            raise UnreadableLedger(str(exc)) from exc
    prep = safety.prepare(source, source_name)
    _prefetch_geodata()
    rep = _Report()
    opts = {"batch_year": int(batch_year) if batch_year else None, "crs": crs, "source_name": prep.name}
    parts: list[_Part] = []
    candidates: list = []
    sheets: list[dict] = []
    hidden_cols: dict[str, set] = {}
    error_cells: dict[str, list] = {}
    scan: dict = {}

    def notes_(notes: list) -> None:
        for kind, sheet, detail in notes:
            if kind == "too_big":
                rows, cols, far_row, far_col = detail
                rep.error(sheet, None, None, None,
                          safety.oversized_sheet_message(rows, cols, safety.cell_ref(far_row, far_col)))
            elif kind == "formula_no_value":
                count = f"至少{-detail:,}" if detail < 0 else f"{detail:,}"
                rep.warn(sheet, None, None, None, f"该工作表有{count}个公式单元格没有保存计算结果（文件可能由程序生成、未在Excel中保存过），"
                                                  "这些单元格按空值读取。请在Excel中打开、保存后重新报送。")
            elif kind == "hidden_columns":
                hidden_cols[sheet] = set(detail)
            elif kind == "error_cells":       # #DIV/0!, #N/A …: calamine returns them empty; shown as written
                error_cells[sheet] = detail
            elif kind == "sheet_error":
                rep.error(sheet, None, None, None, "该工作表无法读取（内容已损坏）。")

    def one_sheet(sh: dict, side=None) -> None:
        if side is not None and "side" not in scan:      # the parent's XML scan: known before the first sheet
            scan["side"] = side
            notes_(side)
        sheets.append(sh)
        if sh["name"] in hidden_cols:
            sh["hidden_cols"] = hidden_cols[sh["name"]]
        if sh["name"] in error_cells or sh.get("error_cells"):     # xlsx: the parent's scan; xls: the parser's
            _put_error_cells(sh, error_cells.get(sh["name"]) or sh["error_cells"])
        if sh.get("hidden"):
            rep.warn(sh["name"], None, None, None, "隐藏的工作表，未读取。如需报送其中的数据，请取消隐藏。")
            return
        if _INSTRUCTION_SHEET_RE.search(sh["name"]) and not dist.find_in_text(sh["name"]):
            rep.warn(sh["name"], None, None, None, "填报说明或示例工作表，未读取（其中的示例不计入台账）。")
            return
        parts.extend(_read_sheet(sh, rep, opts, candidates))

    if prep.kind == "csv":
        csv_sheet = _csv_sheet(prep)
    for msg in prep.warnings:
        rep.warn(prep.name, None, None, None, msg)
    for sheet, msg in prep.sheet_errors:
        rep.error(sheet, None, None, None, msg)
    if prep.kind == "csv":
        one_sheet(csv_sheet)
    else:
        # each sheet is converted as it arrives, while the parser process works on the next one
        _, notes = safety.parse_workbook(prep, on_sheet=one_sheet)
        done = scan.get("side") or []
        notes_([nt for nt in notes if not any(nt is d or nt == d for d in done)])
    if not parts and prep.kind == "csv" and Path(prep.name).suffix.lower() in (".xls", ".xlsx", ".xlsm", ".et"):
        # text named like a workbook: systems export TSV as .xls (read above); anything else is not a spreadsheet
        raise UnreadableLedger(f"该文件扩展名为{Path(prep.name).suffix}，但内容是纯文本，且不是台账表格，无法读取。"
                               "请报送Excel（.xlsx/.xls）或CSV格式的台账原件。")
    if not parts and not rep.errors:
        req = [f for f in headers.required_fields() if not (f == "batch_year" and opts["batch_year"])]
        got = max(candidates, key=lambda c: len(c[1]))[1] if candidates else []
        miss = "、".join(headers.field_label(f) for f in req if f not in got)
        rep.error(prep.name, None, None, None,
                  f"文件中没有可识别的项目台账工作表：未找到必填列「{miss}」。请检查表头是否为“小区编号、小区名称、所属区市、"
                  "改造年度、户数、总投资、累计完成投资”等。")
    if report_date is None and parts and not any(p.title_date for p in parts):
        # no 截至 line in any sheet: the file name often carries it (台账（截至2022年5月31日）.xlsx)
        stem = Path(prep.name).stem
        finfo = _title_info(stem)
        if finfo["report_date"] is None:
            # a weekly file named by its date without 截至: 市北区台账2022.5.31.xlsx, 台账（20220531）.xlsx
            finfo["report_date"] = _full_date_in(stem)
        if finfo["report_date"]:
            for p in parts:
                p.title_date, p.title_date_text = finfo["report_date"], None
    parts = _drop_summary_copies(_drop_older_copies(parts, _as_date(report_date), rep), rep)
    rd = _report_date(parts, _as_date(report_date), rep)
    if rd is None and parts:
        rep.warn(parts[0].sheet, None, None, None,
                 f"未找到截至日期：请在标题中写明“截至2023年6月30日”，或{_GIVE_DATE}；"
                 "未核对实际时间是否晚于截至日期。")
    parts = [p for p in parts if len(p.rows)]
    if parts:
        table = _Table(parts, rep)
        _convert(table, {**opts, "report_date": rd})
        frame = _finish(table, rd)
        _duplicates(frame, rep, {p.sheet: p.header("community_id") for p in parts})
    else:
        frame = empty_ledger()
    order = {sh["name"]: i for i, sh in enumerate(sheets)}
    rep.errors.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
    rep.warnings.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
    return LedgerResult(frame=frame, report_date=rd, source_name=prep.name, errors=rep.errors, warnings=rep.warnings)
