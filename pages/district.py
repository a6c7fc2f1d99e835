"""区市: one district's indicators, gauge, trend, communities, node timeline and overdue nodes."""
import streamlit as st

from figures.gauges import district_gauges
from figures.text import markdown_text
from figures.timeline import node_timeline
from ui import data, layout, tables
from ui.cards import changes_note, overview_cards, show_cards

f = layout.page_header("区市 · 分区调度")
theme = layout.figure_theme()
names = data.map_options(*f.args)["districts"]
if not names:
    st.info("所选条件下没有区市台账。")
    st.stop()

district = st.columns([1, 3])[0].selectbox("选择区市", names, key="focus_district", bind="query-params")
heading = markdown_text(district)   # the district name as written, in the headings below
one = (f.version, f.as_of, f.years, (district,))

st.caption(changes_note(data.week_before(f.as_of)))
show_cards(overview_cards(data.headline(*one), data.headline(f.version, data.week_before(f.as_of), f.years, (district,))))

gauge_column, trend_column = st.columns([1, 2], gap="medium")
with gauge_column:
    st.markdown(f"#### {heading}开工率")
    layout.chart(district_gauges(data.progress(*one), columns=1, theme=theme), key="district_gauge")
with trend_column:
    st.markdown(f"#### {heading}{f.year}年度累计完成投资")
    layout.chart(data.trend_figure(f.version, f.as_of, f.year, (district,), theme=theme), key="district_trend")

st.markdown(f"#### {heading}小区台账")
communities, community_columns = tables.ledger_view(data.ledger(*one), tables.COMMUNITY_COLUMNS)
layout.table(communities, community_columns, key="district_communities", height=380)

st.markdown("#### 项目节点计划与实际　延误最多的小区在上，红色为延误节点")
layout.chart(node_timeline(data.ledger(*one), f.as_of, theme=theme, title=None), key="district_timeline")

st.markdown(f"#### {heading}逾期与临期节点")
alert_view = data.alerts_view(*one)
st.caption(tables.alerts_note(alert_view))
alerts, alert_columns = tables.alerts_table(alert_view["rows"])
layout.table(tables.light_style(alerts, "预警"), alert_columns, key="district_alerts")
