"""The weekly meeting in a real browser: bookmarked links opened first on a freshly started server, the
big-screen page at 1920×1080 (no scrollbar, every element inside the viewport), the drill-down click and the
phone layout at 390×844. Screenshots go to $SCREENSHOT_DIR (default out/screenshots).

Run: pytest -m browser tests/test_meeting_browser.py   (needs chromium and fonts-noto-cjk from apt)
"""
from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from streamlit_server import streamlit_server
from test_browser import (CHROMIUM, SHOT_DIR, Monitor, assert_page_is_clean,
                          playwright_api, settle, wait_for_visuals)
from test_pages import ROOT

pytestmark = pytest.mark.browser

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

# Everything the frontend ever wrote into the sidebar navigation and every dialog it opened, recorded from the
# first paint: a flash of English file names or a "Page not found" dialog that closes again still counts.
RECORDER = """
window.__seen = {nav: new Set(), dialogs: []};
new MutationObserver(() => {
  document.querySelectorAll('[data-testid="stSidebarNavLink"]').forEach(a => window.__seen.nav.add(a.innerText.trim()));
  document.querySelectorAll('[role="dialog"]').forEach(d => window.__seen.dialogs.push(d.innerText.slice(0, 200)));
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@contextlib.contextmanager
def fresh_server(store_file: Path, folder: Path):
    """A `streamlit run` started for one test only, on a copy of `store_file`: its first session is the first
    visit after a start."""
    import shutil

    db = folder / "ledger.sqlite"
    shutil.copyfile(store_file, db)
    with streamlit_server(folder, {"LEDGER_DB": str(db)}) as running:
        yield SimpleNamespace(url=running.url, db=db)


@contextlib.contextmanager
def chromium(viewport: dict):
    with playwright_api.sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                        viewport=viewport, locale="zh-CN", args=FLAGS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def server(sample_store_file, tmp_path_factory):
    """One server for the tests that only read the store and do not need the first visit after a start."""
    with fresh_server(sample_store_file, tmp_path_factory.mktemp("meeting-server")) as running:
        yield running


BOOKMARKS = [
    ("taizhang", "", "台账 · 明细与导入"),
    ("touzi", f"?batch=2022&date=2022-05-31&district={quote('市北区')}", "投资 · 完成情况"),
    ("zonglan", "", "总览 · 周调度"),
]


@pytest.mark.parametrize("path,query,heading", BOOKMARKS, ids=[b[0] for b in BOOKMARKS])
def test_a_bookmarked_link_opens_cleanly_on_a_fresh_server(sample_store_file, tmp_path, path, query, heading):
    with fresh_server(sample_store_file, tmp_path) as server, chromium({"width": 1600, "height": 1000}) as browser:
        for visit in ("first", "second"):
            page = browser.new_page()
            page.add_init_script(RECORDER)
            monitor = Monitor(page)
            page.goto(f"{server.url}/{path}{query}", timeout=60_000)
            settle(page)
            page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
            settle(page)
            seen = page.evaluate("() => ({nav: [...window.__seen.nav], dialogs: window.__seen.dialogs})")
            assert not seen["dialogs"], f"{visit} visit of /{path}: dialog {seen['dialogs'][:1]}"
            assert "Page not found" not in page.locator("body").inner_text()
            english = [t for t in seen["nav"] if t.isascii()]
            assert not english, f"{visit} visit of /{path}: the sidebar showed {english}"
            if "district=" in query:
                assert "1个区市台账 · 75个小区" in page.locator('[data-testid="stMain"]').inner_text()
            assert_page_is_clean(page, monitor, f"/{path} ({visit} visit)")
            page.close()


def _inner_scroll(page) -> list[dict]:
    """Every data grid on the page whose rows do not fit its frame (glide-data-grid's scroller)."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(grid => {
        const s = grid.querySelector('.dvn-scroller');
        return s ? {scroll: s.scrollHeight, client: s.clientHeight} : null;
    }).filter(g => g && g.scroll > g.client + 2)""")


def test_the_bulletin_preview_shows_whole_tables_with_their_total_row(server):
    with chromium({"width": 1600, "height": 1000}) as browser:
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(f"{server.url}/tongbao", timeout=60_000)
        page.get_by_role("heading", name="通报 · 工作动态周通报").wait_for(timeout=120_000)
        page.get_by_text("预览").first.wait_for(timeout=120_000)
        settle(page, 120)
        wait_for_visuals(page, {"table": 2})
        assert not _inner_scroll(page), _inner_scroll(page)
        assert_page_is_clean(page, monitor, "通报")


OUTSIDE = """() => {
  const out = [];
  const w = window.innerWidth, h = window.innerHeight;
  const main = document.querySelector('[data-testid="stMain"]');
  const scrolls = [document.scrollingElement, main].filter(Boolean)
      .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
      .map(e => `${e.tagName}.${e.className}`.slice(0, 60) + ` ${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`);
  document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').forEach(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if (r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1)
      out.push(`${e.innerText.slice(0, 30)} ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
  });
  return {scrolls, out};
}"""


def test_the_big_screen_fills_1920x1080_without_scrolling_dark_by_default(server):
    with chromium({"width": 1920, "height": 1080}) as browser:
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(f"{server.url}/dapingmu", timeout=60_000)
        page.wait_for_url("**embed_options=dark_theme**", timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"plotly": 2, "deck": 1})
        background = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        assert page.evaluate(background) == "rgb(14, 17, 23)"
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / "20_dapingmu_1920x1080.png"))
        layout = page.evaluate(OUTSIDE)
        assert not layout["scrolls"], layout["scrolls"]
        assert not layout["out"], layout["out"]
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "数据截至2022年5月31日" in main and "300个" in main and "94.3%" in main and "平度市" in main
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert_page_is_clean(page, monitor, "大屏")


def test_the_big_screen_shows_a_new_ledger_without_a_reload(sample_store_file, tmp_path):
    from datetime import date

    from loaders.reader import read_ledger
    from loaders.store import LedgerStore

    source = ROOT / "sample_data" / "ledgers" / "2022-05-31" / "崂山区.csv"
    with fresh_server(sample_store_file, tmp_path) as server, chromium({"width": 1920, "height": 1080}) as browser:
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(f"{server.url}/dapingmu?embed_options=dark_theme", timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"plotly": 2, "deck": 1})
        assert "数据截至2022年5月31日" in page.locator('[data-testid="stMain"]').inner_text()
        page.evaluate("() => { window.__same_page = true; }")     # gone if the page reloads
        result = read_ledger(source, report_date=date(2022, 6, 7))
        assert not result.errors
        LedgerStore(server.db).import_result(result)
        page.get_by_text("数据截至2022年6月7日", exact=False).first.wait_for(timeout=60_000)
        assert page.evaluate("() => window.__same_page === true"), "the page reloaded"
        assert "date=2022-06-07" in page.url
        assert_page_is_clean(page, monitor, "大屏 after an import")


def _click_row(page, grid, row: int = 0) -> None:
    """Select a row of a Streamlit data grid by its row marker (the checkbox column at its left edge)."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.move(box["x"] + 18, box["y"] + 35 + 35 * row + 17)
    time.sleep(0.3)
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * row + 17)


def test_drill_down_from_the_ranking_to_a_district_and_to_a_community(server):
    from loaders.store import LedgerStore
    from metrics.progress import district_progress

    with chromium({"width": 1600, "height": 1000}) as browser:
        frame = LedgerStore(server.db).ledger_as_of("2022-05-31", batch_years=[2022])
        first = district_progress(frame, "2022-05-31").sort_values("rank_start")["district"].iloc[0]
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(server.url, timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"plotly": 3, "deck": 1, "table": 2})
        _click_row(page, page.locator('[data-testid="stDataFrame"]').last)
        page.get_by_role("heading", name="区市 · 分区调度").wait_for(timeout=60_000)
        settle(page)
        assert f"1个区市台账 · {int((frame['district'] == first).sum())}个小区 · 2022年度 · {first}" in \
            page.locator('[data-testid="stMain"]').inner_text()
        assert "batch=2022" in page.url and "date=2022-05-31" in page.url
        wait_for_visuals(page, {"table": 2})
        _click_row(page, page.locator('[data-testid="stDataFrame"]').first)
        settle(page)
        name = frame[frame["district"] == first]["name"].iloc[0]
        page.locator(".js-plotly-plot", has_text=f"{name} · 项目节点计划与实际").wait_for(timeout=60_000)
        assert f"{name} · 基本情况" in page.locator('[data-testid="stMain"]').inner_text()
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / "21_qushi_drilldown.png"), full_page=False)
        assert_page_is_clean(page, monitor, "drill-down")


PHONE = {"width": 390, "height": 844}
IPHONE_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                "Mobile/15E148 wxwork/4.1.0 MicroMessenger/7.0.1")


def test_the_overview_on_a_phone(server):
    with playwright_api.sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        browser = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                        viewport=PHONE, user_agent=IPHONE_AGENT, is_mobile=True,
                                                        has_touch=True, device_scale_factor=2, locale="zh-CN",
                                                        args=FLAGS)
        try:
            page = browser.new_page()
            monitor = Monitor(page)
            page.goto(server.url, timeout=60_000)
            settle(page)
            wait_for_visuals(page, {"plotly": 3, "deck": 1})
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT_DIR / "30_zonglan_phone.png"))
            sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
            assert sidebar is None or sidebar["x"] + sidebar["width"] <= 1, f"the sidebar covers the page: {sidebar}"
            assert page.locator(".modebar-container .modebar").count() == 0, "chart tool bars on a phone"
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"the page scrolls sideways ({width}px)"
            gauges = page.locator(".js-plotly-plot").first
            assert "平度市" in gauges.inner_text()
            boxes = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')][0]
                .querySelectorAll('g.indicatorlayer g.trace').length""")
            assert boxes == 10
            # no text of one gauge (ticks "0"/"50"/"100", the number) runs into a neighbour's: at least 8 px
            # apart, or "100" and the next gauge's "0" read as "0100"
            overlaps = page.evaluate("""() => {
              const traces = [...[...document.querySelectorAll('.js-plotly-plot')][0]
                .querySelectorAll('g.indicatorlayer g.trace')];
              const boxes = traces.flatMap((t, i) => [...t.querySelectorAll('text')]
                .map(e => [i, e.textContent, e.getBoundingClientRect()]).filter(b => b[2].width > 0));
              const hit = (a, b) => a.left < b.right + 8 && b.left < a.right + 8 && a.top < b.bottom && b.top < a.bottom;
              return boxes.flatMap(a => boxes.filter(b => a[0] < b[0] && hit(a[2], b[2]))
                .map(b => `${a[1]} / ${b[1]}`));
            }""")
            assert overlaps == [], overlaps
            gauges.scroll_into_view_if_needed()
            time.sleep(0.5)
            page.screenshot(path=str(SHOT_DIR / "31_zonglan_phone_gauges.png"))
            page.locator('[data-testid="stDeckGlJsonChart"]').first.scroll_into_view_if_needed()
            time.sleep(1.0)
            page.screenshot(path=str(SHOT_DIR / "32_zonglan_phone_map.png"))
            assert_page_is_clean(page, monitor, "phone")
        finally:
            browser.close()


def test_the_overview_prints_on_a4_landscape_without_the_sidebar(server):
    with chromium({"width": 1600, "height": 1000}) as browser:
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(server.url, timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"plotly": 3, "deck": 1, "table": 2})
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1047, "height": 740})       # A4 landscape less 10 mm margins
        time.sleep(1.5)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        right = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
            '.js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stMetric"]')].map(e => {
              const r = e.getBoundingClientRect(); const z = parseFloat(getComputedStyle(
                document.querySelector('[data-testid="stAppViewContainer"]')).zoom || 1);
              return r.right * (z || 1); }))""")
        assert right <= 1047, f"something is cut at the right edge of the paper ({right}px)"
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        (SHOT_DIR / "33_zonglan_a4.pdf").write_bytes(pdf)
        assert len(pdf) > 50_000
        assert_page_is_clean(page, monitor, "print")


NEW_SCREENS = [   # (file name, address, heading, what must render)
    ("zonglan_3years", "?batch=2022&batch=2023&batch=2024&date=2022-05-31", "总览 · 周调度", {"plotly": 5, "deck": 1}),
    ("bianhua", "bianhua", "本周变化 · 两期对比", {"table": 3}),
    ("jieduan", "jieduan?batch=2022&date=2021-12-31", "阶段 · 项目节点进度", {"plotly": 3}),
]


@pytest.mark.parametrize("size", ["1920x1080", "390x844"])
def test_screenshots_of_the_new_screens(server, size):
    width, height = (int(v) for v in size.split("x"))
    phone = width < 600
    with playwright_api.sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        extra = dict(user_agent=IPHONE_AGENT, is_mobile=True, has_touch=True) if phone else {}
        browser = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                        viewport={"width": width, "height": height},
                                                        locale="zh-CN", args=FLAGS, **extra)
        try:
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            for name, address, heading, need in NEW_SCREENS + [("dapingmu", "dapingmu", None, {"plotly": 2})]:
                page = browser.new_page()
                monitor = Monitor(page)
                page.goto(f"{server.url}/{address}", timeout=60_000)
                if name == "dapingmu":   # it reloads itself once in the dark theme: settle on the reloaded page
                    page.wait_for_url("**embed_options=dark_theme**", timeout=60_000)
                settle(page)
                if heading:
                    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
                wait_for_visuals(page, need)
                page.screenshot(path=str(SHOT_DIR / f"40_{name}_{size}.png"))
                full = page.evaluate("""() => document.querySelector('[data-testid="stMain"]').scrollHeight""")
                if not phone:
                    page.set_viewport_size({"width": width, "height": min(int(full) + 40, 7000)})
                    time.sleep(1.5)
                    page.screenshot(path=str(SHOT_DIR / f"40_{name}_{size}_full.png"))
                assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width + 1
                assert_page_is_clean(page, monitor, f"{name} at {size}")
                page.close()
        finally:
            browser.close()


def test_streamlits_own_words_are_chinese(server):
    with chromium({"width": 1600, "height": 1000}) as browser:
        page = browser.new_page()
        monitor = Monitor(page)
        page.goto(f"{server.url}/taizhang", timeout=60_000)
        settle(page)
        wait_for_visuals(page, {"table": 2})
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.hover()
        time.sleep(0.8)
        labels = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stElementToolbar"] button')]
            .map(b => b.getAttribute('aria-label') || b.getAttribute('title') || b.innerText)""")
        assert labels and "全屏" in labels and not any(label and label.isascii() for label in labels), labels
        modebar = page.evaluate("""() => { const c = [...document.querySelectorAll('.modebar-btn')]
            .map(b => b.getAttribute('data-title')); return c; }""")
        assert not any(t and t.isascii() for t in modebar), modebar
        page.locator('[data-testid="stMainMenuButton"]').click()
        page.locator('[data-testid="stMainMenuList"]').wait_for(timeout=10_000)
        time.sleep(0.3)
        menu = page.locator('[data-testid="stMainMenuList"]').inner_text()
        words = [w for w in menu.split("\n") if w.strip() and w not in ("contrast", "light_mode", "dark_mode")]
        assert words == ["跟随系统", "浅色", "深色", "打印", "录屏"], words     # the icons' ligature names aside
        page.keyboard.press("Escape")
        assert_page_is_clean(page, monitor, "Chinese words")
