"""Vectorised cell parsers: text, numbers (units, 万, full-width digits), years and dates.

Every parser takes a pandas Series of raw cells (object dtype: None, str, float, int, bool, datetime...) and
returns numpy arrays plus masks, so the reader never loops over cells in Python except over the few
unusual strings that the vectorised paths could not read.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

from loaders.headers import placeholder_words


class _Codes(dict):
    def __missing__(self, key):
        if key is bool:
            return 4
        if issubclass(key, (float, int, np.floating, np.integer)):
            return 1
        if issubclass(key, str):
            return 2
        if issubclass(key, (dt.date, np.datetime64)):
            return 3
        return 4


_CODE = _Codes({float: 1, int: 1, str: 2, dt.datetime: 3, dt.date: 3, pd.Timestamp: 3, type(None): 0,
                np.float64: 1, np.int64: 1, bool: 4})
_ORDINAL_EPOCH = dt.date(1970, 1, 1).toordinal()


def _arr(s) -> np.ndarray:
    return s.to_numpy(dtype=object) if isinstance(s, pd.Series) else np.asarray(s, dtype=object)


def type_codes(s) -> np.ndarray:
    """0 empty (None, NaN, ''), 1 number, 2 non-empty string, 3 date/datetime, 4 other (bool, time...)."""
    a = _arr(s)
    codes = np.fromiter(map(_CODE.__getitem__, map(type, a)), dtype=np.int8, count=len(a))
    st = np.flatnonzero(codes == 2)
    if len(st):
        codes[st[a[st] == ""]] = 0
    num = np.flatnonzero(codes == 1)
    if len(num):
        f = a[num].astype("float64")
        codes[num[np.isnan(f)]] = 0
    return codes



def display(v) -> str:
    """A raw cell as the user sees it, for messages."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e21 else f"{f:.10g}"     # 18-digit ids as Excel shows them
    if isinstance(v, dt.date):           # datetime and pd.Timestamp too
        day = f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
        return day if not isinstance(v, dt.datetime) or (v.hour, v.minute, v.second) == (0, 0, 0) \
            else f"{day} {v.hour:02d}:{v.minute:02d}"
    return str(v).strip()



_QUOTES = " \t\r\n\u3000\xa0\u200b\u200c\u200d\u2060\ufeff'‘’`"


# every character str.strip() removes, plus zero-width characters and the quotes above: one strip per cell
_STRIP = "".join(sorted({chr(c) for c in range(0x3001) if chr(c).isspace()} | set(_QUOTES)))


def _strip(strings) -> list:
    """Trimmed; a leading apostrophe (typed to keep a number as text: '001) is not part of the value."""
    return [x.strip(_STRIP) for x in strings]


def text_array(s, codes=None) -> np.ndarray:
    """Cells as trimmed strings (numbers without a spurious .0), empty -> None; an object array."""
    a = _arr(s)
    codes = type_codes(a) if codes is None else codes
    st = codes == 2
    if st.all():
        out = np.empty(len(a), dtype=object)
        out[:] = _strip(a)
    else:
        out = np.full(len(a), None, dtype=object)
        idx = np.flatnonzero(st)
        if len(idx):
            out[idx] = _strip(a[idx])
        other = np.flatnonzero(codes > 0)
        other = other[~st[other]]
        if len(other):
            out[other] = [display(v) for v in a[other]]
    blank = np.flatnonzero(out == "")
    if len(blank):
        out[blank] = None
    return out


def text(s, codes=None) -> pd.Series:
    """Cells as trimmed strings (numbers without a spurious .0), empty -> <NA>; returns dtype string."""
    return pd.Series(text_array(s, codes), dtype="string", index=s.index if isinstance(s, pd.Series) else None)



def _factorized(strings: np.ndarray):
    """(codes, uniques as a Series) of an object array of strings: work once per distinct value."""
    codes, uniques = pd.factorize(strings)
    return codes, pd.Series(uniques, dtype=object)


_NUM_RE = re.compile(r"^(?:约|大约|近|将近|共|计)?([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(?:余|多)?(万|亿|千)?(?:余|多)?"
                     r"(元|万元|亿元|户|个|栋|幢|座|部|台|平方米|平米|m2|㎡|万平方米|人|处)?(?:左右)?$")
# 约300户, 近300户, 300余户, 300多户, 300户左右: a number read as written, but only roughly the number
_ROUGH_RE = re.compile(r"^(?:约|大约|近|将近)|\d(?:余|多)|(?:余|多)(?:万|亿|千)|左右$")


def rough(s, codes=None) -> np.ndarray:
    """True where a text cell gives its number only roughly (约300户, 300余户, 300户左右)."""
    a = _arr(s)
    codes = type_codes(a) if codes is None else codes
    out = np.zeros(len(a), dtype=bool)
    st = np.flatnonzero(codes == 2)
    if len(st):
        fcodes, uniq = _factorized(a[st])
        hit = np.array([_ROUGH_RE.search(unicodedata.normalize("NFKC", u).strip()) is not None for u in uniq],
                       dtype=bool)
        out[st] = hit[fcodes]
    return out


_BRACKETED_RE = re.compile(r"\(([^()]*)\)")


def _unbracket(text: str) -> str:
    """'356(户)' -> '356户', '123.4(万元)' -> '123.4万元', '356户(其中空置12户)' / '123.4万元(含税)' -> without the
    note: a unit in brackets counts, anything else in brackets is a remark (text already NFKC)."""
    if "(" not in text:
        return text
    return _BRACKETED_RE.sub(lambda m: m.group(1) if _NUM_RE.fullmatch("1" + m.group(1)) else "", text)


def _slow_number(text: str, kind: str, factor: float) -> float | None:
    """'12.3万' / '123户' / '1.2亿元' / '2,000元' -> value in the canonical unit, or None.

    A plain number with only a count word ('123户') is multiplied by `factor` (the column's unit).
    """
    m = _NUM_RE.match(text)
    if not m:
        return None
    x = float(m.group(1))
    mult, unit = m.group(2), m.group(3)
    if kind == "money":
        if mult is None and unit is None:
            return x * factor
        if unit in (None, "元") and mult:
            return x * {"万": 1.0, "亿": 1e4, "千": 0.1}[mult]
        if mult is None:
            return x * {"元": 1e-4, "万元": 1.0, "亿元": 1e4}.get(unit, factor if unit is None else np.nan)
        return None
    scale = {"万": 1e4, "亿": 1e8, "千": 1e3}.get(mult, 1.0)
    if unit in ("万平方米",):
        return x * scale * 1e4
    if unit in ("元", "万元", "亿元"):
        return None
    return x * scale * (factor if mult is None else 1.0)


def _clean_num(u: pd.Series) -> pd.Series:
    return u.str.normalize("NFKC").str.strip().str.replace(r"[,，\s'‘’`¥$\u200b-\u200d\u2060\ufeff]", "", regex=True)


def numbers(s, kind: str = "number", factor=1.0, codes=None):
    """Parse numbers. Returns (values float64 in canonical unit, empty mask, bad mask).

    Placeholders (—, -, /, 无 ...) and blanks are empty. kind in number|int|money|area. factor: a scalar or
    one factor per cell (the unit of each cell's column).
    """
    a = _arr(s)
    n = len(a)
    fac = np.broadcast_to(np.asarray(factor, dtype="float64"), (n,))
    vals = np.full(n, np.nan)
    codes = type_codes(a) if codes is None else codes.copy()
    empty = codes == 0
    bad = (codes == 3) | (codes == 4)
    num = np.flatnonzero(codes == 1)
    if len(num):
        vals[num] = a[num].astype("float64") * fac[num]
    st = np.flatnonzero(codes == 2)
    if len(st):
        fcodes, uniq = _factorized(a[st])
        clean = _clean_num(uniq)
        blank = ((clean == "") | clean.str.lower().isin(placeholder_words())).to_numpy()
        parsed = pd.to_numeric(clean.where(~blank, None), errors="coerce").to_numpy(dtype="float64")
        slow = np.isnan(parsed) & ~blank
        special = np.full(len(uniq), np.nan)          # already in the canonical unit
        for k in np.flatnonzero(slow):
            t = _unbracket(clean.iat[k])
            m = _NUM_RE.match(t)
            if m and m.group(2) is None and m.group(3) is None:      # '约120': a plain number after all
                parsed[k] = float(m.group(1))
                continue
            v = _slow_number(t, kind, 1.0)
            if v is not None:
                special[k] = v
        slow = slow & np.isnan(parsed)
        u_bad = slow & np.isnan(special)
        cell_parsed = parsed[fcodes]
        vals[st] = np.where(np.isnan(cell_parsed), special[fcodes], cell_parsed * fac[st])
        empty[st] = blank[fcodes]
        bad[st] = u_bad[fcodes]
    return vals, empty, bad


_YEAR_RE = re.compile(r"((?:19|20)\d\d)")
_DECADE_RE = re.compile(r"(\d0)年代")


def years(s, codes=None):
    """Years: 2023, '2023', '2023年', '2023年第一批', '80年代' -> 1980. Returns (float array, empty, bad)."""
    a = _arr(s)
    n = len(a)
    vals = np.full(n, np.nan)
    codes = type_codes(a) if codes is None else codes.copy()
    empty = codes == 0
    bad = codes == 4
    num = np.flatnonzero(codes == 1)
    if len(num):
        v = a[num].astype("float64")
        ok = (v >= 1900) & (v <= 2100) & (v == np.floor(v))
        vals[num[ok]] = v[ok]
        bad[num[~ok]] = True
    dts = np.flatnonzero(codes == 3)
    if len(dts):
        vals[dts] = [v.year for v in a[dts]]
    st = np.flatnonzero(codes == 2)
    if len(st):
        fcodes, uniq = _factorized(a[st])
        clean = uniq.str.normalize("NFKC").str.strip()
        blank = ((clean == "") | clean.str.lower().isin(placeholder_words())).to_numpy()
        y = pd.to_numeric(clean.str.extract(_YEAR_RE, expand=False), errors="coerce").to_numpy(dtype="float64")
        d = pd.to_numeric(clean.str.extract(_DECADE_RE, expand=False), errors="coerce").to_numpy(dtype="float64")
        y = np.where(np.isnan(y), 1900 + d, y)
        vals[st] = y[fcodes]
        empty[st] = blank[fcodes]
        bad[st] = (np.isnan(y) & ~blank)[fcodes]
    return vals, empty, bad


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?)?\s*(?P<mo>月(?:底|末|份)?)?"
    r"(?:\s*[T\s]?\s*\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)$")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_NAT = np.datetime64("NaT", "ns")


def _ymd(y, m, d) -> np.ndarray:
    frame = pd.DataFrame({"year": y, "month": m, "day": d})
    return pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]")


def _serial(v: np.ndarray) -> np.ndarray:
    return (_EXCEL_EPOCH + np.floor(v).astype("int64")).astype("datetime64[ns]")


_SEASON_MONTH = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}
_DEADLINE_RE = re.compile(r"(?:之前|以前|前|左右|止)$")
_YEAR_PART_RE = re.compile(r"^(\d{4})\s*年?\s*(?:(年底|年末|底|末|内|年内|全年)|(上半年)|(下半年)|第?([一二三四1-4])季度(?:末|底)?)$")
_SHORT_YEAR_RE = re.compile(r"^(\d{2})([./\-])(\d{1,2})\2(\d{1,2})$")


def _year_part(m: re.Match) -> str:
    y = m.group(1)
    if m.group(2) or m.group(4):
        return f"{y}年12月"
    if m.group(3):
        return f"{y}年6月"
    return f"{y}年{_SEASON_MONTH[m.group(5)]}月"


_STOP_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)\s*。\s*(?=\d)")


def full_stops(text: str) -> str:
    """2023。5。20 (the ideographic full stop typed with a Chinese input method) -> 2023.5.20."""
    return _STOP_BETWEEN_DIGITS_RE.sub(".", text) if "。" in text else text


# a third of a month (旬) names its last day, as a month alone names the month's end: 上旬 the 10th, 中旬 the
# 20th, 下旬 the month's end (docs/reader.md)
_XUN_RE = re.compile(r"(\d{1,2})\s*月\s*(上|中|下)旬")
_XUN_DAY = {"上": "月10日", "中": "月20日", "下": "月底"}


def _xun(text: str) -> str:
    return _XUN_RE.sub(lambda m: m.group(1) + _XUN_DAY[m.group(2)], text) if "旬" in text else text


def _tidy_date_text(clean: pd.Series) -> pd.Series:
    """Deadline words (2023年6月底前), year parts (2023年底, 上半年, 第三季度: month only, the caller takes the
    month's end), a two-digit year with separators (22.5.31), apostrophes and a trailing dot."""
    clean = clean.str.strip(_QUOTES + ".。")
    odd_marks = clean.str.contains("。", regex=False) | clean.str.contains("旬", regex=False)
    if odd_marks.any():
        clean = clean.copy()
        clean[odd_marks] = clean[odd_marks].map(lambda x: _xun(full_stops(x)))
    odd = ~clean.str.fullmatch(r"[\d\-/.: ]*")
    if odd.any():
        sub = clean[odd].str.replace(_DEADLINE_RE, "", regex=True).str.replace(_YEAR_PART_RE, _year_part, regex=True)
        clean = clean.copy()
        clean[odd] = sub
    short = clean.str.match(_SHORT_YEAR_RE)
    if short.any():
        clean = clean.copy()
        clean[short] = clean[short].str.replace(_SHORT_YEAR_RE, lambda m: f"20{m.group(1)}-{m.group(3)}-{m.group(4)}",
                                                regex=True)
    return clean


def _string_dates(uniq: pd.Series):
    """Parse distinct date strings: (datetime64[ns], blank, month_only)."""
    clean = _tidy_date_text(uniq.str.normalize("NFKC").str.strip())
    blank = ((clean == "") | clean.str.lower().isin(placeholder_words())).to_numpy()
    parts = clean.str.extract(_DATE_RE)
    comp = clean.str.extract(_COMPACT_RE)

    def num(col):
        x = pd.to_numeric(parts[col], errors="coerce").to_numpy(dtype="float64")
        c = pd.to_numeric(comp[col], errors="coerce").to_numpy(dtype="float64")
        return np.where(np.isnan(x), c, x)

    y, m, d = num("y"), num("m"), num("d")
    mon = np.isnan(d) & ~np.isnan(m)
    d = np.where(mon, 1, d)
    got = ~np.isnan(y) & ~np.isnan(m)
    vals = np.full(len(clean), _NAT)
    if got.any():
        vals[got] = _ymd(y[got], m[got], d[got])
    rest = np.isnat(vals) & ~blank
    if rest.any():   # serial numbers or yyyymmdd written as text
        x = pd.to_numeric(clean[rest], errors="coerce").to_numpy(dtype="float64")
        ok = (x >= 20000) & (x < 80000)
        if ok.any():
            vals[np.flatnonzero(rest)[ok]] = _serial(x[ok])
    return vals, blank, mon & ~np.isnat(vals)


def dates(s, codes=None):
    """Parse dates. Returns (datetime64[ns] array, empty mask, bad mask, month-only mask).

    Excel date cells; Excel serial numbers (20000..80000); yyyymmdd numbers or text; 2023-05-31, 2023/5/31,
    2023.5.31, 2023年5月31日 (with or without a time); 2023年5月 / 2023-05 / 2023年5月底 (month only: the
    caller decides which day, month_only tells where).
    """
    a = _arr(s)
    n = len(a)
    out = np.full(n, _NAT)
    month_only = np.zeros(n, dtype=bool)
    codes = type_codes(a) if codes is None else codes.copy()
    empty = codes == 0
    bad = codes == 4
    dts = np.flatnonzero(codes == 3)
    if len(dts):
        try:
            days = np.fromiter(map(dt.date.toordinal, a[dts]), dtype=np.int64, count=len(dts)) - _ORDINAL_EPOCH
            out[dts] = days.astype("datetime64[D]").astype("datetime64[ns]")
        except TypeError:   # numpy datetime64 values
            out[dts] = pd.to_datetime(pd.Series(list(a[dts])), errors="coerce").dt.normalize().to_numpy(
                dtype="datetime64[ns]")
    num = np.flatnonzero(codes == 1)
    if len(num):
        v = a[num].astype("float64")
        serial = (v >= 20000) & (v < 80000)
        compact = (v >= 19000101) & (v <= 21001231) & (v == np.floor(v))
        if serial.any():
            out[num[serial]] = _serial(v[serial])
        if compact.any():
            c = v[compact].astype("int64")
            out[num[compact]] = _ymd(c // 10000, c // 100 % 100, c % 100)
        bad[num[~serial & ~compact]] = True
    st = np.flatnonzero(codes == 2)
    if len(st):
        fcodes, uniq = _factorized(a[st])
        vals, blank, mon = _string_dates(uniq)
        out[st] = vals[fcodes]
        empty[st] = blank[fcodes]
        month_only[st] = mon[fcodes]
        bad[st] = (np.isnat(vals) & ~blank)[fcodes]
    yrs = out.astype("datetime64[Y]").astype("float64") + 1970
    absurd = ~np.isnat(out) & ((yrs < 1990) | (yrs > 2100))
    bad |= absurd
    out[absurd] = _NAT
    return out, empty, bad, month_only


_DATE_FORMS = "应为如2023-05-31、2023/5/31、2023.5.31、2023年5月31日或Excel日期格式"
_YMD_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*[日号]?|月(?:份|底|末)?)?\s*$")


def no_such_day(y: int, mo: int, d: int | None) -> str | None:
    """'月份13不存在' / '2023年6月没有31日' when y-mo-d is no date (the year is not judged), else None."""
    if not 1 <= mo <= 12:
        return f"月份{mo}不存在"
    if d is not None and not 1 <= d <= pd.Timestamp(y, mo, 1).days_in_month:
        return f"{y}年{mo}月没有{d}日"
    return None


def date_problem(cell) -> str:
    """Why a date cell cannot be read, as specific as the text allows (a month 13, 30 February, year 2202)."""
    m = _YMD_RE.match(full_stops(unicodedata.normalize("NFKC", str(cell)))) if isinstance(cell, str) else None
    if m:
        y, mo, d = (int(g) if g else None for g in m.groups())
        if not 1990 <= y <= 2100:
            swapped = [c for c in range(2010, 2031) if sorted(str(c)) == sorted(str(y))]      # 2202 for 2022
            guess = f"（是否应为{swapped[0]}年？）" if len(swapped) == 1 else ""
            return f"年份{y}不合理{guess}，{_DATE_FORMS}。"
        problem = no_such_day(y, mo, d)
        if problem and problem.startswith("月份"):
            return f"{problem}，{_DATE_FORMS}。"
        if problem:
            return f"{problem}，请核对。"
    return f"无法识别的日期，{_DATE_FORMS}。"


def month_end(values: np.ndarray) -> np.ndarray:
    """The last day of each value's month."""
    return (values.astype("datetime64[M]") + 1).astype("datetime64[D]").astype("datetime64[ns]") - np.timedelta64(
        1, "D")


_MONTH_DAY_RE = re.compile(r"^(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]?|(底|末|份)?)$")


def month_day(cells) -> tuple[np.ndarray, np.ndarray]:
    """'5月31日', '6月底', '12月' (no year) -> (dates in the year 2000, month-only mask); NaT where not such.

    The caller puts the right year in with with_year() and says so in a warning.
    """
    a = _arr(cells)
    out = np.full(len(a), _NAT)
    mon = np.zeros(len(a), dtype=bool)
    for i, v in enumerate(a):
        if not isinstance(v, str):
            continue
        t = _xun(_DEADLINE_RE.sub("", unicodedata.normalize("NFKC", v).strip(_QUOTES)))
        m = _MONTH_DAY_RE.match(t)
        if not m:
            continue
        try:
            if m.group(2):
                out[i] = np.datetime64(dt.date(2000, int(m.group(1)), int(m.group(2))), "ns")
            else:
                out[i] = np.datetime64(dt.date(2000, int(m.group(1)), 1), "ns")
                mon[i] = True
        except ValueError:
            continue
    out[mon] = month_end(out[mon])
    return out, mon


def with_year(md: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Dates made by month_day() moved to the given years (29 February -> 28 February in other years)."""
    ts = pd.DatetimeIndex(md)
    return _ymd(years.astype("int64"), ts.month.to_numpy(), np.minimum(ts.day.to_numpy(), np.where(
        (ts.month.to_numpy() == 2) & ~((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))), 28, 31)))


_DMS_RE = re.compile(r"^(?:[ENSW]|东经|北纬|经度|纬度)?[:：]?\s*(\d{1,3}(?:\.\d+)?)\s*(?:[°度]\s*(?:(\d{1,2}(?:\.\d+)?)\s*['′分]\s*"
                     r"(?:(\d{1,2}(?:\.\d+)?)\s*(?:[\"″秒]|''|′′)?)?)?)?\s*[ENSW]?$", re.I)


def degrees(cells) -> np.ndarray:
    """Coordinates written as text: 120°22′30″, 120度22分30秒, E120.38, 东经120.38 -> decimal degrees (NaN if not)."""
    a = _arr(cells)
    out = np.full(len(a), np.nan)
    for i, v in enumerate(a):
        if not isinstance(v, str):
            continue
        m = _DMS_RE.match(unicodedata.normalize("NFKC", v).strip(_QUOTES).replace("’", "'").replace("”", '"'))
        if m:
            d, mi, se = (float(x) if x else 0.0 for x in m.groups())
            if mi < 60 and se < 60:
                out[i] = d + mi / 60 + se / 3600
    return out
