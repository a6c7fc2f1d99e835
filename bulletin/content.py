"""What the bulletin says, as pure functions of the stored history (DOMAIN.md "A weekly bulletin").

Every figure comes from metrics/ (headline, district_progress, ranking_change, node_alerts, due_next_days,
stale_districts, investment_trend) and every chart from figures/, the same functions the dashboard calls, so the
two cannot disagree. This module only selects the frames (as of the date, a week earlier, the previous batch a
year earlier) and words the results. Nothing here reads the clock: the bulletin of a past date is regenerated
exactly from the snapshots dated on or before it (imported_at is never used).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from figures.text import DOCUMENT_TEXT_LIMIT, document_text, is_cut
from loaders import config
from metrics import numbers
from metrics.alerts import due_next_days, node_alerts, stale_districts
from metrics.headline import Headline, headline, headline_sentence
from metrics.progress import (
    GREEN, RED, YELLOW, city_progress, city_total, district_progress, laggards_first, ranking_change, start_rate,
)

from . import model
from .model import Column, Paragraph, Section, Subheading, TableRef, ChartRef

TITLE = "城镇老旧小区改造工作动态周通报"
DISTRICT_UNIT, CITY_UNIT = "区（市）", "城市"
WEEK = timedelta(days=7)
TOP_OVERDUE = 15          # most overdue nodes printed in the document (all of them go to the workbook)
TOP_DUE = 30              # next week's deadlines printed in the document
WECHAT_LIMIT = 300
CN_NUMERALS = "一二三四五六七八九十"
CUT_NOTE = f"注：超过{DOCUMENT_TEXT_LIMIT}字的名称已截断（以“…”结尾），完整内容见台账。"
LIGHT_WORD = {RED: "红色预警", YELLOW: "黄色预警", GREEN: "未达预警线"}


class BulletinError(Exception):
    """No bulletin for this request (empty store, no snapshot on the date); str() is a Chinese sentence."""


# --- inputs ------------------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    """The frames a bulletin is computed from, all selected by report date only."""

    as_of: date
    batch_years: list[int]
    districts: list[str] | None
    current: pd.DataFrame          # ledger as of the date
    last_week: pd.DataFrame        # ledger as of seven days earlier (the previous bulletin)
    last_year: pd.DataFrame        # the previous batch(es) as of one year earlier (同比)
    totals: pd.DataFrame           # store.totals_by_date of the batch(es) and the previous batch(es)
    first_date: date               # the batch's first weekly snapshot (issue numbering)


# The comparison frames (a week earlier, a year earlier) only feed totals (metrics.progress.totals) and the
# headline: reading just these columns keeps a national-scale history fast. The current frame is read whole.
COMPARISON_COLUMNS = ["community_id", "district", "batch_year", "households", "node_reached",
                      "planned_investment_wan", "completed_investment_wan", "elevators_planned", "plan_start"]


def one_year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def default_batch_year(store, as_of: date) -> int:
    """The batch of the as-of year when it has snapshots by then, else the latest batch that has."""
    snaps = store.snapshots()
    years = sorted({int(y) for y, d in zip(snaps["batch_year"], snaps["report_date"]) if d <= as_of})
    if not years:
        raise BulletinError(_no_data_message(store, as_of))
    return as_of.year if as_of.year in years else years[-1]


def _no_data_message(store, as_of: date, batch_years=None) -> str:
    dates = store.report_dates(batch_years)
    if not dates:
        return "台账库中没有任何台账快照，无法生成通报。请先导入各区（市）台账。"
    near = [d for d in dates if d <= as_of][-1:] + [d for d in dates if d > as_of][:1]
    hint = "、".join(numbers.fmt_date_cn(d) for d in near)
    batch = f"{'、'.join(str(y) for y in batch_years)}年度" if batch_years else ""
    return f"{numbers.fmt_date_cn(as_of)}没有{batch}台账快照，无法生成该期通报。最近的台账日期：{hint}。"


def load_inputs(store, as_of: date, batch_years: list[int] | None = None,
                districts: list[str] | None = None) -> Inputs:
    """Select the frames for a bulletin. Raises BulletinError when the store is empty or the date is not a
    report date of the batch (a bulletin is issued for a weekly snapshot date)."""
    as_of = pd.Timestamp(as_of).date()
    if not store.report_dates():
        raise BulletinError(_no_data_message(store, as_of))
    years = sorted(int(y) for y in batch_years) if batch_years else [default_batch_year(store, as_of)]
    dates = store.report_dates(years)
    if as_of not in dates:
        raise BulletinError(_no_data_message(store, as_of, years))
    if districts:   # official order (config/districts.toml), whatever order they were given in
        order = {name: i for i, name in enumerate(config.district_names())}
        districts = sorted(dict.fromkeys(districts), key=lambda d: (order.get(d, len(order)), d))
    else:
        districts = None
    current = store.ledger_as_of(as_of, years, districts)
    if len(current) == 0:
        where = area_name(districts)
        raise BulletinError(f"{numbers.fmt_date_cn(as_of)}{where}没有{'、'.join(map(str, years))}年度台账数据。")
    previous_years = [y - 1 for y in years]
    return Inputs(
        as_of=as_of,
        batch_years=years,
        districts=districts,
        current=current,
        last_week=store.ledger_as_of(as_of - WEEK, years, districts, columns=COMPARISON_COLUMNS),
        last_year=store.ledger_as_of(one_year_earlier(as_of), previous_years, districts,
                                     columns=COMPARISON_COLUMNS),
        totals=store.totals_by_date(sorted(set(years + previous_years)), districts),
        first_date=dates[0],
    )


def issue_number(first_date: date, as_of: date) -> int:
    """第X期 when not given: weeks elapsed since the batch's first weekly snapshot, plus one (the first
    snapshot's week is issue 1). Depends only on report dates, so a past week always gets the same number."""
    return (as_of - first_date).days // 7 + 1


# --- the figures -------------------------------------------------------------------------------------------------

@dataclass
class Figures:
    headline: Headline
    progress: pd.DataFrame         # district_progress + rank_change (vs the previous bulletin), rank order
    investment: pd.DataFrame       # the same rows in investment rank order, with rank_change on investment
    city: dict                     # city_total row
    overdue: pd.DataFrame          # node_alerts 红 rows, most overdue first
    overdue_communities: pd.DataFrame  # one row per community: its most overdue node, with overdue_nodes
    due_next_week: pd.DataFrame    # due_next_days(..., 7)
    stale: pd.DataFrame            # stale_districts
    trend: pd.DataFrame            # metrics.trends.investment_trend, cut at the report date
    unit: str                      # what the ranking rows are: 区（市）, or 城市 in a province's bulletin


def by_city(districts: list[str] | None) -> bool:
    """A province's bulletin over several cities ranks cities, as the overview does (ui.filters.Filters.by_city):
    the whole province, or two or more whole cities."""
    if not config.is_province():
        return False
    return len(config.whole_cities(districts)) > 1 if districts else len(config.city_names()) > 1


def compute(inputs: Inputs, rules: dict | None = None) -> Figures:
    """Every figure of the bulletin, through the dashboard's metric functions."""
    rules = rules if rules is not None else config.warning_rules()
    as_of = inputs.as_of
    cities = by_city(inputs.districts)
    mapping = config.district_cities(config.hierarchy())

    def rows(frame, day):
        return city_progress(frame, day, mapping, rules) if cities else district_progress(frame, day, rules)
    progress = rows(inputs.current, as_of)
    previous = rows(inputs.last_week, as_of - WEEK) if len(inputs.last_week) else None
    by_start = ranking_change(progress, previous, "rank_start").sort_values("rank_start").reset_index(drop=True)
    by_inv = ranking_change(progress, previous, "rank_investment").sort_values("rank_investment")
    by_inv = by_inv.reset_index(drop=True)
    if previous is not None:
        before = previous.set_index("district")["completed_investment_wan"]
        by_inv["investment_change_wan"] = by_inv["completed_investment_wan"] - by_inv["district"].map(before)
    else:
        by_inv["investment_change_wan"] = None
    alerts = node_alerts(inputs.current, as_of, int(rules["nodes"]["due_soon_days"]))
    overdue = alerts[alerts["level"] == RED].reset_index(drop=True) if len(alerts) else alerts
    stale = stale_districts(inputs.current[["district", "report_date"]], as_of,
                            int(rules["nodes"]["stale_ledger_days"]))
    return Figures(
        headline=headline(inputs.current, inputs.last_week, inputs.last_year),
        progress=by_start,
        investment=by_inv,
        city=city_total(inputs.current, as_of, rules),
        overdue=overdue,
        overdue_communities=most_overdue_by_community(overdue),
        due_next_week=due_next_days(inputs.current, as_of, 7),
        stale=stale,
        trend=_trend(inputs),
        unit=CITY_UNIT if cities else DISTRICT_UNIT,
    )


def most_overdue_by_community(overdue: pd.DataFrame) -> pd.DataFrame:
    """The node_alerts 红 rows reduced to one per community (its most overdue node, the alerts being sorted most
    overdue first) with overdue_nodes = how many of its nodes are overdue."""
    if len(overdue) == 0:
        return overdue.assign(overdue_nodes=pd.Series(dtype="int64"))
    counts = overdue.groupby("community_id").size()
    first = overdue.drop_duplicates("community_id", keep="first").reset_index(drop=True)
    return first.assign(overdue_nodes=first["community_id"].map(counts).astype("int64"))


def _trend(inputs: Inputs) -> pd.DataFrame:
    from metrics.trends import investment_trend

    return investment_trend(inputs.totals, inputs.batch_years[-1], as_of=inputs.as_of)


# --- wording -----------------------------------------------------------------------------------------------------

def area_name(districts: list[str] | None) -> str:
    """全市 (全省 at province level), the cities a city's whole districts make at province level, else the
    districts."""
    if not districts:
        return "全省" if config.is_province() else "全市"
    cities = config.whole_cities(districts) if config.is_province() else []
    return "、".join(cities or districts)


def title_area(districts: list[str] | None) -> str:
    """Who issues the bulletin: the province or the city (at province level a city's own bulletin its city)."""
    cities = config.whole_cities(districts) if config.is_province() else []
    return "、".join(cities) or config.area_name()


def batch_label(years: list[int]) -> str:
    return "、".join(str(y) for y in years) + "年度"


def overall_paragraph(inputs: Inputs, figs: Figures) -> str:
    year = inputs.batch_years[0] if len(inputs.batch_years) == 1 else None
    text = headline_sentence(figs.headline, inputs.as_of, year, area_name(inputs.districts))
    if year is None:
        # headline_sentence names one batch; several batches are named once, after the area.
        area = area_name(inputs.districts)
        text = text.replace(f"{area}计划改造", f"{area}{batch_label(inputs.batch_years)}计划改造", 1)
    return text


def _rate_phrase(row) -> str:
    return f"{row['district']}（{numbers.fmt_pct(row['start_rate'])}）"


def fast_slow_sentence(progress: pd.DataFrame, n: int = 2, unit: str = DISTRICT_UNIT) -> str:
    """快慢对比: districts that started everything (全部开工), the fastest of the others, the slowest; `unit`
    names the rows (城市 for a province's rows of cities)."""
    if len(progress) == 0:
        return f"暂无各{unit}数据。"
    rate = pd.to_numeric(progress["start_rate"], errors="coerce")
    done = progress[rate.fillna(-1).round(9) >= 100]
    rest = progress[~progress.index.isin(done.index)].sort_values("rank_start")
    parts = []
    if len(done):
        names = "、".join(done.sort_values("rank_start")["district"])
        parts.append(f"{names}已全部开工")
    if len(rest) == 1:
        parts.append(f"{_rate_phrase(rest.iloc[0])}尚未全部开工")
    elif len(rest) > 1:
        k = min(n, len(rest) // 2) or 1
        fast = rest.head(k) if not len(done) else None
        slow = rest.tail(k).iloc[::-1]
        if fast is not None:
            parts.append("开工率较高的是" + "、".join(_rate_phrase(r) for _, r in fast.iterrows()))
        parts.append("开工率较低的是" + "、".join(_rate_phrase(r) for _, r in slow.iterrows()))
    if len(progress) == 1 and not len(rest):
        return f"{parts[0]}。"
    return f"从各{unit}看，" + "；".join(parts) + "。"


def behind_paragraph(progress: pd.DataFrame, unit: str = DISTRICT_UNIT) -> str:
    """Districts (a province's cities: `unit`) behind the pro-rata schedule, laggards first, each with its light."""
    behind = progress[pd.to_numeric(progress["behind_points"], errors="coerce").fillna(0) > 0]
    behind = laggards_first(behind)
    if len(behind) == 0:
        return f"各{unit}开工进度均达到序时进度。"
    items = []
    for _, r in behind.iterrows():
        items.append(f"{r['district']}开工率{numbers.fmt_pct(r['start_rate'])}，低于序时进度"
                     f"{numbers.fmt_number(r['behind_points'], 1, thousands=False)}个百分点（{LIGHT_WORD[r['light']]}）")
    shown = behind[behind["light"] != GREEN]
    head = f"{len(behind)}个{unit}开工进度滞后于序时进度"
    if len(shown):
        head += f"，其中{len(shown)}个达到预警"
    return f"{head}：" + "；".join(items) + "。"


def overdue_paragraph(overdue: pd.DataFrame) -> str:
    if len(overdue) == 0:
        return "截至本期，无逾期未完成的项目节点。"
    communities = overdue["community_id"].nunique()
    top = overdue.iloc[0]
    by_district = overdue.groupby("district", sort=False)["community_id"].nunique()
    ordered = by_district.sort_values(ascending=False, kind="mergesort")
    lead = "、".join(f"{d}{numbers.fmt_int(n)}个" for d, n in ordered.head(3).items())
    more = "等" if len(ordered) > 3 else ""
    table = (f"逾期时间最长的{TOP_OVERDUE}个小区见表3，全部逾期节点见附表（Excel）"
             if communities > TOP_OVERDUE else "各小区逾期情况见表3")
    return (f"共有{numbers.fmt_int(communities)}个小区的{numbers.fmt_int(len(overdue))}个节点逾期未完成，"
            f"涉及{lead}{more}小区。逾期最久的是{top['district']}{document_text(top['name'])}{top['node']}节点，"
            f"计划{numbers.fmt_date_cn(top['planned_date'])}完成，已逾期{numbers.fmt_int(top['days_late'])}天；"
            f"{table}。")


def stale_paragraph(stale: pd.DataFrame, as_of: date) -> str:
    if len(stale) == 0:
        return "各区（市）均按时报送了本周台账。"
    items = []
    for _, r in stale.iterrows():
        if pd.isna(r["latest_date"]):
            items.append(f"{r['district']}（未报送）")
        else:
            items.append(f"{r['district']}（最近一次为{numbers.fmt_month_day_cn(r['latest_date'])}，"
                         f"已{numbers.fmt_int(r['days_old'])}天未更新）")
    return f"{len(stale)}个区（市）未按时报送台账：" + "、".join(items) + "。请抓紧报送。"


def due_paragraph(due: pd.DataFrame) -> str:
    if len(due) == 0:
        return "下周（7日内）无到期的计划节点。"
    by_district = due.groupby("district", sort=False).size()
    counts = "、".join(f"{d}{n}个" for d, n in by_district.items())
    tail = f"前{TOP_DUE}个见表4，全部清单见附表（Excel）" if len(due) > TOP_DUE else "详见表4"
    return (f"下周共有{numbers.fmt_int(due['community_id'].nunique())}个小区的{numbers.fmt_int(len(due))}个节点"
            f"到期，其中{counts}。请各区（市）对照计划抓紧推进，{tail}。")


# --- tables ------------------------------------------------------------------------------------------------------

def _num(v):
    """A plain Python number or None (numpy scalars and pd.NA out), so writers see numbers as numbers."""
    if numbers.is_missing(v):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return int(f) if float(f).is_integer() and not isinstance(v, float) else f


RANK_START_COLUMNS = [
    Column("排名", model.INT, 0.6), Column("区（市）", model.TEXT, 1.0),
    Column("计划改造（个）", model.INT, 0.95), Column("已开工（个）", model.INT, 0.8),
    Column("开工率（%）", model.PCT, 0.9), Column("计划户数（户）", model.INT, 1.0),
    Column("已开工户数（户）", model.INT, 1.0), Column("按户开工率（%）", model.PCT, 0.95),
    Column("累计完成投资（万元）", model.WAN, 1.3), Column("预警", model.LIGHT, 0.6),
    Column("排名变化", model.RANK_CHANGE, 0.95),
]


def _named(columns: list[Column], unit: str) -> list[Column]:
    """The ranking columns with the row header of `unit` (区（市） or 城市)."""
    return [replace(c, label=unit) if c.label == DISTRICT_UNIT else c for c in columns]


def start_ranking_table(figs: Figures) -> model.Table:
    rows = []
    for _, r in figs.progress.iterrows():
        rows.append([_num(r["rank_start"]), r["district"], _num(r["planned"]), _num(r["started"]),
                     _num(r["start_rate"]), _num(r["households"]), _num(r["started_households"]),
                     _num(r["household_start_rate"]), _num(r["completed_investment_wan"]), r["light"],
                     _num(r["rank_change"])])
    c = figs.city
    rows.append([None, "合计", _num(c["planned"]), _num(c["started"]), _num(c["start_rate"]), _num(c["households"]),
                 _num(c["started_households"]), _num(c["household_start_rate"]),
                 _num(c["completed_investment_wan"]), c["light"], None])
    return model.Table("ranking_start", f"表1  各{figs.unit}开工进度排名", "开工率排名",
                       _named(RANK_START_COLUMNS, figs.unit), rows,
                       note="注：排名按开工率（个数）由高到低，相同时按户数开工率；预警按低于序时进度的百分点数确定；"
                            "排名变化与上期（7天前）比较。")


RANK_INV_COLUMNS = [
    Column("排名", model.INT, 0.6), Column("区（市）", model.TEXT, 1.0),
    Column("计划投资（万元）", model.WAN, 1.45), Column("累计完成投资（万元）", model.WAN, 1.45),
    Column("投资完成率（%）", model.PCT, 1.1), Column("较上周增加（万元）", model.WAN, 1.3),
    Column("排名变化", model.RANK_CHANGE, 0.95),
]


def investment_ranking_table(figs: Figures) -> model.Table:
    rows = []
    for _, r in figs.investment.iterrows():
        rows.append([_num(r["rank_investment"]), r["district"], _num(r["planned_investment_wan"]),
                     _num(r["completed_investment_wan"]),
                     _num(start_rate(r["completed_investment_wan"], r["planned_investment_wan"])),
                     _num(r["investment_change_wan"]), _num(r["rank_change"])])
    h = figs.headline
    rows.append([None, "合计", _num(h.planned_investment_wan), _num(h.completed_investment_wan),
                 _num(h.investment_completion_rate), _num(h.completed_investment_change_wan), None])
    return model.Table("ranking_investment", f"表2  各{figs.unit}累计完成投资排名", "投资排名",
                       _named(RANK_INV_COLUMNS, figs.unit), rows)


NODE_COLUMNS = [
    Column("序号", model.INT, 0.6), Column("区（市）", model.TEXT, 1.0), Column("小区名称", model.TEXT, 2.4),
    Column("节点", model.TEXT, 0.9), Column("计划完成时间", model.DATE, 1.5),
]


def overdue_table(figs: Figures, limit: int | None = TOP_OVERDUE) -> model.Table:
    """表3: the most overdue communities, each with its most overdue node (limit) — or, for the workbook
    (limit None), every overdue node."""
    if limit is None:
        out = [[i, r["district"], r["name"], r["node"], r["planned_date"].date(), _num(r["days_late"])]
               for i, (_, r) in enumerate(figs.overdue.iterrows(), start=1)]
        return model.Table("overdue_all", "逾期项目节点（全部）", "逾期节点",
                           NODE_COLUMNS + [Column("逾期天数（天）", model.INT, 0.9)], out)
    rows = figs.overdue_communities.head(limit)
    out = [[i, r["district"], r["name"], r["node"], r["planned_date"].date(), _num(r["days_late"]),
            _num(r["overdue_nodes"])] for i, (_, r) in enumerate(rows.iterrows(), start=1)]
    cols = [Column("序号", model.INT, 0.55), Column("区（市）", model.TEXT, 0.95), Column("小区名称", model.TEXT, 2.05),
            Column("最早逾期节点", model.TEXT, 1.0), Column("计划完成时间", model.DATE, 1.65),
            Column("逾期天数（天）", model.INT, 0.9), Column("逾期节点（个）", model.INT, 0.9)]
    return model.Table("overdue", "表3  逾期时间最长的小区", "逾期小区", cols, out)


def due_table(figs: Figures, limit: int | None = TOP_DUE) -> model.Table:
    rows = figs.due_next_week if limit is None else figs.due_next_week.head(limit)
    out = [[i, r["district"], r["name"], r["node"], r["planned_date"].date(), _num(r["days_to_due"])]
           for i, (_, r) in enumerate(rows.iterrows(), start=1)]
    cols = NODE_COLUMNS + [Column("剩余天数（天）", model.INT, 0.9)]
    title = "表4  下周到期的项目节点" if limit is not None else "下周到期节点（全部）"
    return model.Table("due_next_week" if limit is not None else "due_all", title, "下周到期节点", cols, out)


def fit_text_cells(table: model.Table) -> model.Table:
    """The table with its text cells as the documents can print them (figures.text.document_text: a
    10,000-character name would fill forty pages); the note says when a cell was cut."""
    text_columns = {i for i, c in enumerate(table.columns) if c.kind == model.TEXT}
    cut = any(is_cut(row[i]) for row in table.rows for i in text_columns)
    table.rows = [[document_text(v) if i in text_columns and v is not None else v for i, v in enumerate(row)]
                  for row in table.rows]
    if cut:
        table.note = f"{table.note}\n{CUT_NOTE}" if table.note else CUT_NOTE
    return table


def stale_table(figs: Figures) -> model.Table:
    rows = [[r["district"], None if pd.isna(r["latest_date"]) else r["latest_date"].date(), _num(r["days_old"])]
            for _, r in figs.stale.iterrows()]
    return model.Table("stale", "未按时报送台账的区（市）", "未按时报送",
                       [Column("区（市）", model.TEXT), Column("最近台账日期", model.DATE),
                        Column("距本期（天）", model.INT)], rows)


# --- charts ------------------------------------------------------------------------------------------------------

def charts(figs: Figures, batch_year: int) -> dict[str, model.Chart]:
    """The dashboard's figure builders, drawing the bulletin's own figures."""
    from figures.ranking import start_rate_bar
    from figures.trends import investment_trend_figure

    out: dict[str, model.Chart] = {}
    # Titles go in the document's captions (图1 …), not inside the pictures.
    if len(figs.trend):
        out["investment_trend"] = model.Chart(
            "investment_trend", "图1  累计完成投资走势（与上年同期对比，亿元）",
            investment_trend_figure(figs.trend, batch_year, title=None))
    if len(figs.progress):
        n = len(out) + 1
        out["start_rate"] = model.Chart("start_rate", f"图{n}  各{figs.unit}开工率与序时进度",
                                        start_rate_bar(figs.progress, title=None))
    return out


# --- work-group text ---------------------------------------------------------------------------------------------

def wechat_text(inputs: Inputs, figs: Figures, issue: int, limit: int = WECHAT_LIMIT) -> str:
    """The headline figures for the work group (微信工作群), at most `limit` characters: the optional clauses
    (district names) are dropped from the end until it fits."""
    head = f"【老旧小区改造周通报第{issue}期】"
    core = overall_paragraph(inputs, figs)
    extras = []
    red = figs.progress[figs.progress["light"] == RED]["district"].tolist()
    yellow = figs.progress[figs.progress["light"] == YELLOW]["district"].tolist()
    if red:
        extras.append("红色预警：" + "、".join(red) + "。")
    if yellow:
        extras.append("黄色预警：" + "、".join(yellow) + "。")
    if len(figs.stale):
        extras.append("未按时报送：" + "、".join(figs.stale["district"]) + "。")
    if len(figs.overdue):
        extras.append(f"逾期节点{numbers.fmt_int(len(figs.overdue))}个。")
    if len(figs.due_next_week):
        extras.append(f"下周到期节点{numbers.fmt_int(len(figs.due_next_week))}个。")
    tail = "详见通报。"
    while extras and len(head + core + "".join(extras) + tail) > limit:
        extras.pop()
    text = head + core + "".join(extras) + tail
    if len(text) > limit:   # only when the core alone is too long (many named districts)
        text = text[: limit - 1] + "…"
    return text


# --- assembly ----------------------------------------------------------------------------------------------------

def build_content(store, as_of, batch_years: list[int] | None = None, districts: list[str] | None = None,
                  issue: int | None = None, rules: dict | None = None) -> model.BulletinContent:
    inputs = load_inputs(store, as_of, batch_years, districts)
    return assemble(inputs, compute(inputs, rules), issue)


def assemble(inputs: Inputs, figs: Figures, issue: int | None = None) -> model.BulletinContent:
    issue = issue if issue is not None else issue_number(inputs.first_date, inputs.as_of)
    tables = {t.key: fit_text_cells(t) for t in (
        start_ranking_table(figs), investment_ranking_table(figs), overdue_table(figs), due_table(figs),
        overdue_table(figs, None), due_table(figs, None), stale_table(figs))}
    chart_map = charts(figs, inputs.batch_years[-1])
    headline_text = overall_paragraph(inputs, figs)

    overview = [Paragraph(headline_text)]
    if "investment_trend" in chart_map:
        overview.append(ChartRef("investment_trend"))
    ranking = [Subheading("（一）开工进度排名"), TableRef("ranking_start")]
    if "start_rate" in chart_map:
        ranking.append(ChartRef("start_rate"))
    ranking += [Subheading("（二）完成投资排名"), TableRef("ranking_investment")]
    problems = [Subheading("（一）开工进度滞后"), Paragraph(behind_paragraph(figs.progress, figs.unit)),
                Subheading("（二）项目节点逾期"), Paragraph(overdue_paragraph(figs.overdue))]
    if len(figs.overdue):
        problems.append(TableRef("overdue"))
    problems += [Subheading("（三）台账未按时报送"), Paragraph(stale_paragraph(figs.stale, inputs.as_of))]
    next_week = [Paragraph(due_paragraph(figs.due_next_week))]
    if len(figs.due_next_week):
        next_week.append(TableRef("due_next_week"))
    bodies = [("总体进展", overview), (f"各{figs.unit}排名", ranking),
              ("快慢对比", [Paragraph(fast_slow_sentence(figs.progress, unit=figs.unit))]),
              ("存在问题", problems), ("下周重点", next_week)]
    sections = [Section(f"{CN_NUMERALS[i]}、{title}", blocks) for i, (title, blocks) in enumerate(bodies)]

    h = figs.headline
    return model.BulletinContent(
        title=title_area(inputs.districts) + TITLE,
        issue_number=issue,
        office=config.bulletin_office(),
        as_of=inputs.as_of,
        date_line=numbers.fmt_date_cn(inputs.as_of),
        batch_years=inputs.batch_years,
        districts=inputs.districts,
        headline=headline_text,
        sections=sections,
        tables=tables,
        charts=chart_map,
        wechat_text=wechat_text(inputs, figs, issue),
        figures={"headline": h, "progress": figs.progress, "investment": figs.investment, "city": figs.city,
                 "overdue": figs.overdue, "due_next_week": figs.due_next_week, "stale": figs.stale,
                 "trend": figs.trend},
    )
