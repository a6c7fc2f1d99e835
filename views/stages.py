"""阶段: the stage funnel before and after 开工 — as of the selected date, over time, and by district."""
import streamlit as st

from ui import data, layout

f = layout.page_header("阶段 · 项目节点进度")
theme = layout.figure_theme()
st.caption("每个节点统计已达到该节点及以后节点的小区（按实际完成时间）；括号内为占计划改造小区的比例。")

now_column, history_column = st.columns([2, 3], gap="medium")
with now_column:
    st.markdown("#### 截至所选日期")
    layout.chart(data.figure("funnel", *f.args, theme=theme), key="stages_funnel")
with history_column:
    st.markdown("#### 各节点完成小区数走势")
    layout.chart(data.figure("funnel_history", *f.args, theme=theme), key="stages_history")

st.markdown("#### 各区（市）节点完成情况　颜色越深，达到该节点的小区占比越高")
layout.chart(data.figure("funnel_by_district", *f.args, theme=theme), key="stages_districts")
