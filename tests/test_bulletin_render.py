"""The bulletin rendered the way people see it: chart PNGs from kaleido and the system Chromium, the document in
the page images of LibreOffice (headless) and the PDF's text (poppler). Tiny stored history."""
from __future__ import annotations

import io
import re
import shutil

import pytest
from docx import Document
from PIL import Image

from bulletin import render
from bulletin.build import generate

from test_bulletin_fixtures import D31, tiny_store  # noqa: F401

pytestmark = pytest.mark.slow


def squeeze(text: str) -> str:
    """pdftotext puts spaces between CJK and digits and breaks lines; compare without any whitespace."""
    return re.sub(r"\s+", "", text)


def distinct_colours(png: bytes) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    img.thumbnail((600, 600))
    return len(img.getcolors(maxcolors=1 << 24))


@pytest.fixture(scope="module")
def files(tiny_store):
    if render.chromium_path() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): chart images cannot be made")
    return generate(tiny_store, D31)


def test_chart_pngs_are_print_resolution_and_not_blank(files):
    assert set(files.pngs) == {"investment_trend", "start_rate"}
    for key, png in files.pngs.items():
        img = Image.open(io.BytesIO(png))
        assert img.width >= 2400, key                  # 900 px layout × scale 3
        assert distinct_colours(png) > 50, key         # lines, bars, anti-aliased CJK labels: not a blank page


def test_docx_embeds_the_charts(files):
    doc = Document(io.BytesIO(files.docx))
    blobs = [rel.target_part.blob for rel in doc.part.rels.values() if "image" in rel.reltype]
    assert len(blobs) == 2
    assert all(distinct_colours(b) > 50 for b in blobs)
    assert sorted(blobs) == sorted(files.pngs.values())
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert "图1  累计完成投资走势（与上年同期对比，亿元）" in captions and "图2  各区（市）开工率与序时进度" in captions


def test_libreoffice_pdf_has_the_headline_and_cjk_fonts(files, tmp_path):
    if render.soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils is not installed: apt-get install poppler-utils")
    docx = tmp_path / "通报.docx"
    docx.write_bytes(files.docx)
    pdf = render.docx_to_pdf(docx)
    pages = render.pdf_page_count(pdf)
    assert 2 <= pages <= 6
    text = squeeze(render.pdf_text(pdf))
    assert squeeze(files.content.headline) in text
    assert "青岛市城镇老旧小区改造工作动态周通报" in text and "（第3期）" in text
    assert "—1—" in text and f"—{pages}—" in text            # the PAGE field numbers every page
    # 黑体 / 仿宋 were drawn with the CJK fonts the bulletin's fontconfig aliases point at (not a fallback box font)
    import subprocess

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts.replace(" ", "") and "NotoSerifCJK" in fonts.replace(" ", "")
    pngs = render.pdf_to_pngs(pdf, tmp_path / "page", dpi=40)
    assert len(pngs) == pages
