"""投资: cumulative and weekly completed investment, by district and funding source, against plan and last year."""
import streamlit as st

from ui import blocks, data, layout, tables
from ui.cards import investment_cards, show_cards

f = layout.page_header("投资 · 完成情况")
theme = layout.figure_theme()

show_cards(investment_cards(data.headline(*f.args)))

st.markdown(f"#### {blocks.trend_title(f)}")
blocks.investment_trend(f, theme=theme, key="investment_trend")

plan_column, weekly_column = st.columns(2, gap="medium")
with plan_column:
    st.markdown("#### 各区（市）计划与累计完成投资（万元）")
    layout.chart(data.figure("investment_by_district", *f.args, theme=theme), key="investment_by_district")
with weekly_column:
    st.markdown("#### 各区（市）每期新增完成投资（万元）")
    layout.chart(data.figure("weekly_investment", *f.args, theme=theme), key="investment_weekly")

st.markdown("#### 资金来源（万元）")
layout.chart(data.figure("funding", *f.args, theme=theme), key="investment_funding")

st.markdown("#### 各区（市）投资排名")
ranking, ranking_columns = tables.investment_table(data.progress(*f.args))
layout.table(ranking, ranking_columns, key="investment_ranking")
