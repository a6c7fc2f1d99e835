"""通报: the weekly bulletin of the selected report date (shared filters) — preview, then the Word document, the
workbook, the chart images and the work-group text. A past date gives that week's bulletin as it was.

The content (figures, wording, tables, charts) is cached and shown at once; the Word document, the workbook and
the chart images are built in a background worker (ui.bulletin_files) and their buttons appear when they are
ready: the chart images alone take seconds."""
import html

import streamlit as st

from bulletin import model
from bulletin.build import file_names
from bulletin.cells import display_frame
from bulletin.content import BulletinError, build_content
from figures.text import markdown_text
from ui import bulletin_files, data, layout
from ui.tables import light_style

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_SECONDS = 1    # how often the download block asks whether the worker has finished


@st.cache_data(show_spinner="正在生成通报…", max_entries=8)
def bulletin_content(version: str, as_of: str, years: tuple, districts: tuple, issue: int | None):
    """The bulletin's content, keyed by the store version and the filters (never by a frame)."""
    return build_content(data.store(), as_of, list(years), list(districts) or None, issue)


def download_buttons(key: tuple, c: model.BulletinContent, polling: bool) -> None:
    """The Word, Excel and image buttons once the worker has built the files; until then a note. The page's
    full run starts this block polling (run_every) while the files are pending, and the one poll that finds them
    ready reruns the page, which draws the block again without polling."""
    done = bulletin_files.outcome(key)
    if done is None:
        st.caption("正在生成 Word、Excel 文件和图表图片，完成后在此处提供下载…")
        return
    if polling:
        st.rerun(scope="app")
    if done.incident:
        layout.show_incident(done.incident, "通报文件生成失败，未能提供下载")
        if st.button("重新生成", icon=":material/refresh:", key="bulletin_retry"):
            bulletin_files.discard(key)
            st.rerun(scope="app")
        return
    if done.warning:
        st.warning(done.warning, icon=":material/warning:")
    files, names = done.files, file_names(c)
    cols = st.columns(2)
    cols[0].download_button("通报（Word）", files.docx, names["docx"], DOCX, icon=":material/description:",
                            key="download_docx", width="stretch")
    cols[1].download_button("表格（Excel）", files.xlsx, names["xlsx"], XLSX, icon=":material/table:",
                            key="download_xlsx", width="stretch")
    if files.pngs:
        png_cols = st.columns(len(files.pngs))
        for col, (chart, png) in zip(png_cols, files.pngs.items()):
            col.download_button(f"{c.charts[chart].title.split()[0]} 图片（PNG）", png, names[f"png:{chart}"],
                                "image/png", icon=":material/image:", key=f"download_png_{chart}", width="stretch")


f = layout.page_header("通报 · 工作动态周通报")
left, right = st.columns([1, 3])
with left:
    issue = st.number_input("期数（留空则按周次自动编号）", min_value=1, step=1, value=None, key="bulletin_issue")
issue = int(issue) if issue else None

try:
    c = bulletin_content(f.version, f.as_of, f.years, f.districts, issue)
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
with st.container(border=True):
    # The bulletin's text holds community names from the ledgers: markdown_text on every line (html.escape in
    # the one HTML line), so nothing from a file is rendered as markup.
    st.markdown(f"<h3 style='text-align:center;color:#c00000'>{html.escape(c.title)}</h3>"
                f"<p style='text-align:center'>（第{c.issue_number}期）</p>", unsafe_allow_html=True)
    st.caption(markdown_text(f"{c.office}　　{c.date_line}"))
    for section in c.sections:
        st.markdown(f"##### {markdown_text(section.heading)}")
        for block in section.blocks:
            if isinstance(block, model.Paragraph):
                st.markdown(markdown_text(block.text))
            elif isinstance(block, model.Subheading):
                st.markdown(f"**{markdown_text(block.text)}**")
            elif isinstance(block, model.TableRef):
                table = c.tables[block.key]
                st.caption(markdown_text(table.title))
                frame = display_frame(table)
                if "预警" in frame.columns:
                    frame = light_style(frame, "预警")
                # height="content": a 10-district table and its 合计 row, whole, with no inner scroll
                st.dataframe(frame, hide_index=True, key=f"bulletin_table_{block.key}", height="content")
                if table.note:
                    st.caption(markdown_text(table.note))
            elif isinstance(block, model.ChartRef):
                layout.chart(c.charts[block.key].figure, key=f"bulletin_chart_{block.key}")
                st.caption(markdown_text(c.charts[block.key].title))

# Started after the preview is drawn, so the worker's Python work does not delay it (one GIL), and drawn in the
# download row above it.
key = (f.version, f.as_of, f.years, f.districts, c.issue_number)
bulletin_files.start(key, c)
ready = bulletin_files.outcome(key) is not None
with files_column:
    st.fragment(download_buttons, run_every=None if ready else POLL_SECONDS)(key, c, not ready)
