"""报送: who has sent the selected week's ledger (on time, late, not at all), the 催报 text, each district's weeks."""
import pandas as pd
import streamlit as st

from metrics import reporting
from metrics.numbers import fmt_date_cn
from ui import layout
from ui import reporting as rep

HISTORY_WEEKS = 12

f = layout.page_header("报送 · 各区市周报情况")
day = f.as_of_date
due = reporting.deadline_of(day, rep.deadline())
st.caption(f"本周：{reporting.week_label(day)}，报送截止 {due.strftime('%Y-%m-%d %H:%M')}（{rep.deadline().label()}）。"
           "按收到台账的时间判断按时或逾期；撤回的台账不算已报送。")
status = rep.weekly(f.version, f.as_of, f.cities)   # the cities in view
counts = status["state"].value_counts()
cols = st.columns(3)
for col, state in zip(cols, (reporting.ON_TIME, reporting.LATE, reporting.MISSING)):
    col.metric(state, f"{int(counts.get(state, 0))}个区市")

table = pd.DataFrame({
    "区市": status["district"],
    "报送状态": status["state"],
    "逾期": status["late_text"],
    "截至日期": [fmt_date_cn(d) if d else "" for d in status["report_date"]],
    "收到时间": [t.strftime("%Y-%m-%d %H:%M") if t is not None and not pd.isna(t) else "" for t in status["received_at"]],
    "报送人": status["sender"],
    "来源文件": status["source_name"],
    "最近一次报送": [fmt_date_cn(d) if d else "尚未报送过" for d in status["last_report_date"]],
})
layout.table(table, key="reporting_status")

st.markdown("#### 催报通知　可直接复制到工作群")
st.code(reporting.reminder_text(status, day, rep.deadline(), f.region), language=None, wrap_lines=True)

st.markdown(f"#### 近{HISTORY_WEEKS}周报送情况")
layout.table(rep.history(f.version, f.as_of, HISTORY_WEEKS, f.cities), key="reporting_history")
