"""大屏: the meeting-room display — headline figures with the change since last week, the ten start-rate gauges,
the city map, the investment trend and the laggards on one 1920×1080 screen. It redraws itself when a new ledger
is imported (the store version is polled) and can rotate through the districts."""
import time

import streamlit as st

from figures.gauges import district_gauges
from metrics.numbers import fmt_date_cn
from ui import bigscreen, blocks, data, layout, maps, reporting
from ui.cards import overview_cards
from ui.filters import show_latest_next_run

POLL_SECONDS = 10       # how soon a newly imported ledger reaches the screen (a version read is one query)
ROTATE_SECONDS = 20     # how long each district stays on screen when rotating

f = layout.current_or_none()
bigscreen.frame()
if f is None:
    st.info(layout.EMPTY_STORE)
    st.stop()
theme = layout.figure_theme()
names = data.districts_in_state(*f.args)


@st.fragment(run_every=POLL_SECONDS)
def watch_store(shown_version: str) -> None:
    """Rerun the whole screen at the newest report date once the store holds a newer version (an import from
    the CLI or the 台账 page)."""
    if data.version() != shown_version:
        show_latest_next_run()
        st.rerun(scope="app")


@st.fragment(run_every=ROTATE_SECONDS)
def rotate() -> None:
    """Every ROTATE_SECONDS the next district. The body also runs inside every full run of the page: it moves
    on only when the time is up, so a full run never turns (and never loops)."""
    now = time.monotonic()
    turned_at = st.session_state.setdefault("bigscreen_turned_at", now)
    if now - turned_at >= ROTATE_SECONDS - 1:
        st.session_state["bigscreen_turn"] = st.session_state.get("bigscreen_turn", 0) + 1
        st.session_state["bigscreen_turned_at"] = now
        st.rerun(scope="app")


watch_store(f.version)
rotating = bool(st.session_state.get("bigscreen_rotate")) and names
if rotating:
    rotate()
    focus = f.only(names[st.session_state.get("bigscreen_turn", 0) % len(names)])
else:
    focus = f

top = st.columns([6, 1], vertical_alignment="center")
top[0].html(bigscreen.title_html(f"{layout.app_title()} · 周调度",
                                 f"数据截至{fmt_date_cn(f.as_of)} · {focus.area} · "
                                 + "、".join(f"{y}年度" for y in f.years) + " · 较上周变化"))
top[1].toggle("轮播区市", key="bigscreen_rotate", help=f"每{ROTATE_SECONDS}秒切换一个区市")

st.html(bigscreen.tiles_html(overview_cards(data.headline(*focus.args),
                                            data.headline(focus.version, data.week_before(focus.as_of), focus.years,
                                                          focus.districts))))

st.html(f'<div class="bs-section">各{blocks.unit(f)}开工率　落后在前，刻线为序时进度</div>')
# districts shown with an older ledger: marked on gauges and laggards (a province's city rows have no ledger date)
notes = {} if f.by_city else reporting.data_notes(*f.args)
progress = data.progress(*f.args, f.by_city)
gauges = district_gauges(progress, theme=theme, note=False, notes=notes, note_inline=True, links=True,
                         **layout.gauge_grid(**bigscreen.gauge_grid(len(progress))))
blocks.gauges(f, gauges if layout.is_phone() else bigscreen.gauges_for_screen(gauges, len(progress)),
              key="bigscreen_gauges", height=None if layout.is_phone() else bigscreen.GAUGE_BAND, toolbar=False)

map_column, trend_column, laggard_column = st.columns([5, 5, 4], gap="small")
with map_column:
    st.html('<div class="bs-section">小区改造状态分布</div>')
    maps.show_map(focus, key="bigscreen_map", theme=theme, height=310, width=330 if layout.is_phone() else 640,
                  legend=False)
with trend_column:
    st.html(f'<div class="bs-section">{blocks.trend_title(focus).split("　")[0]}（亿元）</div>')
    blocks.investment_trend(focus, theme=theme, key="bigscreen_trend", height=310, toolbar=False)
with laggard_column:
    st.html(f'<div class="bs-section">进度滞后{"城市" if f.by_city else "区市"}</div>')
    behind, more = bigscreen.laggards(progress)
    st.html(bigscreen.laggards_html(behind, notes, more))
    st.html(bigscreen.week_html(data.week_changes(*focus.args, data.comparison_date(f.version, f.as_of, f.years))))
