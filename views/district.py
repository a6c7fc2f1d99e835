"""区市: one district's indicators, gauge, trend, communities, node timeline and overdue nodes."""

import streamlit as st

from figures.gauges import district_gauges
from figures.text import markdown_text
from ui import blocks, data, layout, reporting, tables
from ui.cards import changes_note, overview_cards, show_cards

f = layout.page_header("区市 · 分区调度", caption=False)
theme = layout.figure_theme()
names = data.districts_in_state(*f.args)
if not names:
    st.info("所选条件下没有区市台账。")
    st.stop()

line = st.container()   # the data line, above the picker, names the district shown (not 全市)
district = st.columns([1, 3])[0].selectbox("选择区市", names, key="focus_district", bind="query-params")
focus = f.only(district)
notes = reporting.data_notes(*focus.args)   # this district's figures from an older ledger: said on its data line
with line:
    layout.data_caption(focus)
    if district in notes:
        st.caption(f"注意：{markdown_text(district)}的图表和数字来自旧台账，{notes[district]}。")
one = focus.args
heading = markdown_text(district)   # the district name as written, in the headings below

st.caption(changes_note(data.week_before(f.as_of)))
show_cards(overview_cards(data.headline(*one), data.headline(f.version, data.week_before(f.as_of), f.years, (district,))))

gauge_column, trend_column = st.columns([1, 2], gap="medium")
with gauge_column:
    st.markdown(f"#### {heading}开工率")
    layout.chart(district_gauges(data.progress(*one), columns=1, theme=theme, notes=notes), key="district_gauge")
with trend_column:
    st.markdown(f"#### {heading}{blocks.trend_title(focus)}")
    blocks.investment_trend(focus, theme=theme, key="district_trend")

st.markdown(f"#### {heading}小区台账")
communities = data.ledger(*one)
table, columns = tables.ledger_view(communities, tables.COMMUNITY_COLUMNS)
blocks.community_table(focus, table, communities["community_id"], key="district_communities", theme=theme,
                       column_config=columns)

st.markdown("#### 项目节点计划与实际　延误最多的小区在上，红色为延误节点")
layout.chart(data.figure("timeline", *one, theme=theme), key="district_timeline")

st.markdown(f"#### {heading}逾期与临期节点")
alert_view = data.alerts_view(*one)
st.caption(tables.alerts_note(alert_view))
alerts, alert_columns = tables.alerts_table(alert_view["rows"])
blocks.community_table(focus, alerts, alert_view["rows"]["community_id"],
                       key="district_alerts", theme=theme, column_config=alert_columns, height="auto")
