"""通报: the weekly bulletin of the selected report date (shared filters) — preview, then the Word document, the
workbook, the chart images and the work-group text. A past date gives that week's bulletin as it was."""
import html

import streamlit as st

from bulletin.build import generate
from bulletin.content import BulletinError
from bulletin.render import RenderError
from bulletin import model
from bulletin.cells import display_frame
from figures.text import markdown_text
from ui import data, layout
from ui.tables import light_style

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner="正在生成通报…", max_entries=8)
def bulletin_files(version: str, as_of: str, years: tuple, districts: tuple, issue: int | None, images: bool):
    """The bulletin's files, keyed by the store version and the filters (never by a frame)."""
    return generate(data.store(), as_of, list(years), list(districts) or None, issue, images=images)


f = layout.page_header("通报 · 工作动态周通报")
left, right = st.columns([1, 3])
with left:
    issue = st.number_input("期数（留空则按周次自动编号）", min_value=1, step=1, value=None, key="bulletin_issue")
issue = int(issue) if issue else None

try:
    try:
        files = bulletin_files(f.version, f.as_of, f.years, f.districts, issue, True)
    except RenderError as exc:  # no Chromium on this server: the document without its charts
        st.warning(f"{exc} 本期通报暂不含图表。", icon=":material/warning:")
        files = bulletin_files(f.version, f.as_of, f.years, f.districts, issue, False)
except BulletinError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()

c = files.content
names = files.file_names()

st.markdown("#### 下载")
cols = st.columns(3)
cols[0].download_button("通报（Word）", files.docx, names["docx"], DOCX, icon=":material/description:",
                        key="download_docx", width="stretch")
cols[1].download_button("表格（Excel）", files.xlsx, names["xlsx"], XLSX, icon=":material/table:",
                        key="download_xlsx", width="stretch")
cols[2].download_button("工作群文字（TXT）", files.text.encode("utf-8"), names["txt"], "text/plain",
                        icon=":material/chat:", key="download_txt", width="stretch")
if files.pngs:
    png_cols = st.columns(max(len(files.pngs), 1))
    for col, (key, png) in zip(png_cols, files.pngs.items()):
        col.download_button(f"{c.charts[key].title.split()[0]} 图片（PNG）", png, names[f"png:{key}"], "image/png",
                            icon=":material/image:", key=f"download_png_{key}", width="stretch")

st.markdown("#### 工作群文字")
st.text_area(f"共{len(files.text)}字（不超过300字）", files.text, height=120, key="bulletin_wechat")

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
