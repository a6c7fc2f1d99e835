"""What the title rows say (截至 date, batch year, money unit, street), the report date of the file,
and the one parser for a date a person types (parse_report_date: the command line and the upload form).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import numpy as np
import pandas as pd

from loaders import config, headers, values
from loaders import districts as dist
from loaders.reader.model import Part, Report, Title, fmt_date

_DATE_IN_TEXT = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?"
_REPORT_RE = re.compile(r"(?:截至|截止|统计时间|统计日期|统计时点|数据时间|数据日期)(?:日期|时间|时点|到|至)?\s*[:：]?\s*(?:" + _DATE_IN_TEXT + r"|(?:(\d{4})\s*年\s*)?"
                        r"(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末|份)?))")
_FILLED_ON_RE = re.compile(r"(填报|制表|报送|打印|编制|填表|审核)\s*(日期|时间)?\s*[:：]?\s*$")
_UNIT_RE = re.compile(r"单位\s*[:：]\s*(\S{1,24})")     # 单位：万元 / 人民币元 / 户、元


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


def title_text(text: str) -> str:
    return _arabic_dates(values.full_stops(unicodedata.normalize("NFKC", text)))


def title_info(title: str) -> Title:
    """截至 date, batch year, money unit from the text of the title rows."""
    t = title_text(title)
    info: dict = {}
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
                info["bad_reason"] = values.no_such_day(int(d0.group(1)), int(d0.group(2)), int(d0.group(3)))
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
                info["bad_reason"] = values.no_such_day(y, mo, d)
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
        info["unit"] = headers.words().units[money][1]
    return Title(**info)


STREET_NAME = r"[\u4e00-\u9fff]{1,12}?(?:街道办事处|街道|镇|乡)"


_STREET_SHEET_RE = re.compile(rf"^(?:\d+[.、\s]*)?({STREET_NAME})(?:台账|项目|明细)?$")
_STREET_TITLE_RE = re.compile(rf"(?:街道|镇街|街镇|所属街道)(?:名称)?\s*[:：]\s*({STREET_NAME})")


def street_in(sheet: str, title: str) -> str | None:
    """A street named by the sheet name (辽宁路街道) or by a 街道：… title line."""
    m = _STREET_SHEET_RE.match(unicodedata.normalize("NFKC", sheet).strip())
    if m and dist.find_in_text(m.group(1)) is None:
        return m.group(1)
    m = _STREET_TITLE_RE.search(unicodedata.normalize("NFKC", title))
    return m.group(1) if m else None


def full_date_in(text: str) -> date | None:
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


def settle_report_date(parts: list[Part], opt: date | None, rep: Report, source_name: str) -> date | None:
    """The file's report date: the one given (every sheet's title must agree), else the sheets' own (they must
    agree with each other); a date later than today by more than [upload] future_report_days is an error."""
    dated = [(p.sheet, p.title_date, p.title_date_text, p.title_row) for p in parts if p.title_date]
    distinct = sorted({d for _, d, _, _ in dated})
    if len(distinct) > 1:
        listing = "；".join(f"「{s}」{fmt_date(d)}" for s, d, _, _ in dated)
        for s, d, txt, row in dated:
            rep.error(s, row, None, txt, f"同一文件中各工作表的截至日期不一致（{listing}），请统一为同一截至日期。")
    if opt is not None:
        for s, d, txt, row in dated:
            if d != opt:
                rep.error(s, row, None, txt,
                          f"标题中的截至日期{fmt_date(d)}与指定的截至日期{fmt_date(opt)}不一致。")
        rd = opt
        where = [(source_name, None, fmt_date(opt), "指定的截至日期")]
    else:
        rd = distinct[0] if len(distinct) == 1 else (distinct[-1] if distinct else None)
        where = [(s, row, txt, "截至日期") for s, d, txt, row in dated if d == rd][:1]
    problem = future_problem(rd)
    if problem:
        for s, row, txt, what in where:
            rep.error(s, row, None, txt, f"{what}{problem}")
    return rd


def future_problem(d: date | None, today: date | None = None) -> str | None:
    """Why a report date cannot be right: later than today beyond [upload] future_report_days; else None."""
    if d is None:
        return None
    today = today or date.today()
    margin = int(config.upload_limits().get("future_report_days", 7))
    if d <= today + timedelta(days=margin):
        return None
    return (f"{fmt_date(d)}晚于今天（{fmt_date(today)}）{margin}天以上，报送的台账不能截至将来的日期；"
            "请核对年份和月份。")


def parse_report_date(text: str, what: str = "截至日期") -> date:
    """A day as a person types it (command line --report-date/--as-of, the upload form): 2023-06-30,
    2023/6/30, 2023.6.30, 2023。6。30, 2023年6月30日, 20230630. Raises ValueError with a Chinese message that
    calls the value `what`."""
    written = str(text or "").strip()
    got, empty, bad, month_only = values.dates(np.array([written], dtype=object))
    if empty[0] or bad[0] or month_only[0] or np.isnat(got[0]):
        reason = values.date_problem(written) if written else f"{what}为空。"
        if month_only[0]:
            reason = f"只写了年月，{what}须写到日，如2023-06-30。"
        raise ValueError(f"{what}「{written}」无法识别：{reason}")
    return pd.Timestamp(got[0]).date()
