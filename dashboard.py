"""青岛市城镇老旧小区改造调度平台: the frame around every page.

Page config, the store handle, the shared sidebar filters (kept in the page address), the theme switch and the
navigation. Run with `streamlit run dashboard.py`. Pages live in pages/ and only wire widgets to ui/, metrics/
and figures/.
"""
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # `streamlit run` from another folder
    sys.path.insert(0, str(ROOT))

from ui import auth, layout  # noqa: E402
from ui.filters import sidebar_filters  # noqa: E402

st.set_page_config(page_title=layout.APP_TITLE, page_icon=str(ROOT / "ui" / "favicon.png"), layout="wide", initial_sidebar_state="expanded")

# url_path never equals the file's stem: with a pages/ folder beside the entry file, Streamlit's older
# pages-directory lookup hashes "overview" the same way as url_path="overview" and can then run the page file
# without this frame (no sidebar filters) — AppTest does so on every rerun.
PAGES = [
    st.Page(ROOT / "pages" / "overview.py", title="总览", icon=":material/dashboard:", url_path="zonglan", default=True),
    st.Page(ROOT / "pages" / "map.py", title="地图", icon=":material/map:", url_path="ditu"),
    st.Page(ROOT / "pages" / "district.py", title="区市", icon=":material/location_city:", url_path="qushi"),
    st.Page(ROOT / "pages" / "investment.py", title="投资", icon=":material/payments:", url_path="touzi"),
    st.Page(ROOT / "pages" / "ledger.py", title="台账", icon=":material/table_view:", url_path="taizhang"),
    st.Page(ROOT / "pages" / "bulletin.py", title="通报", icon=":material/campaign:", url_path="tongbao"),
    st.Page(ROOT / "pages" / "reporting.py", title="报送", icon=":material/fact_check:", url_path="baosong"),
    st.Page(ROOT / "pages" / "accounts.py", title="账号", icon=":material/manage_accounts:", url_path="zhanghao"),
    st.Page(ROOT / "pages" / "audit.py", title="审计", icon=":material/policy:", url_path="shenji"),
]

page = st.navigation(auth.allowed_pages(PAGES))   # 账号 and 审计 only for city administrators
st.sidebar.markdown(f"**{layout.APP_TITLE}**")
try:
    auth.sidebar()
    sidebar_filters()
    layout.theme_switch()
    page.run()
except Exception as exc:  # st.stop / st.rerun / st.switch_page are BaseException and pass through
    layout.show_error(exc)
