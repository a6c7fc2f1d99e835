"""The dashboard in a real browser: `streamlit run` on a free loopback port, headless Chromium (the system's,
through the Python playwright package), every page opened from the sidebar as a person does.

Fails on a Streamlit exception box, a console error, an HTTP error or any request that leaves 127.0.0.1 (the
offline goal: no usage statistics, no Carto base map, no web fonts). Saves a 1600×1000 screenshot and a
full-length one of every page to $SCREENSHOT_DIR (default out/screenshots). Also uploads a bad and
a good ledger through the 台账 page's file input.

Run: pytest -m browser tests/test_browser.py   (needs chromium and fonts-noto-cjk from apt)
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from auth_support import browser_login
from streamlit_server import streamlit_server
from test_pages import ROOT

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "out" / "screenshots"))  # out/ is git-ignored
VIEWPORT = {"width": 1600, "height": 1000}
# (navigation title, url path, heading, what must render)
PAGES = [
    ("总览", "", "总览 · 周调度", {"plotly": 2, "deck": 1}),
    ("本周变化", "bianhua", "本周变化 · 两期对比", {"table": 3}),
    ("阶段", "jieduan", "阶段 · 项目节点进度", {"plotly": 3}),
    ("地图", "ditu", "地图 · 小区改造状态", {"deck": 1}),
    ("区市", "qushi", "区市 · 分区调度", {"plotly": 3}),
    ("投资", "touzi", "投资 · 完成情况", {"plotly": 4}),
    ("台账", "taizhang", "台账 · 明细与导入", {"table": 2}),
    ("通报", "tongbao", "通报 · 工作动态周通报", {"table": 1}),
    ("报送", "baosong", "报送 · 各区市周报情况", {"table": 2}),
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium fonts-noto-cjk)", allow_module_level=True)


def _digest(db: Path) -> str:
    """The stored ledgers: the store's version (changed by every import, replace, withdraw or restore) and its
    snapshots. Checking a file does write to the file, its entry in the audit log (tests/test_audit.py)."""
    from loaders.store import LedgerStore

    store = LedgerStore(db)
    snaps = store.snapshots(include_inactive=True)
    return hashlib.sha256(f"{store.version()}|{snaps.to_csv()}".encode()).hexdigest()


@pytest.fixture(scope="module")
def server(sample_store_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-store")
    db = folder / "ledger.sqlite"
    shutil.copyfile(sample_store_file, db)
    with streamlit_server(folder, {"LEDGER_DB": str(db)}) as running:
        yield SimpleNamespace(url=running.url, db=db, log=running.log)


def _base_path_probe(url: str) -> bool:
    """Streamlit's frontend, opened on a page address such as /touzi?..., first looks for its server under
    /touzi/_stcore/health and /touzi/_stcore/host-config (the app might be served below a base path), gets a
    404, then finds it at /. Those two probes are Streamlit's own and harmless; every other 4xx counts."""
    return bool(re.fullmatch(r"/[^/]+/_stcore/(health|host-config)", urlparse(url).path))


class Monitor:
    """Everything the page asked for outside loopback, console errors and HTTP errors."""

    def __init__(self, page):
        self.outside: set[str] = set()
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"[:300]))
        page.on("response", self._response)

    def _console(self, message):
        if message.type != "error":
            return
        if _base_path_probe((message.location or {}).get("url", "")):
            return
        self.errors.append(message.text[:300])

    def _response(self, response):
        if response.status >= 400 and not _base_path_probe(response.url):
            self.errors.append(f"HTTP {response.status} {response.url}")

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
            self.outside.add(request.url[:120])


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, viewport=VIEWPORT, locale="zh-CN",
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield context
        context.close()


# The frontend's own word on the script (stApp's data-test-script-state), no status widget, no spinner.
FINISHED = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSpinner\"]')"
            " && document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
            " === 'notRunning'")
# Two animation frames (what was drawn reached the screen, deck.gl drew its frame) and then an idle moment.
IDLE = ("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>"
        " requestIdleCallback(() => done(), {timeout: 3000}))))")


def settle(page, timeout_s: float = 90) -> None:
    """Wait until the script has finished running and the page stopped changing."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    time.sleep(0.3)    # a click's rerun request reaches the frontend's state first
    page.wait_for_function(FINISHED, timeout=timeout_s * 1000)
    page.evaluate(IDLE)


def wait_for_visuals(page, need: dict, timeout_s: float = 60) -> None:
    selectors = {"plotly": ".js-plotly-plot .main-svg", "deck": '[data-testid="stDeckGlJsonChart"] canvas',
                 "table": '[data-testid="stDataFrame"]'}
    deadline = time.time() + timeout_s
    for kind, count in need.items():
        while page.locator(selectors[kind]).count() < count:
            if time.time() > deadline:
                raise AssertionError(f"{count} {kind} expected, {page.locator(selectors[kind]).count()} rendered")
            time.sleep(0.3)
    page.evaluate(IDLE)   # deck.gl draws its first frame on an animation frame


def screenshots(page, name: str) -> None:
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT_DIR / f"{name}.png"))
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
        return Math.max(main.scrollHeight, document.body.scrollHeight);
    }""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 9000)})
    page.evaluate(IDLE)     # the charts redrawn at the new width
    page.screenshot(path=str(SHOT_DIR / f"{name}_full.png"))
    page.set_viewport_size(VIEWPORT)
    page.evaluate(IDLE)


def assert_page_is_clean(page, monitor: Monitor, name: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, f"{name}: exception box"
    assert "页面出现错误" not in page.locator('[data-testid="stMain"]').inner_text(), f"{name}: error message"
    assert not monitor.errors, f"{name}: {monitor.errors[:3]}"
    assert not monitor.outside, f"{name}: requests left the machine: {sorted(monitor.outside)[:5]}"


def open_dashboard(browser, server):
    page = browser.new_page()
    monitor = Monitor(page)
    page.goto(server.url, timeout=60_000)
    settle(page)
    return page, monitor


def go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    settle(page)


# ----------------------------------------------------------------------------------------------------- tests
def test_every_page_renders_offline(browser, server):
    page, monitor = open_dashboard(browser, server)
    page.get_by_role("heading", name=PAGES[0][2]).wait_for(timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNavLink"]')
    assert nav.count() == len(PAGES) + 1       # and 大屏, which hides the sidebar (tests/test_meeting_browser.py)
    for i, (title, path, heading, need) in enumerate(PAGES):
        monitor.errors.clear()
        go(page, title)
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
        wait_for_visuals(page, need)
        assert urlparse(page.url).path.strip("/") == path
        main = page.locator('[data-testid="stMain"]').inner_text()
        line = "1个区市台账 · 30个小区" if path == "qushi" else "10个区市台账 · 318个小区"   # 区市: its district
        assert f"数据截至2022年5月31日 · {line}" in main
        screenshots(page, f"{i + 1:02d}_{path or 'zonglan'}")
        assert_page_is_clean(page, monitor, title)
    page.close()


def test_filters_live_in_the_address_and_survive_page_changes(browser, server):
    page, monitor = open_dashboard(browser, server)
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(1).click()
    page.get_by_role("option", name="市北区").click()
    settle(page)
    assert "1个区市台账 · 75个小区" in page.locator('[data-testid="stMain"]').inner_text()
    query = urlparse(page.url).query
    assert "batch=2022" in query and "date=2022-05-31" in query and "district=" in query
    go(page, "投资")
    assert "1个区市台账 · 75个小区" in page.locator('[data-testid="stMain"]').inner_text()
    assert "district=" in urlparse(page.url).query
    # The address reopens the same view in a new tab, as a bookmark does.
    other = browser.new_page()
    other_monitor = Monitor(other)
    other.goto(page.url, timeout=60_000)
    settle(other)
    other.get_by_role("heading", name="投资 · 完成情况").wait_for(timeout=60_000)
    assert "1个区市台账 · 75个小区" in other.locator('[data-testid="stMain"]').inner_text()
    assert_page_is_clean(page, monitor, "filters")
    assert_page_is_clean(other, other_monitor, "bookmark")
    other.close()
    page.close()


def test_dark_theme_switch(browser, server):
    """The sidebar switch restyles the open page, charts included, without reloading it (Streamlit's own menu does
    the restyling, ui.layout.theme_switch), and back."""
    page, monitor = open_dashboard(browser, server)
    background = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    gauges = ("[...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.indicatorlayer'))"
              ".map(p => getComputedStyle(p.querySelector('.main-svg')).backgroundColor)")
    switch = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]', has_text="深色主题")
    wait_for_visuals(page, {"plotly": 2, "deck": 1})
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    assert set(page.evaluate(gauges)) == {"rgb(255, 255, 255)"}
    page.evaluate("window.notReloaded = true")
    switch.click()
    page.wait_for_function(f"{background} === 'rgb(14, 17, 23)'", timeout=30_000)
    page.wait_for_function(f"{gauges}.every(c => c === 'rgb(14, 17, 23)')", timeout=30_000)
    settle(page)
    assert page.evaluate("window.notReloaded === true")
    assert "embed_options" not in page.url
    assert page.locator('[data-testid="stMainMenuList"]').count() == 0       # the menu it worked is closed
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT_DIR / "00_zonglan_dark.png"))
    switch.click()
    page.wait_for_function(f"{background} === 'rgb(255, 255, 255)'", timeout=30_000)
    page.wait_for_function(f"{gauges}.every(c => c === 'rgb(255, 255, 255)')", timeout=30_000)
    settle(page)
    assert page.evaluate("window.notReloaded === true")
    assert_page_is_clean(page, monitor, "dark")
    page.close()


def _most_isolated_point(db: Path):
    """The community whose point is farthest (on screen) from every other one, with its world pixel position at
    the map's initial zoom, and the view's centre in the same pixels."""
    import math

    from figures.map import community_deck
    from loaders.geodata import boundaries_geojson, load_boundaries
    from loaders.store import LedgerStore

    frame = LedgerStore(db).ledger_as_of("2022-05-31", batch_years=[2022]).dropna(subset=["lon", "lat"])
    view = community_deck(frame, boundaries_geojson(load_boundaries()), view_px=(900, 640)).initial_view_state
    scale = 512 * 2 ** view.zoom

    def world(lon, lat):
        siny = math.sin(math.radians(lat))
        return ((lon + 180) / 360 * scale, (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * scale)

    points = [world(lon, lat) for lon, lat in zip(frame["lon"], frame["lat"])]
    best, best_gap = 0, -1.0
    for i, (x, y) in enumerate(points):
        gap = min(math.hypot(x - u, y - v) for j, (u, v) in enumerate(points) if j != i)
        if gap > best_gap:
            best, best_gap = i, gap
    return frame.iloc[best], points[best], world(view.longitude, view.latitude)


def test_selecting_a_community_on_the_map_shows_its_details(browser, server):
    row, (x, y), (cx, cy) = _most_isolated_point(server.db)
    page, monitor = open_dashboard(browser, server)
    go(page, "地图")
    wait_for_visuals(page, {"deck": 1})
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    box = canvas.bounding_box()
    target = (box["x"] + box["width"] / 2 + (x - cx), box["y"] + box["height"] / 2 + (y - cy))
    page.mouse.move(*target)      # as a person does: the point is picked on hover, then clicked
    time.sleep(0.5)
    page.mouse.click(*target)
    settle(page)
    title = f"{row['name']} · 项目节点计划与实际"
    page.locator(".js-plotly-plot", has_text=title).wait_for(timeout=30_000)
    assert "在地图上点击一个小区" not in page.locator('[data-testid="stMain"]').inner_text()
    screenshots(page, "09_ditu_selected")
    assert_page_is_clean(page, monitor, "map selection")
    page.close()


def test_ledger_downloads_are_print_ready(browser, server):
    import io

    import openpyxl

    page, monitor = open_dashboard(browser, server)
    go(page, "台账")
    with page.expect_download(timeout=60_000) as excel:
        page.get_by_role("button", name="下载 Excel（打印格式）").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(excel.value.path()).read_bytes()))["台账"]
    assert excel.value.suggested_filename.endswith(".xlsx")
    assert sheet["A1"].value == "老旧小区改造台账（截至2022年5月31日）"          # the title row
    assert [c.value for c in sheet[2]][:3] == ["小区编号", "小区名称", "所属区市"]
    assert sheet.freeze_panes == "A3" and sheet.max_row == 2 + 318
    assert sheet.max_column == 13                                     # legible on an A4 width, not 42 columns
    assert "截至2022年5月31日" in sheet.oddHeader.center.text
    with page.expect_download(timeout=60_000) as csv:
        page.get_by_role("button", name="下载 CSV").click()
    text = Path(csv.value.path()).read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("小区编号,小区名称,所属区市") and len(text.splitlines()) == 1 + 318
    assert_page_is_clean(page, monitor, "downloads")
    page.close()


# Last: it changes the module's store (the pages above read the sample history as it ships).
def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_upload_bad_then_good_ledger(browser, server):
    source = (ROOT / "sample_data" / "ledgers" / "2022-05-31" / "崂山区.csv").read_bytes().decode("utf-8-sig")
    lines = source.splitlines()
    title = "崂山区老旧小区改造项目台账（截至2022年6月7日）"
    bad = _csv([title, lines[0], lines[1].replace(",2021-04-09,", ",2021-13-45,", 1), *lines[2:5]])
    good = _csv([title, *lines])

    page, monitor = open_dashboard(browser, server)
    browser_login(page, server.db)                          # uploading needs a login (tests/test_auth_browser.py)
    go(page, "台账")
    before = _digest(server.db)
    file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    # Streamlit's own English words on the uploader are replaced by Chinese ones (ui.upload.file_input)
    button_label = page.evaluate("""() => getComputedStyle(document.querySelector(
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'), '::after').content""")
    assert button_label == '"选择文件"'
    assert not page.locator('[data-testid="stFileUploaderDropzone"]').get_by_text("Upload", exact=True).is_visible()

    file_input.set_input_files(files=[{"name": "崂山区_错误.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_text("不能导入", exact=False).wait_for(timeout=60_000)
    settle(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "错误1个" in main
    assert page.locator('[data-testid="stDataFrame"]').count() >= 3          # table, report, history
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert _digest(server.db) == before, "a rejected file changed the store"
    screenshots(page, "07_upload_rejected")

    file_input.set_input_files(files=[{"name": "崂山区_0607.csv", "mimeType": "text/csv", "buffer": good}])
    page.get_by_role("button", name="确认导入").wait_for(timeout=60_000)
    assert _digest(server.db) == before, "checking a file changed the store"
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("已导入「崂山区_0607.csv」", exact=False).wait_for(timeout=60_000)
    settle(page)
    assert _digest(server.db) != before
    from loaders.store import LedgerStore

    history = LedgerStore(server.db).snapshots()
    new = history[history["source_name"] == "崂山区_0607.csv"]
    # one snapshot per (district, batch year) of the file: 崂山区 2021 and 2022, 18 communities
    assert sorted(new["batch_year"].astype(int)) == [2021, 2022]
    assert {str(d) for d in new["report_date"]} == {"2022-06-07"} and int(new["rows"].sum()) == 18
    # The history table on the page lists it first (newest first) and the date filter offers the new date.
    # The page moves to the newest report date, which the import added (the history grid is a canvas: its
    # rows are checked in the store above, and the page's confirmation names the new snapshots).
    assert "数据截至2022年6月7日" in page.locator('[data-testid="stMain"]').inner_text()
    assert "date=2022-06-07" in page.url
    assert "崂山区 2022年度 截至2022-06-07：8个小区" in page.locator('[data-testid="stMain"]').inner_text()
    screenshots(page, "08_upload_imported")
    assert_page_is_clean(page, monitor, "upload")
    page.close()
