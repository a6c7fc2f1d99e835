"""审计: the audit log for city administrators, filtered by user, district, action and date, with an Excel file."""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from exports.writers import excel_bytes
from loaders import accounts, audit, config
from ui import auth, data

st.markdown("## 审计 · 操作记录")
if not auth.permitted("audit"):
    st.warning(f"只有{'省级或' if config.is_province() else ''}市级管理员可以查看审计记录。", icon=":material/lock:")
    st.stop()

check = audit.verify(data.store())
(st.success if check.ok else st.error)(check.message, icon=":material/verified:" if check.ok else ":material/gpp_bad:")

entries = audit.entries(data.store())
cities = auth.visible_cities()
own = [d for c in cities for d in config.city_district_names(c)]
if len(cities) < len(config.city_names()):
    # a city administrator at province level: the entries about its city (its districts, or its city's name,
    # which its own accounts carry), not the other cities'
    entries = [e for e in entries if set(e.districts) & {*cities, *own}]
frame = pd.DataFrame({
    "序号": [e.id for e in entries],
    "时间": [e.time[:19].replace("T", " ") for e in entries],
    "用户": [e.user for e in entries],
    "角色": [accounts.ROLE_LABELS.get(e.role, e.role) for e in entries],
    "区市": ["、".join(e.districts) for e in entries],
    "操作": [audit.ACTIONS.get(e.action, e.action) for e in entries],
    "结果": [audit.OUTCOMES.get(e.outcome, e.outcome) for e in entries],
    "原因": [e.reason for e in entries],
    "文件": [e.file_name for e in entries],
    "文件SHA-256": [e.file_sha256 for e in entries],
    "截至日期": [e.report_date for e in entries],
    "行数": ["" if e.rows is None else str(e.rows) for e in entries],
    "账号": [str(e.detail.get("account", "")) for e in entries],
    "日期": [date.fromisoformat(e.time[:10]) for e in entries],
})

c1, c2, c3, c4 = st.columns(4)
users = c1.multiselect("用户", sorted(set(frame["用户"])), key="audit_users", placeholder="全部用户")
districts = c2.multiselect("区市", own, key="audit_districts", placeholder="全部区市")
actions = c3.multiselect("操作", list(audit.ACTIONS.values()), key="audit_actions", placeholder="全部操作")
today = audit.now().date()
first = min(frame["日期"]) if len(frame) else today
span = c4.date_input("日期", value=(max(first, today - timedelta(days=30)), today), key="audit_dates",
                     format="YYYY-MM-DD")

shown = frame
if users:
    shown = shown[shown["用户"].isin(users)]
if districts:
    shown = shown[shown["区市"].map(lambda text: any(d in text.split("、") for d in districts))]
if actions:
    shown = shown[shown["操作"].isin(actions)]
if isinstance(span, tuple) and len(span) == 2:
    shown = shown[(shown["日期"] >= span[0]) & (shown["日期"] <= span[1])]
shown = shown.drop(columns=["日期"]).iloc[::-1]
st.caption(f"共{len(shown):,}条记录（全部{len(frame):,}条），最新的在前。")
st.dataframe(shown, hide_index=True, key="audit_table", height=480)


st.download_button("下载 Excel", data=lambda: excel_bytes({"审计记录": shown}, title="审计记录"), file_name=f"审计记录_{today.isoformat()}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", key="audit_download", on_click="ignore")
