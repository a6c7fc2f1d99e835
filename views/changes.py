"""本周变化: what changed since last week (or any earlier report date) — communities started and completed, nodes
that became overdue, districts whose light changed colour, the biggest movers, and the two dates side by side."""
import streamlit as st

from metrics.numbers import fmt_date_cn, fmt_int
from ui import blocks, changes, data, layout, tables

f = layout.page_header("本周变化 · 两期对比")
theme = layout.figure_theme()
dates = [d for d in data.report_dates(f.version, f.years) if d < f.as_of]
if not dates:
    st.info("所选日期之前没有更早的周报，无法对比。")
    st.stop()
default = data.comparison_date(f.version, f.as_of, f.years)
before = st.columns([1, 3])[0].selectbox("对比日期（较早一期）", dates, index=dates.index(default) if default in dates else 0,
                                         format_func=fmt_date_cn, key="changes_before")
c = data.week_changes(*f.args, before)
st.caption(f"{fmt_date_cn(before)} → {fmt_date_cn(f.as_of)}")

cols = st.columns(4)
cols[0].metric("新开工小区", f"{fmt_int(len(c['started']))}个", border=True)
cols[1].metric("新完工小区", f"{fmt_int(len(c['completed']))}个", border=True)
cols[2].metric("新增逾期节点", f"{fmt_int(len(c['overdue']))}个", border=True)
cols[3].metric("预警颜色变化的区市", f"{fmt_int(len(c['lights']))}个", border=True)

st.markdown(changes.movers_line(c["movers"]))

if len(c["lights"]):
    st.markdown("#### 预警颜色变化")
    st.markdown("　".join(f"{r['district']}：{r['light_before']} → {r['light']}" for _, r in c["lights"].iterrows()))

# three tables of communities, one details panel under them: the row clicked last
picks = {}
started_column, completed_column = st.columns(2, gap="medium")
for column, kind, title in ((started_column, "started", "新开工小区"), (completed_column, "completed", "新完工小区")):
    with column:
        st.markdown(f"#### {title}（{fmt_int(len(c[kind]))}个）")
        picks[f"changes_{kind}"] = blocks.community_table(f, changes.communities_table(c[kind]), c[kind]["community_id"],
                                                          key=f"changes_{kind}", theme=theme, height=300,
                                                          panel="changes")

st.markdown(f"#### 新增逾期节点（{fmt_int(len(c['overdue']))}个）")
overdue, overdue_columns = tables.alerts_table(c["overdue"].head(200))
picks["changes_overdue"] = blocks.community_table(f, overdue, c["overdue"].head(200)["community_id"],
                                                  key="changes_overdue", theme=theme, column_config=overdue_columns,
                                                  height=300, panel="changes")
blocks.community_panel(f, picks, key="changes", theme=theme)

st.markdown("#### 各区（市）两期对比")
movers, movers_columns = changes.movers_table(c["movers"])
layout.table(movers, movers_columns, key="changes_movers", height="content")
