"""总览: the weekly dispatch meeting's screen — where the programme stands, what changed, who is behind."""
import streamlit as st

from ui import data, layout, maps, tables
from ui.cards import changes_note, overview_cards, show_cards

f = layout.page_header("总览 · 周调度")
theme = layout.figure_theme()

st.caption(changes_note(data.week_before(f.as_of)))
show_cards(overview_cards(data.headline(*f.args),
                          data.headline(f.version, data.week_before(f.as_of), f.years, f.districts)))

st.markdown("#### 各区（市）开工率　落后在前，颜色按序时进度预警")
layout.chart(data.gauges_figure(*f.args, theme=theme), key="overview_gauges")

left, right = st.columns([1, 1], gap="medium")
with left:
    st.markdown("#### 小区改造状态分布")
    maps.show_map(f, key="overview_map", theme=theme, height=520)
with right:
    st.markdown(f"#### {f.year}年度累计完成投资")
    layout.chart(data.trend_figure(f.version, f.as_of, f.year, f.districts, theme=theme), key="overview_trend")

st.markdown("#### 节点预警　红：已逾期　黄：14天内到期")
alert_view = data.alerts_view(*f.args)
st.caption(tables.alerts_note(alert_view))
alerts, alert_columns = tables.alerts_table(alert_view["rows"])
layout.table(tables.light_style(alerts, "预警"), alert_columns, key="overview_alerts")

st.markdown("#### 各区（市）排名　按开工率，并列投资排名")
ranking, ranking_columns = tables.ranking_table(data.progress(*f.args))
layout.table(tables.light_style(ranking, "预警"), ranking_columns, key="overview_ranking")
