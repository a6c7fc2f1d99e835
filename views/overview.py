"""总览: the weekly dispatch meeting's screen — where the programme stands, what changed, who is behind."""
import streamlit as st

from metrics.reporting import overview_note
from ui import blocks, data, layout, maps, reporting, tables
from ui.cards import changes_note, overview_cards, show_cards

f = layout.page_header("总览 · 周调度")
theme = layout.figure_theme()

st.caption(changes_note(data.week_before(f.as_of)))
show_cards(overview_cards(data.headline(*f.args),
                          data.headline(f.version, data.week_before(f.as_of), f.years, f.districts)))

if len(f.years) > 1:   # a programme of several batches (2022–2024): each year and district against plan
    blocks.programme(f, theme=theme, key="overview_programme")

st.markdown(f"#### 各{blocks.unit(f)}开工率　落后在前，颜色按序时进度预警")
st.caption(overview_note(reporting.weekly(f.version, f.as_of, f.cities), f.as_of_date))   # who reported
phone = layout.is_phone()     # a phone: the map fitted to its 390-pixel width
notes = {} if f.by_city else reporting.data_notes(*f.args)    # older ledgers are marked on their districts
blocks.gauges(f, data.figure("gauges", *f.args, theme=theme, notes=notes, by_city=f.by_city, links=True,
                             **layout.gauge_grid()), key="overview_gauges")
blocks.fast_slow(f)

left, right = st.columns([1, 1], gap="medium")
with left:
    st.markdown("#### 小区改造状态分布")
    maps.show_map(f, key="overview_map", theme=theme, height=460 if phone else 520, width=330 if phone else 600)
with right:
    st.markdown(f"#### {blocks.trend_title(f)}")
    blocks.investment_trend(f, theme=theme, key="overview_trend")

st.markdown("#### 项目节点进度　已达到各节点的小区（开工前看前期工作）")
layout.chart(data.figure("funnel", *f.args, theme=theme, height=400), key="overview_funnel")

st.markdown(f"#### 节点预警　红：已逾期　黄：{data.due_soon_days()}天内到期")
alert_view = data.alerts_view(*f.args)
st.caption(tables.alerts_note(alert_view))
alerts, alert_columns = tables.alerts_table(alert_view["rows"])
blocks.community_table(f, alerts, alert_view["rows"]["community_id"], key="overview_alerts",
                       theme=theme, column_config=alert_columns, height="auto")

st.markdown(f"#### 各{blocks.unit(f)}排名　按开工率，并列投资排名")
blocks.ranking(f, key="overview_ranking")
