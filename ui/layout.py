"""What every page shares: the title with the data line, the theme switch, the Chinese error message."""
from __future__ import annotations

import json
import logging

import streamlit as st

from figures.locale import chart_config
from loaders.config import area_name
from figures.text import markdown_text
from metrics.numbers import fmt_date_cn, fmt_int
from ui import data
from ui.filters import Filters, current

log = logging.getLogger("dashboard")

TITLE = "城镇老旧小区改造调度平台"
# The start of the message for an unexpected failure; the incident id and what to do follow (show_error).
ERROR_MESSAGE = "页面出现错误，未能显示"
EMPTY_STORE = "数据库中还没有任何台账。请在「台账」页上传各区市的周报台账。"


def app_title() -> str:
    """青岛市城镇老旧小区改造调度平台: the configured province's or city's name (loaders.config.area_name)."""
    return area_name() + TITLE


def data_line(filters: Filters) -> str:
    """数据截至2022年5月31日 · 10个区市台账 · 318个小区 (for the selected batch(es) and districts)."""
    progress = data.progress(*filters.args)
    headline = data.headline(*filters.args)
    return (f"数据截至{fmt_date_cn(filters.as_of)} · {fmt_int(len(progress))}个区市台账 · "
            f"{fmt_int(headline.planned)}个小区")


def page_header(title: str, *, stop_when_empty: bool = True, caption: bool = True) -> Filters | None:
    """The page title and the data line. With an empty store: a note, and the page stops (or, with
    stop_when_empty=False, None is returned so the page can still offer an upload). A page that narrows the
    filters itself (区市: one district) passes caption=False and calls data_caption() with what it shows."""
    st.markdown(f"## {title}")
    filters = current_or_none()
    if filters is None:
        st.info(EMPTY_STORE)
        if stop_when_empty:
            st.stop()
        return None
    if caption:
        data_caption(filters)
    return filters


def data_caption(filters: Filters) -> None:
    """数据截至… · 10个区市台账 · 318个小区 · 2022年度 · 全市: what the page below shows."""
    years = "、".join(f"{y}年度" for y in filters.years)
    st.caption(f"{data_line(filters)} · {years} · {markdown_text(filters.area)}")   # district names come from ledgers


def current_or_none() -> Filters | None:
    try:
        return current()
    except KeyError:
        return None


def show_error(exc: BaseException) -> None:
    """One Chinese sentence for the user, never a traceback. A store that cannot be used says why and what to do
    (damaged: how to restore it); anything else is an incident, logged with its traceback under the id shown."""
    from loaders import incidents
    from loaders.store import StoreUnavailable

    if isinstance(exc, StoreUnavailable):
        log.error("store unusable: %s", exc)
        st.error(str(exc), icon=":material/database:")
        return
    show_incident(incidents.record(exc, "dashboard page"))


def show_incident(incident: str, what: str = ERROR_MESSAGE) -> None:
    """The message of a failure already logged under `incident` (by show_error, or by a worker thread, which
    cannot call st.*): what failed, the id, what to do."""
    from loaders import incidents

    st.error(f"{what}{incidents.reference(incident)}。错误已记入服务器日志；请刷新页面或更换筛选条件后重试，"
             "如仍有问题请联系系统管理员并告知错误编号。", icon=":material/error:")


SWITCH_KEY = "dark_theme"                  # the sidebar switch's state: the theme this session draws in
_BROWSER_DARK = "_browser_theme_dark"      # the browser's theme at the previous run (st.context.theme)
_ASKED_DARK = "_browser_theme_asked_dark"  # the theme the switch asked the browser for, until it shows it

# Works Streamlit's own menu (⋮ → 深色/浅色), which restyles the page at once, without a reload. The menu is opened
# and closed unseen; where it cannot be worked (another Streamlit version), the page reloads with the theme.
_MENU_SWITCH = """<script>
(async () => {
  const doc = window.parent.document, want = %(item)s, reload = () => { %(reload)s };
  const app = doc.querySelector('[data-testid="stApp"]');
  const rgb = app && getComputedStyle(app).backgroundColor.match(/[0-9.]+/g);
  const dark = rgb && (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) < 128;
  if (rgb && dark === (want === "Dark")) return;             /* already shown in that theme */
  const button = doc.querySelector('[data-testid="stMainMenuButton"]');
  if (!button) return reload();
  const hide = doc.createElement("style");
  hide.textContent = '[data-testid="stMainMenuPopover"] { visibility: hidden !important; }';
  doc.head.appendChild(hide);
  try {
    for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "click"]) {
      const Event = type.startsWith("pointer") ? PointerEvent : MouseEvent;
      button.dispatchEvent(new Event(type, {bubbles: true, cancelable: true, composed: true, button: 0}));
    }
    const item = () => doc.querySelector(`[data-testid="stMainMenuItem-theme-${want}"]`);
    for (let i = 0; i < 100 && !item(); i++) await new Promise(done => setTimeout(done, 10));
    if (!item()) return reload();
    item().click();
    const list = doc.querySelector('[data-testid="stMainMenuList"]');
    if (list) list.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", code: "Escape", keyCode: 27, bubbles: true}));
  } finally {
    setTimeout(() => hide.remove(), 200);
  }
})();
</script>"""


def theme_switch(page_path: str) -> None:
    """A sidebar switch between the light theme (screenshots) and the dark one (meeting-room screens).

    Streamlit draws its theme in the browser: its own menu switches it at once but tells the server only at the
    next run (st.context.theme). So the switch works that menu for the user (_MENU_SWITCH, under a second) and
    this run already draws the figures in the theme asked for (figure_theme reads the switch). A theme chosen in
    Streamlit's menu moves the switch with it at the next run. Where the menu cannot be worked, the page reloads
    with ?embed_options=<theme>_theme (reload_with_theme); the filters survive in the address.
    """
    state = st.session_state
    browser_dark = (st.context.theme.type or "light") == "dark"
    if state.get(_ASKED_DARK) is not None:       # the switch's own request: honoured, or still on its way
        if state[_ASKED_DARK] == browser_dark:
            state[_ASKED_DARK] = None
    elif state.get(_BROWSER_DARK, browser_dark) != browser_dark:   # chosen in the browser's own menu
        state[SWITCH_KEY] = browser_dark
    state[_BROWSER_DARK] = browser_dark
    wanted = st.sidebar.toggle("深色主题（会议室大屏）", value=browser_dark, key=SWITCH_KEY,
                               help="也可在右上角菜单中切换")
    if wanted != browser_dark:
        state[_ASKED_DARK] = wanted
        theme = "dark" if wanted else "light"
        with st.sidebar:
            st.html(_MENU_SWITCH % {"item": json.dumps("Dark" if wanted else "Light"),
                                    "reload": _reload_script(theme, page_path)}, unsafe_allow_javascript=True)


def reload_with_theme(theme: str, page_path: str, *, once: str = "") -> None:
    """Reload the app in `theme` and come back to the page at `page_path`. `once`: a sessionStorage mark that
    makes it happen once per browser tab."""
    mark = json.dumps(once)
    st.html(f"""<script>
        const mark = {mark};
        if (!(mark && sessionStorage.getItem(mark))) {{
          if (mark) sessionStorage.setItem(mark, "1");
          {_reload_script(theme, page_path)}
        }}
    </script>""", unsafe_allow_javascript=True)


def _reload_script(theme: str, page_path: str) -> str:
    """JavaScript that reloads the app with ?embed_options=<theme>_theme (Streamlit picks its theme from it at page
    load, with the [theme.light]/[theme.dark] pair of .streamlit/config.toml) and comes back to `page_path`. The
    reload goes to the app's root with ?open=<page> (dashboard.py switches there): Streamlit's frontend, loaded at
    a page's own address, first asks for <page>/_stcore/host-config and logs a 404 before it finds the root."""
    option, page = json.dumps(f"{theme}_theme"), json.dumps(page_path or "")
    return f"""const url = new URL(window.parent.location.href), page = {page};
        if (page && url.pathname.endsWith("/" + page)) {{
          url.pathname = url.pathname.slice(0, -page.length);
          url.searchParams.set("open", page);
        }}
        url.searchParams.set("embed_options", {option});
        window.parent.location.replace(url.toString());"""


def figure_theme() -> str:
    """"dark" or "light": the theme of the sidebar switch (theme_switch), which follows the browser's; the figures
    are drawn to match."""
    return "dark" if st.session_state.get(SWITCH_KEY, st.context.theme.type == "dark") else "light"


def table(frame, column_config: dict | None = None, *, key: str, height: int | str = "auto") -> None:
    """A sortable table (st.dataframe) with "—" for missing values; Streamlit's own download/copy is off
    (client.disableDataExport): downloads go through exports/, which neutralises formulas."""
    st.dataframe(frame, column_config=column_config, hide_index=True, height=height, placeholder="—", key=key)


def chart(fig, key: str, height: int | None = None, filename: str | None = None, toolbar: bool = True,
          select: bool = False):
    """A plotly figure from figures/ with its own template (Streamlit's theme would restyle it); `filename`
    names the PNG the mode bar's camera saves (at twice the drawn size); toolbar=False (the big screen) and a
    phone have no mode bar. `select`: a click on a point reruns the page and the selection is returned
    (st.plotly_chart's event; otherwise None)."""
    image = {"toImageButtonOptions": {"filename": filename, "scale": 2}} if filename else {}
    event = st.plotly_chart(fig, theme=None, key=key,
                            config=chart_config(displaylogo=False, displayModeBar=toolbar and not is_phone(), **image),
                            **({"height": height} if height else {}),
                            **({"on_select": "rerun", "selection_mode": "points"} if select else {}))
    return event if select else None


PRINT_CSS = """<style>
@media print {
  @page { size: landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stFileUploader"], .modebar-container { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: none !important; }
  [data-testid="stElementContainer"], [data-testid="stHorizontalBlock"], [data-testid="stMetric"] {
    break-inside: avoid; page-break-inside: avoid; }
  [data-testid="stElementContainer"]:has(h4) { break-after: avoid; page-break-after: avoid; }
}
/* A4 landscape (277 mm of paper, about 1050 CSS pixels) gets the screen layout at 80 %: the gauges and tables
   are drawn for a 1300-pixel main column and are not redrawn for paper. A3 (400 mm) prints at full size. */
@media print and (max-width: 1200px) { [data-testid="stAppViewContainer"] { zoom: 0.78; } }
</style>"""


def print_and_phone_css() -> None:
    """Printing (A4/A3 landscape, no sidebar, no chart cut by a page break) and Streamlit's words in Chinese."""
    st.html(PRINT_CSS)
    chinese_streamlit_words()


def is_phone() -> bool:
    """A phone's browser (政务微信 included), from its User-Agent: figures are laid out for a narrow screen and
    chart tool bars, which would sit on the legends, are left out."""
    agent = (st.context.headers.get("User-Agent") or "") if st.context.headers else ""
    return any(word in agent for word in ("iPhone", "Android", "Mobile", "wxwork", "MicroMessenger"))


# Streamlit (1.67) writes its own menus, tool bars and status in English with no option to change them: these
# words are swapped for Chinese in the page as they appear (text and tooltips), by a script that runs once per
# page load. The uploader's words are the product's own (ui.upload.file_input), plotly's come with its locale.
STREAMLIT_WORDS = {
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Autosize": "自动列宽",
    "Pin column": "固定此列",
    "Unpin column": "取消固定",
    "Hide column": "隐藏此列",
    "Format": "数字格式",
    "Copy column name": "复制列名",
    "Show/hide columns": "显示/隐藏列",
    "Search": "搜索",
    "Close Search": "关闭搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Download as CSV": "下载CSV",
    "Clear selection": "清除选择",
    "Select all": "全选",
    "No data": "无数据",
    "Automatic": "自动",
    "Localized": "本地格式",
    "Plain": "普通",
    "Percent": "百分比",
    "Scientific": "科学计数",
    "Accounting": "会计格式",
    "Compact": "紧凑",
    "Calendar": "日历",
    "Stop": "停止",
    "Running...": "运行中…",
    "Rerun": "重新运行",
    "Settings": "设置",
    "Print": "打印",
    "About": "关于",
    "Clear cache": "清除缓存",
    "No results": "无匹配项",
    "Press Enter to apply": "按回车键确认",
    "Press Enter to submit form": "按回车键提交",
    "Choose an option": "请选择",
    "Close": "关闭",
}
# Words too common to swap everywhere (Streamlit shows "Light" elsewhere too): only inside its own main menu.
MENU_WORDS = {"System": "跟随系统", "Light": "浅色", "Dark": "深色", "Record screen": "录屏"}

_SWAP_SCRIPT = """<script>
if (!window.__ledgerChinese) {
  window.__ledgerChinese = true;
  const words = %s, menuWords = %s;
  /* where text from the ledgers is shown (markdown, captions, charts, map tooltips): never swapped there, so that
     a community called "Search" stays as written */
  const data = '[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"], [data-testid="stText"], ' +
               '[data-testid="stCode"], [data-testid="stMetricValue"], [data-testid="stMetricLabel"], ' +
               '.js-plotly-plot, [data-testid="stDeckGlJsonChart"], .deck-tooltip';
  const text = node => {
    const t = node.nodeValue.trim();
    if (!(t in words || t in menuWords) || node.parentElement?.closest(data)) return;
    const inMenu = t in menuWords && node.parentElement?.closest('[data-testid="stMainMenuPopover"]');
    const word = t in words ? words[t] : inMenu ? menuWords[t] : null;
    if (word) node.nodeValue = node.nodeValue.replace(t, word);
  };
  const swap = root => {
    if (root.nodeType === 3) return text(root);
    if (root.nodeType !== 1) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) text(n);
    [root, ...root.querySelectorAll("[title], [aria-label], [placeholder]")].forEach(e => {
      for (const a of ["title", "aria-label", "placeholder"]) {
        const v = e.getAttribute && e.getAttribute(a);
        if (v && v in words && !e.closest(data)) e.setAttribute(a, words[v]);
      }
    });
  };
  new MutationObserver(changes => changes.forEach(c => {
    if (c.type === "characterData") text(c.target);
    else if (c.type === "attributes") swap(c.target);
    else c.addedNodes.forEach(swap);
  })).observe(document.body, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ["title", "aria-label", "placeholder"]});
  swap(document.body);
}
</script>"""


def chinese_streamlit_words() -> None:
    """Swap Streamlit's own English words (STREAMLIT_WORDS) for Chinese in the browser."""
    st.html(_SWAP_SCRIPT % (json.dumps(STREAMLIT_WORDS, ensure_ascii=False), json.dumps(MENU_WORDS, ensure_ascii=False)),
            unsafe_allow_javascript=True)


def gauge_grid(columns: int = 5, **screen) -> dict:
    """district_gauges arguments for this browser: on a phone two gauges a row, small enough for 390 pixels;
    else `columns` and the page's own `screen` settings."""
    if is_phone():
        # the gap between the two columns holds one gauge's "100" and the next one's "0" at 390 pixels
        return dict(columns=2, row_height=200, number_size=22, row_gap=0.07, column_gap=0.22)
    return dict(columns=columns, **screen)
