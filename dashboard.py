"""青岛市城镇老旧小区改造调度平台: the frame around every page.

Page config, the store handle, the shared sidebar filters (kept in the page address), the theme switch and the
navigation. Run with `streamlit run dashboard.py`. Pages live in views/ and only wire widgets to ui/, metrics/
and figures/.

The folder is deliberately not called pages/: Streamlit (1.67) runs the first session after a server start in its
older pages-directory mode when a pages/ folder sits beside the entry file, so a bookmarked /taizhang opened first
shows its English "Page not found" dialog and the sidebar flashes the file names (tests/test_meeting_browser.py).
"""
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # `streamlit run` from another folder
    sys.path.insert(0, str(ROOT))

from ui import auth, bigscreen, data, layout  # noqa: E402
from ui.filters import sidebar_filters  # noqa: E402

# initial_sidebar_state="auto": open on a desktop, closed on a phone (where it would cover the page)
st.set_page_config(page_title=layout.app_title(), page_icon=str(ROOT / "ui" / "favicon.png"), layout="wide",
                   initial_sidebar_state="auto")

VIEWS = ROOT / "views"


def _to_overview() -> None:
    st.switch_page(OVERVIEW, query_params={key: st.query_params.get_all(key) for key in st.query_params})


OVERVIEW = st.Page(VIEWS / "overview.py", title="总览", icon=":material/dashboard:", url_path="shouye", default=True)
PAGES = [
    OVERVIEW,
    st.Page(VIEWS / "changes.py", title="本周变化", icon=":material/change_history:", url_path="bianhua"),
    st.Page(VIEWS / "stages.py", title="阶段", icon=":material/filter_alt:", url_path="jieduan"),
    st.Page(VIEWS / "map.py", title="地图", icon=":material/map:", url_path="ditu"),
    st.Page(VIEWS / "district.py", title="区市", icon=":material/location_city:", url_path="qushi"),
    st.Page(VIEWS / "investment.py", title="投资", icon=":material/payments:", url_path="touzi"),
    st.Page(VIEWS / "ledger.py", title="台账", icon=":material/table_view:", url_path="taizhang"),
    st.Page(VIEWS / "bulletin.py", title="通报", icon=":material/campaign:", url_path="tongbao"),
    st.Page(VIEWS / "reporting.py", title="报送", icon=":material/fact_check:", url_path="baosong"),
    st.Page(VIEWS / "accounts.py", title="账号", icon=":material/manage_accounts:", url_path="zhanghao"),
    st.Page(VIEWS / "audit.py", title="审计", icon=":material/policy:", url_path="shenji"),
    st.Page(VIEWS / "bigscreen.py", title="大屏", icon=":material/tv:", url_path=bigscreen.URL_PATH),
    # The default page is served at "/" only; /zonglan (the overview's address in links already sent round)
    # reaches it through this hidden alias instead of Streamlit's "Page not found".
    st.Page(_to_overview, title="总览", url_path="zonglan", visibility="hidden"),
]



def _open_requested(pages) -> None:
    """?open=<page> at the root (a theme reload, ui.layout.reload_with_theme): on to that page, filters kept."""
    wanted = st.query_params.get("open")
    if wanted is None:
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params if key != "open"}
    target = next((p for p in pages if p.url_path == wanted), None)
    if target is None:
        del st.query_params["open"]
        return
    st.switch_page(target, query_params=params)


allowed = auth.allowed_pages(PAGES)   # 账号 and 审计 only for city administrators
page = st.navigation(allowed)
_open_requested(allowed)
st.sidebar.markdown(f"**{layout.app_title()}**")
try:
    auth.sidebar()
    sidebar_filters()
    layout.theme_switch(page.url_path)
    layout.print_and_phone_css()
    page.run()
except Exception as exc:  # st.stop / st.rerun / st.switch_page are BaseException and pass through
    layout.show_error(exc)
finally:
    data.check_store_after_page()
