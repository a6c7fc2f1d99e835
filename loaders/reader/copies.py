"""Sheets that are not more communities: a 汇总 sheet repeating the district sheets, and last week's
copy kept beside this week's sheet."""
from __future__ import annotations

from datetime import date

from loaders import values
from loaders.reader.model import Part, Report, fmt_date


def _part_ids(p: Part) -> set:
    if "community_id" not in p.raw:
        return set()
    return set(values.text_array(p.raw["community_id"], p.codes.get("community_id")).tolist()) - {None}


def drop_summary_copies(parts: list[Part], rep: Report) -> list[Part]:
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


def drop_older_copies(parts: list[Part], opt: date | None, rep: Report) -> list[Part]:
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
                         f"该工作表截至{fmt_date(p.title_date)}，早于同一文件中截至{fmt_date(target)}的工作表{names}，"
                         "且为同一批小区，视为旧版本，未读取。")
                continue
        keep.append(p)
    return keep
