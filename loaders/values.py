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

_NUM_TYPES = (float, int, np.floating, np.integer)
_DT_TYPES = (dt.datetime, dt.date, pd.Timestamp, np.datetime64)


def type_masks(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks (is str, is number, is date/datetime) of a raw Series."""
    types = s.map(type)
    is_str = types.isin([str]).to_numpy()
    is_num = types.isin([float, int, np.float64, np.int64]).to_numpy()
    is_dt = types.isin([dt.datetime, dt.date, pd.Timestamp]).to_numpy()
    other = ~(is_str | is_num | is_dt) & s.notna().to_numpy()
    if other.any():  # rare types (numpy scalars of other widths, bool, time): classify one by one
        for i in np.flatnonzero(other):
            v = s.iat[i]
            if isinstance(v, bool):
                continue
            if isinstance(v, _NUM_TYPES):
                is_num[i] = True
            elif isinstance(v, _DT_TYPES):
                is_dt[i] = True
    return is_str, is_num, is_dt


def display(v) -> str:
    """A raw cell as the user sees it, for messages."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.10g}"
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    return str(v).strip()


def normalize_strings(st: pd.Series) -> pd.Series:
    """NFKC (full-width digits/letters -> half-width), strip; for Series of str."""
    if st.empty:
        return st
    return st.str.normalize("NFKC").str.strip()


def text(s: pd.Series) -> pd.Series:
    """Cells as trimmed strings (numbers without a spurious .0), empty -> <NA>; returns dtype string."""
    is_str, is_num, is_dt = type_masks(s)
    out = np.full(len(s), None, dtype=object)
    if is_str.any():
        st = s[is_str].str.replace("\u3000", " ", regex=False).str.strip()
        out[is_str] = st.to_numpy()
    for mask in (is_num, is_dt):
        if mask.any():
            out[mask] = [display(v) for v in s[mask]]
    res = pd.Series(out, index=s.index, dtype="string")
    return res.mask(res == "")


def empty_mask(s: pd.Series) -> np.ndarray:
    """True where a raw cell is empty (None, NaN, '' or only spaces)."""
    na = s.isna().to_numpy()
    is_str = s.map(type).isin([str]).to_numpy()
    if is_str.any():
        blank = s[is_str].str.strip().str.len().to_numpy() == 0
        na = na.copy()
        na[np.flatnonzero(is_str)[blank]] = True
    return na


_NUM_RE = re.compile(r"^(?:约|大约|共|计)?([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(万|亿|千)?"
                     r"(元|万元|亿元|户|个|栋|幢|座|部|台|平方米|平米|m2|㎡|万平方米|人|处)?$")


def _slow_number(text: str, kind: str, factor: float) -> float | None:
    """'12.3万' / '123户' / '1.2亿元' / '2,000元' -> value in the canonical unit, or None."""
    m = _NUM_RE.match(text)
    if not m:
        return None
    x = float(m.group(1))
    mult, unit = m.group(2), m.group(3)
    if kind == "money":
        if unit in ("元",) and mult is None:
            return x / 1e4
        scale = {"万": 1.0, "亿": 1e4, "千": 0.1}.get(mult) if mult else None
        if unit == "万元":
            scale = 1.0 if mult is None else None
        elif unit == "亿元":
            scale = 1e4 if mult is None else None
        elif unit == "元" and mult:
            scale = {"万": 1.0, "亿": 1e4, "千": 0.1}[mult]
        if scale is None:
            return x * factor if (mult is None and unit is None) else None
        return x * scale
    scale = {"万": 1e4, "亿": 1e8, "千": 1e3}.get(mult, 1.0)
    if unit == "万平方米":
        scale *= 1e4
    return x * scale * (factor if (mult is None and unit != "万平方米") else 1.0)


def numbers(s: pd.Series, kind: str = "number", factor: float = 1.0):
    """Parse numbers. Returns (values float64 in canonical unit, empty mask, bad mask).

    Placeholders (—, -, /, 无 ...) and blanks are empty. kind in number|int|money|area.
    """
    n = len(s)
    vals = np.full(n, np.nan)
    empty = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    is_str, is_num, is_dt = type_masks(s)
    if is_num.any():
        vals[is_num] = s[is_num].astype("float64").to_numpy() * factor
    na = ~(is_str | is_num | is_dt)
    empty |= na
    bad |= is_dt
    if is_str.any():
        idx = np.flatnonzero(is_str)
        st = normalize_strings(s[is_str]).str.replace(r"[,，\s]", "", regex=True)
        blank = (st == "").to_numpy() | st.str.lower().isin(placeholder_words()).to_numpy()
        empty[idx[blank]] = True
        num = pd.to_numeric(st.where(~blank, None), errors="coerce").to_numpy(dtype="float64")
        ok = ~np.isnan(num)
        vals[idx[ok]] = num[ok] * factor
        rest = ~ok & ~blank
        if rest.any():
            cache: dict[str, float | None] = {}
            for i, t in zip(idx[rest], st.to_numpy()[rest]):
                if t not in cache:
                    cache[t] = _slow_number(t, kind, factor)
                v = cache[t]
                if v is None:
                    bad[i] = True
                else:
                    vals[i] = v
    return vals, empty, bad


_YEAR_RE = re.compile(r"((?:19|20)\d\d)")
_DECADE_RE = re.compile(r"(\d0)年代")


def years(s: pd.Series):
    """Years: 2023, '2023', '2023年', '2023年第一批', '80年代' -> 1980. Returns (float array, empty, bad)."""
    n = len(s)
    vals = np.full(n, np.nan)
    is_str, is_num, is_dt = type_masks(s)
    empty = ~(is_str | is_num | is_dt)
    bad = np.zeros(n, dtype=bool)
    if is_num.any():
        v = s[is_num].astype("float64").to_numpy()
        ok = (v >= 1900) & (v <= 2100) & (v == np.floor(v))
        idx = np.flatnonzero(is_num)
        vals[idx[ok]] = v[ok]
        bad[idx[~ok]] = True
    if is_dt.any():
        vals[is_dt] = [v.year for v in s[is_dt]]
    if is_str.any():
        idx = np.flatnonzero(is_str)
        st = normalize_strings(s[is_str])
        blank = (st == "").to_numpy() | st.str.lower().isin(placeholder_words()).to_numpy()
        empty[idx[blank]] = True
        y = pd.to_numeric(st.str.extract(_YEAR_RE, expand=False), errors="coerce").to_numpy(dtype="float64")
        dec = st.str.extract(_DECADE_RE, expand=False)
        d = pd.to_numeric(dec, errors="coerce").to_numpy(dtype="float64")
        y = np.where(np.isnan(y), 1900 + d, y)
        ok = ~np.isnan(y)
        vals[idx[ok]] = y[ok]
        bad[idx[~ok & ~blank]] = True
    return vals, empty, bad


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?)?\s*(?P<mo>月(?:底|末|份)?)?"
    r"(?:\s*[T\s]?\s*\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _ymd(y, m, d) -> np.ndarray:
    frame = pd.DataFrame({"year": y, "month": m, "day": d})
    return pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]")


def dates(s: pd.Series):
    """Parse dates. Returns (datetime64[ns] array, empty mask, bad mask, month-only mask).

    Excel date cells; Excel serial numbers (20000..80000); yyyymmdd numbers or text; 2023-05-31, 2023/5/31,
    2023.5.31, 2023年5月31日 (with or without a time); 2023年5月 / 2023-05 / 2023年5月底 (month only: the
    caller decides which day, month_only tells where).
    """
    n = len(s)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    month_only = np.zeros(n, dtype=bool)
    is_str, is_num, is_dt = type_masks(s)
    empty = ~(is_str | is_num | is_dt)
    bad = np.zeros(n, dtype=bool)
    if is_dt.any():
        out[is_dt] = pd.to_datetime(pd.Series(list(s[is_dt])), errors="coerce").dt.normalize().to_numpy(
            dtype="datetime64[ns]")
    if is_num.any():
        idx = np.flatnonzero(is_num)
        v = s[is_num].astype("float64").to_numpy()
        serial = (v >= 20000) & (v < 80000)
        compact = (v >= 19000101) & (v <= 21001231) & (v == np.floor(v))
        if serial.any():
            days = np.floor(v[serial]).astype("int64")
            out[idx[serial]] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy(dtype="datetime64[ns]")
        if compact.any():
            c = v[compact].astype("int64")
            out[idx[compact]] = _ymd(c // 10000, c // 100 % 100, c % 100)
        bad[idx[~serial & ~compact]] = True
    if is_str.any():
        idx = np.flatnonzero(is_str)
        st = normalize_strings(s[is_str])
        blank = (st == "").to_numpy() | st.str.lower().isin(placeholder_words()).to_numpy()
        empty[idx[blank]] = True
        parts = st.str.extract(_DATE_RE)
        comp = st.str.extract(_COMPACT_RE)
        def num(col):
            a = pd.to_numeric(parts[col], errors="coerce").to_numpy(dtype="float64")
            b = pd.to_numeric(comp[col], errors="coerce").to_numpy(dtype="float64")
            return np.where(np.isnan(a), b, a)

        y, m, d = num("y"), num("m"), num("d")
        mon = np.isnan(d) & ~np.isnan(m)
        d = np.where(mon, 1, d)
        got = ~np.isnan(y) & ~np.isnan(m)
        vals = np.full(len(st), np.datetime64("NaT"), dtype="datetime64[ns]")
        if got.any():
            vals[got] = _ymd(y[got], m[got], d[got])
        # serial numbers or yyyymmdd written as text
        rest = np.isnat(vals) & ~blank
        if rest.any():
            num = pd.to_numeric(st[rest], errors="coerce").to_numpy(dtype="float64")
            ok = (num >= 20000) & (num < 80000)
            if ok.any():
                ridx = np.flatnonzero(rest)[ok]
                vals[ridx] = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(num[ok]).astype("int64"), unit="D")).to_numpy(
                    dtype="datetime64[ns]")
        out[idx] = vals
        month_only[idx[mon & ~np.isnat(vals)]] = True
        bad[idx[np.isnat(vals) & ~blank]] = True
    # a date cell with a time, already normalised; reject absurd years
    yrs = out.astype("datetime64[Y]").astype("float64") + 1970
    absurd = ~np.isnat(out) & ((yrs < 1990) | (yrs > 2100))
    bad |= absurd
    out[absurd] = np.datetime64("NaT")
    return out, empty, bad, month_only


def month_end(values: np.ndarray) -> np.ndarray:
    """The last day of each value's month."""
    return (values.astype("datetime64[M]") + 1).astype("datetime64[D]").astype("datetime64[ns]") - np.timedelta64(
        1, "D")
