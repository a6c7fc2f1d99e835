"""Plausibility checks on the converted table: overdue nodes, money over plan, units that cannot be
right, dates out of order, money without progress, the same id twice."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from loaders import headers
from loaders.reader.fields import Table
from loaders.reader.model import Part, Report, dates_str, fmt_date, fmt_num
from loaders.report import place
from loaders.schema import ACTUAL_COLUMNS, NODE_KEYS, NODE_NAME, actual_column, plan_column


def plausibility(t: Table, rd: date | None) -> None:
    """Warnings on values that are readable but unlikely; the node reached is known (t.out)."""
    out, n = t.out, t.n
    nr = out["node_reached"]
    rd64 = np.datetime64(pd.Timestamp(rd), "ns") if rd else None
    rd_text = fmt_date(rd) if rd else ""
    implausible_actual_dates(t)
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
                                for d in dates_str(p[overdue])]
                t.issues("warning", pf, overdue, msg)
    # investment
    if "planned_investment_wan" in out and "completed_investment_wan" in out:
        pl, co = out["planned_investment_wan"], out["completed_investment_wan"]
        over = ~np.isnan(pl) & ~np.isnan(co) & (pl >= 0) & (co > pl + 1e-9)     # a negative plan is an error already
        if over.any():
            msg = np.full(n, None, dtype=object)
            msg[over] = [f"累计完成投资（{fmt_num(c)}万元）大于计划投资（{fmt_num(p_)}万元），请核对。"
                         for c, p_ in zip(co[over], pl[over])]
            t.issues("warning", "completed_investment_wan", over, msg)
        no_progress_but_money(t, co)
    implausible_units(t)


_PLAUSIBLE_PER_HOUSEHOLD = {"planned_investment_wan": (0.05, 100.0), "completed_investment_wan": (0.0, 100.0),
                            "floor_area_m2": (5.0, 1000.0)}
_PER_HOUSEHOLD_UNIT = {"planned_investment_wan": "万元", "completed_investment_wan": "万元", "floor_area_m2": "平方米"}
_MAX_ROW_WAN_PER_HOUSEHOLD = 1000.0
_MAX_ROW_WAN = 1_000_000.0


def implausible_units(t: Table) -> None:
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
                shown = fmt_num(per) if per >= 1 else f"{per:.2g}"
                t.rep.warn(p.sheet, p.header_row, p.header(fld), f"每户约{shown}{unit}",
                           f"按此列读出的{label}平均每户约{shown}{unit}，明显{size}，疑为单位写错：请核对表头的单位"
                           f"（表头未写单位时{'按万元计算' if unit == '万元' else '按平方米计算'}）与所填数值是否一致。")
            elif fld == "planned_investment_wan":
                _wild_rows(t, sl, amounts, households)


def _wild_rows(t: Table, sl: slice, planned: np.ndarray, households: np.ndarray) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        row_per = np.where(households[sl] > 0, planned[sl] / households[sl], np.nan)
    wild = np.zeros(t.n, dtype=bool)
    wild[sl] = (row_per > _MAX_ROW_WAN_PER_HOUSEHOLD) | (planned[sl] > _MAX_ROW_WAN)
    if wild.any():
        msg = np.full(t.n, None, dtype=object)
        msg[wild] = [f"计划投资{fmt_num(v)}万元（{f'每户约{fmt_num(v / h)}万元' if h > 0 else '单个小区超过100亿元'}），"
                     "明显偏大，请核对金额和单位。" for v, h in zip(planned[wild], households[wild])]
        t.issues("warning", "planned_investment_wan", wild, msg)


def implausible_actual_dates(t: Table) -> None:
    """Works finished before they started, or started years before the community's batch: a typo, named."""
    out, n = t.out, t.n
    for before, after in (("start", "completion"), ("completion", "acceptance")):
        fa, fb = actual_column(before), actual_column(after)
        if fa in out and fb in out:
            wrong = ~np.isnat(out[fa]) & ~np.isnat(out[fb]) & (out[fb] < out[fa])
            if wrong.any():
                msg = np.full(n, None, dtype=object)
                msg[wrong] = [f"实际{NODE_NAME[after]}时间（{b}）早于实际{NODE_NAME[before]}时间（{a}），其中一个可能填错，请核对。"
                              for a, b in zip(dates_str(out[fa][wrong]), dates_str(out[fb][wrong]))]
                t.issues("warning", fb, wrong, msg)
    start = out.get(actual_column("start"))
    if start is not None and "batch_year" in out:
        years = start.astype("datetime64[Y]").astype("float64") + 1970
        early = ~np.isnat(start) & ~np.isnan(out["batch_year"]) & (years < out["batch_year"] - 1)
        if early.any():
            msg = np.full(n, None, dtype=object)
            msg[early] = [f"实际开工时间{d}比改造年度{int(y)}年早一年以上，请核对年份。"
                          for d, y in zip(dates_str(start[early]), out["batch_year"][early])]
            t.issues("warning", actual_column("start"), early, msg)


def no_progress_but_money(t: Table, completed: np.ndarray) -> None:
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


def duplicates(frame: pd.DataFrame, rep: Report, header_of: dict) -> None:
    """The same id on two rows: an error on each (ids equal once full-width characters are read as half-width,
    ＳＢ－００１ and SB-001, and spaces dropped, are the same id)."""
    ids = frame["community_id"]
    key = ids.astype(object)
    # only ids with a non-ASCII character or a space can change (the rest are their own normal form)
    listed = key.to_numpy()
    written = "\x00".join(listed[~pd.isna(listed)].tolist())    # one look at every id first: usually none can change
    odd = ([i for i, x in enumerate(listed.tolist()) if isinstance(x, str) and not (x.isascii() and " " not in x)]
           if not written.isascii() or " " in written else [])
    if odd:
        key = key.copy()
        key.iloc[odd] = ids.iloc[odd].str.normalize("NFKC").str.replace(r"\s+", "", regex=True).astype(object)
    dup = key.notna() & key.duplicated(keep=False)
    if not dup.any():
        return
    sub = frame.loc[dup, ["community_id", "source_sheet", "source_row"]].assign(_key=key[dup])
    for _, grp in sub.groupby("_key", sort=False):
        first = grp.iloc[0]
        for _, row in grp.iloc[1:].iterrows():
            same = "相同" if row["community_id"] == first["community_id"] else \
                f"的「{first['community_id']}」相同（仅全角/半角或空格写法不同）"
            rep.error(row["source_sheet"], row["source_row"], header_of.get(row["source_sheet"], "小区编号"),
                      row["community_id"], f"小区编号重复：与{place(first['source_sheet'])}第{int(first['source_row'])}行"
                                           f"{same}，每个小区只能填报一行。")
            if row["source_sheet"] != first["source_sheet"]:     # the other sheet's clerk must see it too
                back = "相同" if row["community_id"] == first["community_id"] else \
                    f"的「{row['community_id']}」相同（仅全角/半角或空格写法不同）"
                rep.error(first["source_sheet"], first["source_row"],
                          header_of.get(first["source_sheet"], "小区编号"), first["community_id"],
                          f"小区编号重复：与{place(row['source_sheet'])}第{int(row['source_row'])}行{back}，每个小区只能填报一行。")


def no_communities(parts: list[Part], source_name: str, rep: Report) -> None:
    """A file with a ledger header and no community under it (a blank template) is not a report."""
    if rep.errors:
        return
    where = parts[0].sheet if parts else source_name
    row = parts[0].header_row if parts else None
    rep.error(where, row, None, None, "文件中没有任何小区数据（只有表头，可能是空白模板），不能报送；"
                                      "请在表头下逐行填写各小区后重新报送。")
