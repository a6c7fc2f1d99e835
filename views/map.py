"""地图: communities by status over the district boundaries; pick one to see its details and node timeline."""
import streamlit as st

from metrics.status import STATUS_GROUP_NAMES
from ui import blocks, data, layout, maps, tables

f = layout.page_header("地图 · 小区改造状态")
theme = layout.figure_theme()
options = data.map_options(*f.args)

c1, c2, c3, c4, c5 = st.columns([3, 3, 2, 3, 2], vertical_alignment="bottom")
groups = c1.multiselect("小区状态", STATUS_GROUP_NAMES, key="map_status", placeholder="全部状态",
                        persist_state="session")
map_districts = c2.multiselect("区市", options["districts"], key="map_district", placeholder="全部区市",
                               persist_state="session")
classes = c3.multiselect("改造类型", options["classes"], key="map_class", placeholder="全部类型",
                         persist_state="session")
bundles = c4.multiselect("打包项目", options["bundles"], key="map_bundle", placeholder="全部项目",
                         persist_state="session")
choropleth = c5.toggle("区市开工率图层", key="map_choropleth", persist_state="session")

st.caption(maps.count_note(data.map_counts(*f.args, tuple(groups), tuple(map_districts), tuple(classes),
                                           tuple(bundles)), f.by_city))

map_column, detail_column = st.columns([3, 1], gap="medium")
with map_column:
    picked = maps.show_map(f, key="community_map", theme=theme, groups=groups, map_districts=map_districts,
                           classes=classes, bundles=bundles, choropleth=choropleth, height=640, width=900, selectable=True,
                           legend=False)
with detail_column:
    st.markdown(maps.legend_html(choropleth, vertical=True), unsafe_allow_html=True)
    st.markdown("#### 小区详情")
    community = data.community(*f.args, picked) if picked else None
    if community is None or community.empty:
        st.info("在地图上点击一个小区，这里显示它的基本情况和项目节点。")
    else:
        layout.table(tables.community_details(community.iloc[0]), key="community_details", height=480)

if community is not None and not community.empty:
    blocks.community_timeline(f, community, key="community_timeline", theme=theme)

with st.expander("保存地图图片", icon=":material/image:"):
    st.caption("点击图片右上角的相机按钮（下载为PNG图片）保存。")
    layout.chart(data.map_image(*f.args, tuple(groups), tuple(map_districts), tuple(classes), tuple(bundles), theme),
                 key="map_image", filename="老旧小区改造地图_" + f.as_of)
