"""Blocks that several pages show the same way (总览, 投资, 大屏): each picks its figure from the filters and draws
it, so the pages stay one line per block."""
from __future__ import annotations

from functools import partial

import streamlit as st

from figures.text import markdown_text
from ui import data, layout
from ui.filters import Filters


def trend_title(f: Filters) -> str:
    """The heading of the investment trend: one batch, or the programme of the selected batches."""
    if len(f.years) > 1:
        return f"{f.years[0]}—{f.years[-1]}年度累计完成投资　各年度及合计，与计划投资对比（亿元）"
    return f"{f.year}年度累计完成投资　与计划投资、上年同期对比（亿元）"


def investment_trend(f: Filters, *, theme: str, key: str, height: int | None = None, toolbar: bool = True) -> None:
    """One batch: its curve against last year's and the plan. Several batches (a 2022–2024 programme): each
    batch's curve, their sum and the summed plan — never the latest batch alone."""
    kind = "programme_trend" if len(f.years) > 1 else "trend"
    layout.chart(data.figure(kind, *f.args, theme=theme), key=key, height=height, toolbar=toolbar)


PROGRAMME_HEADERS = {
    "batch_year": "年度", "planned": "计划小区（个）", "households": "户数", "planned_investment_wan": "计划投资（万元）",
    "started": "已开工（个）", "start_rate": "开工率", "completed": "已完工（个）",
    "completed_investment_wan": "累计完成投资（万元）", "investment_rate": "投资完成率", "schedule_rate": "序时进度",
}


def programme_sentence(f: Filters, years_frame) -> str:
    """2022—2024年度计划改造老旧小区1,108个、30.00万户，计划投资140.0亿元；截至…已开工…个，开工率…；累计完成投资…."""
    from metrics.changes import fmt_money
    from metrics.numbers import fmt_date_cn, fmt_int, fmt_pct, fmt_wanhu

    t = years_frame.iloc[-1]
    return (f"{f.years[0]}—{f.years[-1]}年度{f.area}计划改造老旧小区{fmt_int(t['planned'])}个、"
            f"{fmt_wanhu(t['households'])}，计划投资{fmt_money(t['planned_investment_wan'])}；"
            f"截至{fmt_date_cn(f.as_of)}，已开工{fmt_int(t['started'])}个，开工率{fmt_pct(t['start_rate'])}，"
            f"已完工{fmt_int(t['completed'])}个；累计完成投资{fmt_money(t['completed_investment_wan'])}，"
            f"占计划{fmt_pct(t['investment_rate'])}。")


def programme(f: Filters, *, theme: str, key: str) -> None:
    """The programme of the selected batches: the sentence, each year against its plan, each district by year."""
    from figures.programme import programme_district_figure
    from metrics.numbers import round_half_up

    p = data.programme(*f.args)
    st.markdown(f"#### {f.years[0]}—{f.years[-1]}年度改造计划完成情况")
    st.markdown(programme_sentence(f, p["years"]))
    table = p["years"].copy()
    for col in ("start_rate", "investment_rate", "schedule_rate", "planned_investment_wan", "completed_investment_wan"):
        table[col] = [None if v is None or v != v else round_half_up(float(v), 1) for v in table[col]]
    table["batch_year"] = [y if y == "合计" else f"{y}年度" for y in table["batch_year"]]
    pct = st.column_config.NumberColumn(format="%.1f%%")
    number = st.column_config.NumberColumn(format="localized")
    config = {PROGRAMME_HEADERS[c]: pct for c in ("start_rate", "investment_rate", "schedule_rate")}
    config.update({PROGRAMME_HEADERS[c]: number for c in ("planned", "households", "planned_investment_wan",
                                                         "started", "completed", "completed_investment_wan")})
    st.dataframe(table.rename(columns=PROGRAMME_HEADERS), column_config=config, hide_index=True, height="content",
                 key=f"{key}_years")
    layout.chart(programme_district_figure(p["districts"], theme=theme, title=None), key=f"{key}_districts")


def unit(f: Filters) -> str:
    """What the rows of the overview's gauges and ranking are: cities in a province's view, else districts."""
    return "城市" if f.by_city else "区（市）"


def fast_slow(f: Filters) -> None:
    """快慢对比 on the overview, the bulletin's own sentence (全部开工, the fastest, the slowest)."""
    from bulletin.content import fast_slow_sentence

    st.markdown(f"**快慢对比**　{fast_slow_sentence(data.progress(*f.args, f.by_city), unit=unit(f))}")


def ranking(f: Filters, *, key: str) -> None:
    """The district ranking by start rate with 名次变化 against last week; a click on a row opens that district's
    page (区市) with the same filters. In a province's view the rows are cities, and a click chooses that city
    in the sidebar (its districts)."""
    from metrics.numbers import fmt_rank_change
    from metrics.progress import ranking_change
    from ui import reporting, tables

    now = data.progress(*f.args, f.by_city)
    moved = ranking_change(now, data.ranks(f.version, data.week_before(f.as_of), f.years, f.districts, f.by_city))
    # a ledger's date belongs to a district: a city's row has none of its own
    table, config = tables.ranking_table(moved, None if f.by_city else reporting.data_notes(*f.args))
    change = moved.sort_values("rank_start")["rank_change"] if len(moved) else []
    table.insert(1, "名次变化", [fmt_rank_change(v) for v in change])
    if f.by_city:
        table = table.rename(columns={"区市": "城市"})
        config["城市"] = config.pop("区市")
    st.caption(f"名次变化：与上周相比。点击一行{'查看该城市的各区（市）' if f.by_city else '打开该区（市）的页面'}。")
    event = st.dataframe(table, column_config=config, hide_index=True, key=key,
                         placeholder="—", on_select="rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    if rows:
        open_area(f, str(table["城市" if f.by_city else "区市"].iloc[rows[0]]))


def open_area(f: Filters, name: str) -> None:
    """What a click on a ranking row or a gauge opens: in a province's view the city `name`, chosen in the
    sidebar (its districts); else the district's page."""
    from ui import filters

    if f.by_city:
        filters.open_city(name)
        st.rerun()
    open_district(f, name)


def open_district(f: Filters, district: str) -> None:
    """Switch to the 区市 page showing `district`, keeping batch, date and the district filter."""
    st.session_state["focus_district"] = district
    params = {"batch": [str(y) for y in f.years], "date": f.as_of, "focus_district": district}
    if f.districts:
        params["district"] = list(f.districts)
    st.switch_page("views/district.py", query_params=params)


def gauges(f: Filters, fig, *, key: str, height: int | None = None, toolbar: bool = True) -> None:
    """The start-rate gauges (a district_gauges figure drawn with links=True); a click on a gauge opens what a
    ranking row opens (open_area)."""
    event = layout.chart(fig, key=key, height=height, toolbar=toolbar, select=True)
    points = event.selection.points if event is not None else []
    picked = [p.get("customdata") for p in points if p.get("customdata")]
    if picked:
        open_area(f, str(picked[0]))


def community_table(f: Filters, table, ids, *, key: str, theme: str, column_config: dict | None = None,
                    height: int | str = 380, panel: str | None = None) -> str | None:
    """A table of communities as shown (`table`: a frame, or a Styler of one; `ids`: the community id of each of
    its rows, in order). A click on a row shows that community's details and node timeline: under the table,
    or, with `panel`, where the page calls community_panel(f, picks, key=panel) for several tables, the latest
    click winning. Returns the id of the row selected (None)."""
    st.caption("点击一行查看该小区的基本情况和项目节点。")
    event = st.dataframe(table, column_config=column_config, hide_index=True, height=height, placeholder="—", key=key,
                         on_select=partial(_clicked, panel, key) if panel else "rerun", selection_mode="single-row")
    rows = event.selection.rows if event is not None else []
    ids = [str(i) for i in ids]
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if panel is None:
        community_panel(f, {key: picked}, key=key, theme=theme)
    return picked


def _clicked(panel: str, table_key: str) -> None:
    # which of the tables sharing `panel` was clicked last: its row is the one shown (the others keep theirs)
    st.session_state[f"{panel}_clicked"] = table_key


def community_panel(f: Filters, picks: dict, *, key: str, theme: str) -> None:
    """The details and node timeline of the community picked in one of the tables `picks` (table key -> id or
    None): the table clicked last, else the first with a row selected; nothing when none is."""
    from ui import tables

    picked = picks.get(st.session_state.get(f"{key}_clicked")) or next((p for p in picks.values() if p), None)
    community = data.community(*f.args, picked) if picked else None
    if community is None or community.empty:
        return
    row = community.iloc[0]
    details, timeline = st.columns([1, 2], gap="medium")
    with details:
        st.markdown(f"##### {markdown_text(row['name'])} · 基本情况")
        layout.table(tables.community_details(row), key=f"{key}_details", height=420)
    with timeline:
        community_timeline(f, community, key=f"{key}_timeline", theme=theme)


def community_timeline(f: Filters, community, *, key: str, theme: str) -> None:
    """One community's node timeline, planned against actual, titled with its name (shown as text)."""
    from figures.timeline import node_timeline

    layout.chart(node_timeline(community, f.as_of, theme=theme, title=f"{community.iloc[0]['name']} · 项目节点计划与实际"),
                 key=key)
