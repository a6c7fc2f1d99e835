"""Hostile names in a real browser: every name of tests/fixtures/hostile_names.py through the markdown sinks,
the node timeline (labels, title) and the community deck's tooltip, shown exactly as written, never as markup
or a deck.gl expression, and nothing fetched from outside.

Runs tests/fixtures/hostile_app.py with `streamlit run` on a loopback port (see test_browser.py for the harness).
"""
from __future__ import annotations

import sys
import time

import pytest

from streamlit_server import streamlit_server
from test_browser import CHROMIUM, Monitor, browser, settle, wait_for_visuals  # noqa: F401
from test_pages import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from hostile_names import HOSTILE_NAMES  # noqa: E402

pytestmark = pytest.mark.browser
APP = ROOT / "tests" / "fixtures" / "hostile_app.py"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("hostile-app"), {}, app=APP) as running:
        yield running.url


def shown(text: str) -> str:
    """What a markdown sink must show: the text as written, with line breaks and runs of white space as one space
    (as HTML shows any text)."""
    import re

    return re.sub(r"\s+", " ", text).strip()


def visible(text: str) -> str:
    """Text without the invisible marks the sinks add (bidi isolates, word joiners)."""
    return "".join(ch for ch in text if ch not in BIDI + "\u2060").strip()


def open_case(browser, url: str, case: int):
    page = browser.new_page()
    monitor = Monitor(page)
    page.goto(f"{url}/?case={case}", timeout=60_000)
    settle(page)
    wait_for_visuals(page, {"deck": 1, "plotly": 1})
    return page, monitor


def test_markdown_sinks_show_every_hostile_name_as_written(browser, app_url):
    page, monitor = open_case(browser, app_url, 14)
    for i, name in enumerate(HOSTILE_NAMES):
        for sink in ("md", "cap", "err"):
            block = page.locator(f".st-key-{sink}_{i}")
            assert visible(block.inner_text()) == visible(shown(name)), (sink, i, name[:40])
            assert block.locator("img, a, b, strong, em, h1, code, ul, ol, table, .katex, script").count() == 0, \
                (sink, i, name[:40])
    assert not monitor.outside, sorted(monitor.outside)
    assert not monitor.errors, monitor.errors[:3]
    page.close()


def test_timeline_labels_and_title_are_text(browser, app_url):
    page, monitor = open_case(browser, app_url, 6)   # "<b>加粗</b>" in the title
    chart = page.locator(".js-plotly-plot").first
    title = visible(chart.locator(".gtitle").text_content())
    assert title == "<b>加粗</b> · 项目节点计划与实际"
    ticks = [visible(t) for t in chart.locator(".ytick text").all_text_contents()]
    for name in HOSTILE_NAMES:
        if len(name) < 100 and "\n" not in name and "\r" not in name:
            assert visible(name) in ticks, name
    assert chart.locator("a").count() == 0
    assert not monitor.outside and not monitor.errors, (monitor.outside, monitor.errors[:3])
    page.close()


@pytest.mark.parametrize("case", [14, 15, 16, 6, 17, 21])   # @@=alert(8), @@=lon, @@#GL.ONE, <b>, &quot;, {name}
def test_map_renders_and_tooltip_shows_name_and_street_as_written(browser, app_url, case):
    page, monitor = open_case(browser, app_url, case)
    name = HOSTILE_NAMES[case]
    deck = page.locator('[data-testid="stDeckGlJsonChart"]')
    assert "Error" not in deck.inner_text()
    canvas = deck.locator("canvas").first
    box = canvas.bounding_box()
    tip = page.locator(".deck-tooltip")
    for dx in (0, 1, -1, 2):   # the single point is drawn at the centre of the view
        page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
        time.sleep(0.7)
        if tip.count() and tip.first.is_visible():
            break
    lines = [visible(line) for line in tip.first.inner_text().splitlines()]
    assert lines[0] == name
    assert lines[1] == f"市南区 · {name}"
    assert tip.first.locator("b, a, img").count() == 0
    assert not monitor.outside, sorted(monitor.outside)
    assert not monitor.errors, monitor.errors[:3]
    page.close()


@pytest.mark.parametrize("name, size, expected", [
    ("周报.xlsx", int(19.5 * 2**20), "文件已损坏"),       # under the product's 20 MiB: reaches the reader
    ("周报.xlsx", 21 * 2**20, "超过上限20 MB"),            # over it: the reader's Chinese message and real limit
    ("周报.xlsm", 1000, "文件已损坏"),                     # .xlsm is read by the reader, so the widget takes it
])
def test_upload_widget_leaves_limits_to_the_product(browser, app_url, name, size, expected):
    page, monitor = open_case(browser, app_url, 0)
    note = page.evaluate("""() => getComputedStyle(document.querySelector(
        '[data-testid="stFileUploaderDropzoneInstructions"] > div'), '::after').content""")
    assert note == '"拖入文件或点击选择 · 单个文件不超过20MB · XLSX、XLSM、XLS、CSV"'
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04" + b"x" * (size - 4)}])
    page.get_by_text(expected, exact=False).wait_for(timeout=120_000)
    widget = page.locator('[data-testid="stFileUploader"]')
    assert widget.locator('[role="alert"]').count() == 0, widget.inner_text()
    assert "or smaller" not in widget.inner_html() and "not allowed" not in widget.inner_html()
    page.close()


def test_file_over_the_transport_limit_is_refused_in_chinese(browser, app_url, tmp_path):
    """A file over server.maxUploadSize never reaches the server: the widget refuses it, and its English words
    ("File must be 64.0MB or smaller") are replaced, on the chip and in its hover tooltip."""
    too_big = tmp_path / "全市台账.xlsx"
    too_big.write_bytes(b"PK\x03\x04" + b"x" * (65 * 2**20))
    page, monitor = open_case(browser, app_url, 0)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(too_big))
    chip = page.locator('[data-testid="stFileChip"][aria-invalid="true"]')
    chip.wait_for(timeout=60_000)
    expected = '"无法上传：文件超过64MB的传输上限，或上传中断。台账文件不超过20MB，每次上传一个文件。"'
    assert page.evaluate("""() => getComputedStyle(document.querySelector('[data-testid="stFileChips"]'),
                                                    '::after').content""") == expected
    chip.hover()
    tip = page.locator('[data-testid="stTooltipErrorContent"]')
    tip.wait_for(timeout=10_000)
    assert tip.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    assert tip.evaluate("e => getComputedStyle(e, '::after').content") == expected
    page.close()
