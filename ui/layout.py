"""What every page shares: the title with the data line, the theme switch, the Chinese error message."""
from __future__ import annotations

import json
import logging

import streamlit as st

from metrics.numbers import fmt_date_cn, fmt_int
from ui import data
from ui.filters import Filters, current

log = logging.getLogger("dashboard")

APP_TITLE = "青岛市城镇老旧小区改造调度平台"
ERROR_MESSAGE = "页面出现错误，未能显示。错误已记入服务器日志；请刷新页面或更换筛选条件后重试，如仍有问题请联系系统管理员。"
EMPTY_STORE = "数据库中还没有任何台账。请在「台账」页上传各区市的周报台账。"


def data_line(filters: Filters) -> str:
    """数据截至2022年5月31日 · 10个区市台账 · 318个小区 (for the selected batch(es) and districts)."""
    progress = data.progress(*filters.args)
    headline = data.headline(*filters.args)
    return (f"数据截至{fmt_date_cn(filters.as_of)} · {fmt_int(len(progress))}个区市台账 · "
            f"{fmt_int(headline.planned)}个小区")


def page_header(title: str, *, stop_when_empty: bool = True) -> Filters | None:
    """The page title and the data line. With an empty store: a note, and the page stops (or, with
    stop_when_empty=False, None is returned so the page can still offer an upload)."""
    st.markdown(f"## {title}")
    filters = current_or_none()
    if filters is None:
        st.info(EMPTY_STORE)
        if stop_when_empty:
            st.stop()
        return None
    years = "、".join(f"{y}年度" for y in filters.years)
    st.caption(f"{data_line(filters)} · {years} · {filters.area}")
    return filters


def current_or_none() -> Filters | None:
    try:
        return current()
    except KeyError:
        return None


def show_error(exc: BaseException) -> None:
    """Log the traceback for the administrator; show the user one Chinese sentence, never a traceback."""
    log.error("page failed", exc_info=exc)
    st.error(ERROR_MESSAGE, icon=":material/error:")


def theme_switch() -> None:
    """A sidebar switch between the light theme (screenshots) and the dark one (meeting-room screens).

    Streamlit chooses its theme in the browser, at page load, and honours ?embed_options=dark_theme (or
    light_theme) with the [theme.light]/[theme.dark] pair of .streamlit/config.toml; Python cannot restyle a page
    already shown. So the switch reloads the page with that parameter; the filters survive in the address.
    """
    is_dark = (st.context.theme.type or "light") == "dark"
    wanted = st.sidebar.toggle("深色主题（会议室大屏）", value=is_dark, key="dark_theme",
                               help="切换后页面重新载入，筛选条件保持不变")
    if wanted != is_dark:
        option = json.dumps("dark_theme" if wanted else "light_theme")
        st.html(f"""<script>
            const url = new URL(window.location.href);
            url.searchParams.set("embed_options", {option});
            window.location.replace(url.toString());
        </script>""", unsafe_allow_javascript=True)


def figure_theme() -> str:
    """"dark" when the browser shows the dark theme, else "light": figures are drawn to match."""
    return "dark" if st.context.theme.type == "dark" else "light"


def table(frame, column_config: dict | None = None, *, key: str, height: int | str = "auto") -> None:
    """A sortable table (st.dataframe) with "—" for missing values; Streamlit's own download/copy is off
    (client.disableDataExport): downloads go through exports/, which neutralises formulas."""
    st.dataframe(frame, column_config=column_config, hide_index=True, height=height, placeholder="—", key=key)


def chart(fig, key: str, height: int | None = None) -> None:
    """A plotly figure from figures/ with its own template (Streamlit's theme would restyle it)."""
    st.plotly_chart(fig, theme=None, key=key, config={"displaylogo": False},
                    **({"height": height} if height else {}))
