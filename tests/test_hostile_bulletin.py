"""Hostile names in the bulletin: every document (Word, Excel, work-group text, the page's preview) shows them
as written, a 10,000-character name is cut with a note instead of growing the document to forty pages, and
control characters XML cannot hold do not break the files."""
from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

import bulletin.content as bc
from bulletin import render
from bulletin.build import render_files
from figures.text import DOCUMENT_TEXT_LIMIT, document_text
from loaders.store import LedgerStore
from test_bulletin_fixtures import D17, D24, D31, community, laoshan, ledger, shibei, shinan

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
from hostile_names import HOSTILE_NAMES, LONG_NAME  # noqa: E402

CONTROL = "控制\x00字符\x07小区\x1b"
NAMES = [*HOSTILE_NAMES, CONTROL]


def hostile_rows():
    """One overdue community per hostile name in 市北区 (立项 planned 2022-05-01, not reached); the long name
    the most overdue, so that it is in the document's 表3 and its overdue sentence."""
    rows = []
    for i, name in enumerate(NAMES, start=1):
        due = "2022-04-01" if name == LONG_NAME else "2022-05-01"
        row = community(f"HX{i:02d}", "市北区", 3, plans={"approval": due, "start": "2022-07-01"})
        row["name"] = name
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def hostile_content(tmp_path_factory):
    store = LedgerStore(tmp_path_factory.mktemp("hostile-bulletin") / "store.sqlite")
    store.import_result(ledger(D17, shinan(D17) + shibei(D17) + laoshan(D17)))
    for d in (D24, D31):
        store.import_result(ledger(d, shinan(d) + shibei(d) + hostile_rows()))
    return bc.build_content(store, D31)


@pytest.fixture(scope="module")
def hostile_files(hostile_content):
    return render_files(hostile_content, images=False)


def test_every_name_is_in_the_overdue_list_as_written_and_long_ones_cut(hostile_content):
    table = hostile_content.tables["overdue_all"]
    names = table.column_values("小区名称")
    for name in NAMES:
        assert document_text(name) in names, name[:30]
    assert max(len(n) for n in names) == DOCUMENT_TEXT_LIMIT
    assert LONG_NAME[:DOCUMENT_TEXT_LIMIT - 1] + "…" in names
    assert "=1+2" in names and "**粗体**小区" in names and "@@=alert(8)" in names and "第一行 第二行" in names
    assert bc.CUT_NOTE in table.note
    assert bc.CUT_NOTE not in hostile_content.tables["ranking_start"].note   # no cut there, no note


def test_docx_cells_are_the_names_as_written(hostile_files):
    doc = Document(io.BytesIO(hostile_files.docx))
    cells = {cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    shown = cells & {document_text(n) for n in NAMES}
    assert len(shown) == bc.TOP_OVERDUE            # 表3 lists the 15 most overdue: every one a hostile name
    assert "**粗体**小区" in shown and "$x^2$小区" in shown
    assert max(len(c) for c in cells) <= DOCUMENT_TEXT_LIMIT
    text = "\n".join(p.text for p in doc.paragraphs)
    assert bc.CUT_NOTE in text
    assert LONG_NAME[:200] not in text
    assert f"逾期最久的是市北区{LONG_NAME[:DOCUMENT_TEXT_LIMIT - 1]}…立项节点" in text


def test_workbook_cells_are_strings_as_written(hostile_files):
    book = load_workbook(io.BytesIO(hostile_files.xlsx))
    sheet = book["逾期节点"]
    header = [c.value for c in sheet[1]]
    col = header.index("小区名称")
    values = [row[col].value for row in sheet.iter_rows(min_row=2)]
    assert "<b>加粗</b>" in values and "&quot;引号&quot;" in values and "-号楼" in values and "=1+2" in values
    assert all(row[col].data_type == "s" for row in sheet.iter_rows(min_row=2))
    assert max(len(v) for v in values) == DOCUMENT_TEXT_LIMIT


def test_work_group_text_is_plain(hostile_files):
    assert len(hostile_files.text) <= bc.WECHAT_LIMIT and "\x00" not in hostile_files.text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_ten_thousand_character_name_does_not_grow_the_document(hostile_files, tmp_path):
    docx = tmp_path / "hostile.docx"
    docx.write_bytes(hostile_files.docx)
    assert render.pdf_page_count(render.docx_to_pdf(docx)) <= 6
