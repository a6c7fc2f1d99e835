"""How far each community is: the latest node with an actual date on or before the report date, else
what the progress column says (status words, 形象进度 sentences, percentages) or 是否开工 columns.

A progress cell is read against the vocabulary in config/headers.toml ([status_words], [milestones]) as a
range of nodes (lo = the node it says is reached, hi = the latest consistent with it): clause by clause, the
most advanced node a clause names, with what the clause says about it (planned, under way, done).
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from loaders import headers, values
from loaders.reader.model import dates_str, fmt_date
from loaders.schema import NODE_KEYS, NODE_NAME, NODE_NAMES, actual_column, node_status


_YES = {"是", "已", "√", "✓", "✔", "y", "yes", "1", "有", "完成", "已完成", "true", "对"}
_NO = {"否", "未", "×", "✗", "✘", "n", "no", "0", "无", "没有", "false", "x"}


def yes_no(text) -> float:
    """是/已开工/√ -> 1, 否/未开工/× -> 0, anything else NaN."""
    k = headers.norm(text).rstrip("。.")
    if k in _YES or (k[:1] in ("是", "已") and not k.startswith("是否")):
        return 1.0
    if k in _NO or k[:1] in ("否", "未"):
        return 0.0
    return np.nan


_PERCENT_RE = re.compile(r"(\d{1,3}(?:\.\d+)?)%")


def percent_done(key: str) -> tuple[int, int] | None:
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
def progress_vocabulary():
    """(node words longest first as (word, node 1-based), status words that name a node and a state,
    status words without a node, bare node words' ranges)."""
    nodes = sorted([(w, NODE_KEYS.index(k) + 1) for w, k in headers.words().node_words]
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


class Reading(NamedTuple):
    """What a progress cell says: lo = the node reached, hi = the latest node consistent with it; doubt: why
    the words leave it open whether the works are completed (one item of works done), else None."""
    lo: int
    hi: int
    doubt: str | None = None


_STARTED, _COMPLETED = NODE_KEYS.index("start") + 1, NODE_KEYS.index("completion") + 1
_ITEM_DONE = "item"


def clause_range(clause: str) -> Reading | None:
    nodes, specific, generic, bare = progress_vocabulary()
    extra = headers.vocabulary().get("progress_words", {})
    if any(w in clause for w in extra.get("before_start", ())):
        # 施工许可正在办理 / 已取得施工许可证: an approval before the works start, not the works
        return Reading(_STARTED - 1, _STARTED - 1) if _DONE_RE.search(clause) and not _FUTURE_RE.search(clause) \
            and not _ONGOING_RE.search(clause) else Reading(0, _STARTED - 1)
    partial = any(w in clause for w in extra.get("partial", ()))
    found, work = [], clause
    for w, k in nodes:                    # longest first; a word inside a longer one (施工 in 施工图设计) is not another
        if w in work:
            found.append((k, w))
            work = work.replace(w, "\x01")
    if not found:
        hit = next(((w, lo, hi) for w, lo, hi in generic if w in clause), None)     # 已完成, 前期, 在建 …
        if hit is None:
            return None
        word, lo, hi = hit
        if lo >= _COMPLETED and clause.replace(word, "").strip("已经"):
            # 屋面防水完成: one item of the works done: started; all of them, the words do not say
            return Reading(_STARTED, _STARTED) if partial else Reading(_STARTED, hi, _ITEM_DONE)
        return Reading(lo, hi)
    k, word = max(found, key=lambda kw: (kw[0], len(kw[1])))      # the most advanced node the clause names
    if partial and k >= _COMPLETED:                  # 部分楼栋完工: the works are under way
        return Reading(_STARTED, _STARTED)
    hit = next(((lo, hi) for w, lo, hi in specific if word in w and w in clause), None)  # 施工中, 开工准备 …
    if hit:
        return Reading(*hit)
    rest = clause.replace(word, "")
    if _FUTURE_RE.search(rest):                      # 计划6月开工, 待进场, 设计未完成: not reached yet
        return Reading(0, k - 1)
    if _ONGOING_RE.search(rest):                     # 正在办理立项: the node before; 正在施工: started
        return Reading(k, k) if k == _STARTED else Reading(k - 1, k - 1)
    if _DONE_RE.search(rest):                        # 方案已完成, 招标完成
        return Reading(k, k)
    return Reading(*bare.get(word, (k, k)))          # a bare node word: as the status table says


def progress_range(key: str) -> Reading | None:
    """What a progress cell (normalised by headers.norm) states: the node range of a status word, a
    percentage, or a sentence read clause by clause. Clauses narrow each other (屋面防水完成，外立面正在施工:
    started, not completed); clauses that contradict each other keep the most advanced node."""
    percent = percent_done(key)
    if percent:
        return Reading(*percent)
    _, specific, generic, bare = progress_vocabulary()
    exact = next(((lo, hi) for w, lo, hi in (*specific, *generic) if w == key), None) or bare.get(key)
    if exact:
        return Reading(*exact)
    key = _DONE_NODE_RE.sub("已", key)             # 已完成立项 = 已立项, not 已完成 (= completed)
    ranges = [r for c in _CLAUSE_RE.split(key) if c and (r := clause_range(c)) is not None]
    if not ranges:
        return None
    lo, low_hi = max(r.lo for r in ranges), min(r.hi for r in ranges)
    hi = low_hi if low_hi >= lo else max(lo, max(r.hi for r in ranges))
    doubt = _ITEM_DONE if lo < _COMPLETED <= hi and any(r.doubt for r in ranges) else None
    return Reading(lo, hi, doubt)


def node_reached(t, rd: date | None) -> None:
    """t.out["node_reached"] and ["status"] of every row of the Table (loaders.reader.fields.Table)."""
    out, n = t.out, t.n
    rd64 = np.datetime64(pd.Timestamp(rd), "ns") if rd else None
    rd_text = fmt_date(rd) if rd else ""
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
    today64, today_text = np.datetime64(pd.Timestamp(today), "ns"), fmt_date(today)
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
                          for d in dates_str(v[after])]
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
        doubt_u = np.zeros(len(uniq) + 1, dtype=bool)
        for j, u in enumerate(uniq):
            key = headers.norm(u)
            hit = progress_range(key)
            if hit:
                lo_u[j], hi_u[j], doubt_u[j] = hit.lo, hit.hi, hit.doubt is not None
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
        t.issues("warning", "status_text", doubt_u[codes] & ~has_actual,
                 "进度只说明部分工程已完成，无法判断是否已全部完工，已按“施工中”（已开工、未完工）统计；"
                 "如已全部完工，请写“已完工”或填写实际完工时间。")
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
