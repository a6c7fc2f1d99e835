"""通报: the weekly bulletin of the selected report date (shared filters) — preview, then the Word document, the
workbook, the chart images and the work-group text. A past date gives that week's bulletin as it was.

The content (figures, wording, tables, charts) is cached and shown at once; the Word document, the workbook and
the chart images are built in a background worker (ui.bulletin_files) and their buttons appear when they are
ready: the chart images alone take seconds."""
import streamlit as st

from bulletin.build import file_names
from bulletin.content import BulletinError
from ui import bulletin_blocks, bulletin_files, layout

f = layout.page_header("通报 · 工作动态周通报")
left, right = st.columns([1, 3])
with left:
    issue = st.number_input("期数（留空则按周次自动编号）", min_value=1, step=1, value=None, key="bulletin_issue")
issue = int(issue) if issue else None

try:
    c = bulletin_blocks.content(f.version, f.as_of, f.years, f.districts, issue)
except BulletinError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()

st.markdown("#### 下载")
files_column, text_column = st.columns([2, 1])
text_column.download_button("工作群文字（TXT）", c.wechat_text.encode("utf-8"), file_names(c)["txt"], "text/plain",
                            icon=":material/chat:", key="download_txt", width="stretch")

st.markdown("#### 工作群文字")
st.text_area(f"共{len(c.wechat_text)}字（不超过300字）", c.wechat_text, height=120, key="bulletin_wechat")

st.markdown("#### 预览")
bulletin_blocks.preview(c)

# Started after the preview is drawn, so the worker's Python work does not delay it (one GIL), and drawn in the
# download row above it.
key = (f.version, f.as_of, f.years, f.districts, c.issue_number)
bulletin_files.start(key, c)
ready = bulletin_files.outcome(key) is not None
with files_column:
    poll = None if ready else bulletin_blocks.POLL_SECONDS
    st.fragment(bulletin_blocks.download_buttons, run_every=poll)(key, c, not ready)
