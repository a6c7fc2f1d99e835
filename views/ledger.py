"""台账: the ledger table with search and print-ready downloads, uploading a new ledger, the snapshot history."""
import streamlit as st

from exports import excel_bytes, ledger_csv, ledger_excel, ledger_table
from exports.tables import ledger_number_formats
from figures.text import markdown_text
from metrics.numbers import fmt_date_cn
from loaders.store import StoreError
from ui import auth, blocks, data, layout, tables, upload
from ui.snapshots import snapshot_actions

ROW_LIMIT = 5000  # rows drawn on the page; the downloads hold every matching row
PRINT_COLUMNS = ["community_id", "name", "district", "street", "status", "households", "planned_investment_wan",
                 "completed_investment_wan", "plan_start", "actual_start", "plan_completion", "actual_completion",
                 "responsible"]

f = layout.page_header("台账 · 明细与导入", stop_when_empty=False)
if f is not None:
    search = st.text_input("搜索", key="ledger_search", placeholder="输入表中任一列的内容：小区名称、编号、街道、进度、改造内容、责任人……",
                           bind="query-params")
    found, shown = data.search_page(*f.args, search, ROW_LIMIT)
    table, columns = tables.ledger_view(shown)
    note = f"共{found:,}个小区" + (f"，页面显示前{ROW_LIMIT:,}行，下载包含全部{found:,}行" if found > ROW_LIMIT else "")
    st.caption(f"{note}。点击表头排序。")
    blocks.community_table(f, table, shown["community_id"], key="ledger_table",
                           theme=layout.figure_theme(), column_config=columns, height=460)
    stem = f"老旧小区改造台账_{f.as_of}"
    downloads = st.container(horizontal=True)
    title = f"老旧小区改造台账（截至{fmt_date_cn(f.as_of)}）"
    # 打印格式: the columns a reader needs on paper (a 42-column sheet fitted to one A4 width is unreadable),
    # a title row with the 截至 date, repeated in every page's header; 全部列: every column, for further work in Excel.
    downloads.download_button("下载 Excel（打印格式）", data=lambda: excel_bytes(
                                  {"台账": ledger_table(data.search(*f.args, search), PRINT_COLUMNS)}, title=title, title_row=True,
                                  number_formats=ledger_number_formats()), file_name=f"{stem}_打印.xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              icon=":material/print:", key="download_xlsx", on_click="ignore")
    downloads.download_button("下载 Excel（全部列）", data=lambda: ledger_excel(data.search(*f.args, search), title=title),
                              file_name=f"{stem}.xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              icon=":material/download:", key="download_xlsx_all", on_click="ignore")
    downloads.download_button("下载 CSV", data=lambda: ledger_csv(data.search(*f.args, search)), file_name=f"{stem}.csv", mime="text/csv",
                       icon=":material/download:", key="download_csv", on_click="ignore")

st.markdown("#### 上传台账")
message = upload.last_import_message()
if message:
    st.success(message, icon=":material/check_circle:")
may_upload = auth.permitted("import")
if not may_upload:
    st.info("上传台账需要以市级管理员或区市填报员的账号登录（左侧栏“登录”）；区市填报员只能上传本区市的台账。",
            icon=":material/lock:")
uploaded = None if not may_upload else upload.file_input("选择一个区市或全市的周报台账（Excel 或 CSV）",
                                                         key=upload.form_key("ledger_upload"))
o1, o2, _ = st.columns([1, 1, 2])
report_date = o1.date_input("截至日期（文件未注明时填写）", value=None, key=upload.form_key("upload_report_date"),
                             format="YYYY-MM-DD")
batch_year = o2.number_input("改造年度（文件未注明时填写）", value=None, min_value=2000, max_value=2100, step=1,
                             key=upload.form_key("upload_batch_year"))
if uploaded is not None:
    check = upload.check(uploaded, report_date, batch_year)
    if check.unreadable:
        st.error(upload.unreadable_message(check), icon=":material/block:")
    elif check.refusal:
        st.error(markdown_text(check.refusal), icon=":material/block:")
    else:
        st.markdown(upload.summary(check))
        report = tables.issues_table(check.result)
        if len(report):
            layout.table(report, key="upload_report", height=min(420, 38 + 35 * len(report)))
        if not check.importable:
            st.error("此文件有错误（或缺少截至日期），不能导入；数据库未作任何改动。请按上表改正后重新上传。",
                     icon=":material/block:")
        else:
            replace = False
            if check.duplicates:
                st.warning(upload.duplicates_message(check), icon=":material/warning:")
                replace = st.checkbox("替换这些快照（原版本保留在数据库中，可恢复）", key="upload_replace")
            if st.button("确认导入", type="primary", key="upload_confirm", disabled=bool(check.duplicates) and not replace):
                try:
                    upload.confirm_import(check, replace)
                    st.rerun()
                except StoreError as exc:
                    st.error(markdown_text(f"未导入：{exc}"), icon=":material/block:")

st.markdown("#### 快照历史")
history, history_columns = tables.snapshot_table(data.snapshots(data.version()))
layout.table(history, history_columns, key="snapshot_history", height=360)
snapshot_actions()
