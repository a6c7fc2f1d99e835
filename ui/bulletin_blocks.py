"""The 通报 page's blocks: the bulletin's cached content, its preview, and the download row whose files the
background worker (ui.bulletin_files) builds."""
import html

import streamlit as st

from bulletin import model
from bulletin.build import file_names
from bulletin.cells import display_frame
from bulletin.content import build_content
from figures.text import markdown_text
from ui import bulletin_files, data, layout
from ui.tables import with_lights

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL_SECONDS = 1    # how often the download block asks whether the worker has finished


@st.cache_data(show_spinner="正在生成通报…", max_entries=8)
def content(version: str, as_of: str, years: tuple, districts: tuple, issue: int | None):
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


def preview(c: model.BulletinContent) -> None:
    """The bulletin as the Word document reads: title, sections, tables (whole, with their 合计 row), charts."""
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
                    frame, config = display_frame(table), {}
                    if "预警" in frame.columns:
                        frame, config = with_lights(frame, config, "预警")
                    # height="content": a 10-district table and its 合计 row, whole, with no inner scroll
                    st.dataframe(frame, column_config=config, hide_index=True, key=f"bulletin_table_{block.key}",
                                 height="content")
                    if table.note:
                        st.caption(markdown_text(table.note))
                elif isinstance(block, model.ChartRef):
                    layout.chart(c.charts[block.key].figure, key=f"bulletin_chart_{block.key}")
                    st.caption(markdown_text(c.charts[block.key].title))
