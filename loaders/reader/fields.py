"""Every kept row of every sheet stacked into one Table, and each field family converted once for the
whole file (loaders.values), with one issue per bad cell naming sheet, Excel row, header, value and what was
expected; then the canonical frame."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders import config, headers, values
from loaders import districts as dist
from loaders.reader.model import GIVE_YEAR, Options, Part, Report, fmt_date, fmt_num
from loaders.reader.progress import yes_no
from loaders.report import Issue
from loaders.schema import COLUMNS, FUND_SOURCES, NODE_KEYS, NODE_NAME, actual_column, plan_column


_TEXT_FIELDS = ("street", "renovation_class", "items", "bundle", "responsible", "status_text")
_INT_FIELDS = ("buildings", "households", "elevators_planned")
_MONEY_FIELDS = ("planned_investment_wan", "completed_investment_wan", *[c for c, _ in FUND_SOURCES])


class Table:
    """The kept rows of every ledger sheet, stacked, so each column is converted once for the whole file."""

    def __init__(self, parts: list[Part], rep: Report) -> None:
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
        shown: dict = {}          # a value repeats over many rows (one planned date for a district): shown once

        def show(v):
            key = (type(v), v)
            try:
                return shown[key]
            except KeyError:
                shown[key] = text = display(v)
                return text
            except TypeError:     # unhashable
                return display(v)
        # a check can name a row in most rows of a national ledger (135,000 overdue nodes): the frozen
        # dataclass's __init__ (one object.__setattr__ per field) would cost more than the check itself
        new = object.__new__
        for i in np.flatnonzero(mask).tolist():
            v = value[i] if value is not None else (show(raw[i]) if raw is not None else None)
            h = hdr[i] if per_row_hdr else hdr
            issue = new(Issue)
            issue.__dict__.update(level=level, sheet=sheet[i], row=row[i], column=h if h is not None else label,
                                  value=v, message=message[i] if per_row_msg else message)
            sink.append(issue)


def convert(t: Table, opts: Options) -> None:
    """Every field family converted over the whole table, vectorised (into t.out), issues named per row."""
    for family in (_identity, _district, _texts, _years, _counts, _money_fields, _dates, _flags):
        family(t, opts)


_SCIENTIFIC_RE = re.compile(r"^[+-]?\d(?:\.\d+)?[eE][+]?\d{1,3}$")


def _identity(t: Table, opts: Options) -> None:
    """Ids and names: text as written, line breaks (Alt+Enter) dropped; ids Excel rounded."""
    out, raw, n = t.out, t.raw, t.n
    none = np.full(n, None, dtype=object)
    # identity
    for fld in ("community_id", "name"):
        txt = values.text_array(raw.get(fld, none), codes=t.codes.get(fld))
        written = "\x00".join(txt[txt != None].tolist())  # noqa: E711 - one look at every cell, not a loop
        multi = (np.flatnonzero([isinstance(x, str) and ("\n" in x or "\r" in x) for x in txt])
                 if "\n" in written or "\r" in written else [])
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
        if fld == "community_id" and fld in raw:
            # 3.70212E+11: Excel showed a long numeric id in scientific notation and the file kept what it showed
            sci = np.zeros(n, dtype=bool)
            if "+" in written:
                sci[[i for i, x in enumerate(txt.tolist()) if x is not None and "+" in x and _SCIENTIFIC_RE.match(x)]] = True
            t.issues("error", fld, sci, "小区编号是科学计数法（如3.70212E+11）：Excel把长数字编号显示成科学计数法，"
                                        "保存时只留下了前几位，原编号已无法还原。请把该列设为文本格式、重新录入完整编号后再报送。")


def _district(t: Table, opts: Options) -> None:
    """The district: its column (official names and aliases), else the sheet's (name, title, file name, heading)."""
    out, raw, n = t.out, t.raw, t.n
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
            msg[unknown] = [f"无法识别的区市{_district_guess(x, s_)}，应为{config.area_name()}的区市之一：{names}。"
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


def _texts(t: Table, opts: Options) -> None:
    """Text columns; the street from a sheet name, title or heading row when there is no column."""
    out, raw, n = t.out, t.raw, t.n
    none = np.full(n, None, dtype=object)
    for fld in _TEXT_FIELDS:
        if fld in raw:
            out[fld] = values.text_array(raw[fld], codes=t.codes[fld])
    if any(p.sheet_street or p.section_street is not None for p in t.parts):
        street = t.under_headings("section_street", t.per_part(lambda p: p.sheet_street))
        out["street"] = np.where(t.present.get("street", np.zeros(n, bool)), out.get("street", none), street)


def _years(t: Table, opts: Options) -> None:
    """Batch year: column, else --batch-year, else the title's or section heading's year; built year."""
    out, raw, n = t.out, t.raw, t.n
    # batch year: column, else --batch-year, else the title's year
    fallback_year = t.under_headings("section_year", t.per_part(
        lambda p: opts.batch_year or p.title.year or np.nan, dtype="float64"))
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
                 f"改造年度为空（必填），也可在标题中写明年度或{GIVE_YEAR}。")
        out["batch_year"] = y
    else:
        out["batch_year"] = fallback_year
    if "built_year" in raw:
        y, emp, bad = values.years(raw["built_year"], codes=t.codes["built_year"])
        t.issues("warning", "built_year", bad, "无法识别的建成年代（应为年份，如1995），已按空值处理。")
        out["built_year"] = y


def _counts(t: Table, opts: Options) -> None:
    """Counts (buildings, households, elevators) and floor area."""
    out, raw, n = t.out, t.raw, t.n
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
        _rough(t, fld, v, bad | frac)
        out[fld] = v
    if "floor_area_m2" in raw:
        fac = t.per_part(lambda p: (p.cols["floor_area_m2"][0].spec.factor or 1.0) if "floor_area_m2" in p.cols
                         else 1.0, dtype="float64")
        v, emp, bad = values.numbers(raw["floor_area_m2"], "area", fac, codes=t.codes["floor_area_m2"])
        t.issues("warning", "floor_area_m2", bad, "建筑面积应为数字（平方米），无法识别，已按空值处理。")
        t.issues("error", "floor_area_m2", ~np.isnan(v) & (v < 0), "建筑面积不能为负数。")
        _rough(t, "floor_area_m2", v, bad)
        out["floor_area_m2"] = v


def _rough(t: Table, fld: str, v: np.ndarray, bad: np.ndarray) -> None:
    """约300户 / 300余户 / 300户左右: read as the number written, each such row named."""
    rough = values.rough(t.raw[fld], t.codes[fld]) & ~bad & ~np.isnan(v)
    if rough.any():
        label = headers.field_label(fld)
        msg = np.full(t.n, None, dtype=object)
        msg[rough] = [f"{label}填写的是约数，已按{fmt_num(x)}读取；请填写准确的数字。" for x in v[rough]]
        t.issues("warning", fld, rough, msg)


def _money_fields(t: Table, opts: Options) -> None:
    """Money in 万元 (several columns of one fund are added up)."""
    out, raw, n = t.out, t.raw, t.n
    # money (several columns of one fund are added up)
    for fld in _MONEY_FIELDS:
        if fld not in raw:
            continue
        fac = t.per_part(lambda p, f=fld: p.cols[f][0].spec.factor if f in p.cols and p.cols[f][0].spec.factor
                         is not None else 1.0, dtype="float64")
        unit = t.per_part(lambda p, f=fld: (p.cols[f][0].spec.unit or "万元") if f in p.cols else "万元")
        total = _money(t, fld, raw[fld], fac, unit, None, t.present[fld], codes=t.codes[fld])
        _rough(t, fld, total, np.zeros(n, dtype=bool))
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


def _dates(t: Table, opts: Options) -> None:
    """Planned and actual node dates; a date without a year takes the report date's year, with a warning."""
    out, raw, n = t.out, t.raw, t.n
    rd = opts.report_date
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
                    msg[idx] = [f"日期没有写年份，已按{int(y)}年处理（{fmt_date(g)}）；请写明年份，如2023年5月31日。"
                                for y, g in zip(yr, got)]
                    warn = np.zeros(n, dtype=bool)
                    warn[idx] = True
                    t.issues("warning", fld, warn, msg)
            if bad.any():
                msg = np.full(n, None, dtype=object)
                msg[bad] = [values.date_problem(v) for v in raw[fld][bad]]
                t.issues("error", fld, bad, msg)
            if which == "plan" and mon.any():
                v = np.where(mon, values.month_end(v), v)
            out[fld] = v
            t.month_only[fld] = mon
            t.unreadable_date |= bad
            if which == "actual":
                t.unreadable_actual[fld] = bad


def _flags(t: Table, opts: Options) -> None:
    """是否开工 / 是否完成意愿征求 (是|否): 1 yes, 0 no, NaN empty or unreadable."""
    out, raw, n = t.out, t.raw, t.n
    # 是否开工 / 是否完成意愿征求 (是|否): 1 yes, 0 no, NaN empty or unreadable
    for key in NODE_KEYS:
        fld = f"flag_{key}"
        if fld not in raw:
            continue
        txt = values.text_array(raw[fld], codes=t.codes[fld])
        codes_, uniq = pd.factorize(txt)
        val_u = np.full(len(uniq) + 1, np.nan)
        for j, u in enumerate(uniq):
            val_u[j] = yes_no(u)
        blank_u = np.array([headers.norm(u) in headers.placeholder_words() for u in uniq] + [True], dtype=bool)
        val = val_u[codes_]
        bad = np.isnan(val) & ~blank_u[codes_]
        t.issues("warning", fld, bad, f"应填“是”或“否”（是否{NODE_NAME[key]}），无法识别，已忽略。")
        out[fld] = val


def _empty_required(label: str, codes: np.ndarray) -> np.ndarray:
    """Per row: 为空, or, for a text cell read as empty (—, 无, x, 待定), that it holds no number."""
    return np.where(codes == 2, f"{label}没有填写数值（该内容按空值处理），必填，请填写数字。", f"{label}为空（必填）。").astype(object)


def _money(t: Table, fld: str, arr: np.ndarray, fac, unit: np.ndarray, header, present, codes=None) -> np.ndarray:
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


def to_frame(t: Table) -> pd.DataFrame:
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


def _district_guess(written: str, stated: str | None) -> str:
    """（是否为「崂山区」？） for 劳山区: the official name sharing most characters with what was written (the
    sheet's own district breaks a tie), or nothing when no single name stands out."""
    def stem(name: str) -> str:
        return name[:-1] if name[-1:] in "区市县" else name
    if stem(headers.norm(written)) in {stem(n) for n in (config.area_name(), *config.city_names())}:
        # 青岛市 (or the province) is the city, not a mistyped district
        return ""
    written_stem = set(stem(headers.norm(written)))
    scores = {name: len(written_stem & set(stem(name))) for name in dist.official_names()}
    best = max(scores.values(), default=0)
    top = [name for name, score in scores.items() if score == best and best > 0]
    guess = top[0] if len(top) == 1 else (stated if stated in top else None)
    return f"（是否为「{guess}」？）" if guess else ""
