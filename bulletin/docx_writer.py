"""The bulletin as a Word document in the official style (GB/T 9704 conventions, adapted to a weekly 简报).

A4, margins 37/35/28/26 mm; a red masthead with the title, the issue number, the issuing office and the date;
headings 一、 and （一） in 黑体, body in 仿宋 三号 with a two-character first-line indent; tables that span the text
width with a header row repeated on every page; charts full width; "— N —" page numbers in the footer.

Chinese fonts must be declared as East Asian fonts (w:rFonts/@w:eastAsia): python-docx's `font.name` only sets the
ASCII/hAnsi fonts, and Word/WPS then draw the Chinese text in the default East Asian font (usually 宋体).
"""
from __future__ import annotations

import io
from datetime import datetime, time
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from exports.writers import LIGHT_FILLS

from . import model
from .cells import cell_text

# East Asian font names as Word and WPS write them for a Chinese user (simhei.ttf / simfang.ttf on Windows).
HEITI = "黑体"
FANGSONG = "仿宋"
LATIN = "Times New Roman"

TITLE_PT = 22        # 二号
HEADING_PT = 16      # 三号
BODY_PT = 16         # 三号
TABLE_PT = 10.5      # 五号
WIDE_TABLE_PT = 9    # 小五, for tables of more than eight columns
CELL_MARGIN_MM = 1.0
CAPTION_PT = 12      # 小四
LINE_PT = 28         # fixed line pitch of official documents (22 lines a page)
RED = RGBColor(0xC0, 0x00, 0x00)

PAGE_W_MM, PAGE_H_MM = 210, 297
MARGINS_MM = dict(top=37, bottom=35, left=28, right=26)
TEXT_W_MM = PAGE_W_MM - MARGINS_MM["left"] - MARGINS_MM["right"]   # 156 mm

# The same pale 红/黄/绿 fills as the Excel downloads.
LIGHT_FILL = {word: colour.lstrip("#").upper() for word, colour in LIGHT_FILLS.items()}
HEADER_FILL = "E7E6E6"


def write_docx(content: model.BulletinContent, images: dict[str, bytes], target=None) -> bytes:
    """Render `content` (with the chart PNGs by chart key) as .docx; write it to `target` if given; return bytes."""
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    _core_properties(doc, content)
    _masthead(doc, content)
    for section in content.sections:
        _heading(doc, section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, model.Paragraph):
                _body(doc, block.text)
            elif isinstance(block, model.Subheading):
                _heading(doc, block.text, level=2)
            elif isinstance(block, model.TableRef):
                _table(doc, content.tables[block.key])
            elif isinstance(block, model.ChartRef):
                chart = content.charts[block.key]
                if block.key in images:
                    _chart(doc, chart, images[block.key])
    _footer_page_number(doc)
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    if target is not None:
        Path(target).write_bytes(data)
    return data


# Elements that follow w:pBdr in w:pPr and w:tblW in w:tblPr (ECMA-376 order; Word rejects misplaced ones).
PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                  "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                  "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                  "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
TBLPR_AFTER_TBLW = ("w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
                    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


# --- page and styles --------------------------------------------------------------------------------------------

def _page_setup(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sec.footer_distance = Mm(20)
    sec.header_distance = Mm(15)


def set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Set the ASCII, hAnsi and East Asian fonts of a w:rPr (style, run or document default), dropping theme
    fonts that would otherwise win over the named ones."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        first = rpr[0] if len(rpr) else None
        rpr.insert(1 if first is not None and first.tag == qn("w:rStyle") else 0, fonts)  # after rStyle only
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _style_fonts(style, east_asia: str, size_pt: float, bold: bool = False) -> None:
    style.font.name = LATIN
    style.font.size = Pt(size_pt)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element.get_or_add_rPr(), east_asia)


def _styles(doc) -> None:
    # Document defaults too, so that anything without a style (numbering, fields) stays in 仿宋.
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr_default, FANGSONG)
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = doc.styles["Normal"]
    _style_fonts(normal, FANGSONG, BODY_PT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False

    for name in ("Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        size = TITLE_PT if name == "Title" else HEADING_PT
        _style_fonts(style, HEITI, size)
        pf = style.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT if name != "Title" else 36)
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)
        pf.keep_with_next = True
        _drop_border(style)

    caption = doc.styles["Caption"]
    _style_fonts(caption, HEITI, CAPTION_PT)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    caption.paragraph_format.space_before = Pt(3)
    caption.paragraph_format.space_after = Pt(6)


def _drop_border(style) -> None:
    # The default template's Title style has a blue bottom border; the masthead draws its own red rule.
    ppr = style.element.find(qn("w:pPr"))
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _core_properties(doc, content: model.BulletinContent) -> None:
    cp = doc.core_properties
    cp.title = content.full_title
    cp.author = content.office
    cp.subject = "城镇老旧小区改造工作动态周通报"
    cp.keywords = f"截至{content.date_line}"
    cp.comments = "由台账历史自动生成"
    # Dated by the report date, not the clock: regenerating a past week gives the same document properties.
    stamp = datetime.combine(content.as_of, time(18, 0))
    cp.created = cp.modified = stamp
    cp.last_printed = stamp
    cp.revision = 1


# --- blocks -----------------------------------------------------------------------------------------------------

def _masthead(doc, content: model.BulletinContent) -> None:
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(content.title)
    run.font.color.rgb = RED
    title.paragraph_format.space_before = Pt(12)

    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_before = Pt(6)
    number.paragraph_format.space_after = Pt(12)
    number.add_run(f"（第{content.issue_number}期）")

    # Office at the left, date at the right margin, above a red rule.
    line = doc.add_paragraph()
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_W_MM), WD_TAB_ALIGNMENT.RIGHT)
    line.paragraph_format.space_after = Pt(18)
    line.add_run(content.office)
    line.add_run("\t")
    line.add_run(content.date_line)
    _bottom_rule(line, RED, size_eighths=12)


def _bottom_rule(paragraph, color: RGBColor, size_eighths: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), str(color))
    bdr.append(bottom)
    ppr.insert_element_before(bdr, *PPR_AFTER_PBDR)


def _heading(doc, text: str, level: int) -> None:
    p = doc.add_paragraph(style=f"Heading {level}")
    p.add_run(text)
    p.paragraph_format.first_line_indent = Pt(2 * HEADING_PT)
    if level == 1:
        p.paragraph_format.space_before = Pt(6)


def _body(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    p.add_run(text)


def _chart(doc, chart: model.Chart, png: bytes) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE   # an exact pitch would clip the picture
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(6)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(TEXT_W_MM))
    doc.add_paragraph(chart.title, style="Caption")


def _table(doc, table: model.Table) -> None:
    caption = doc.add_paragraph(table.title, style="Caption")
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)

    n = len(table.columns)
    t = doc.add_table(rows=1 + len(table.rows), cols=n)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = _column_widths_mm(table.columns)
    _table_width(t, widths)
    size = WIDE_TABLE_PT if n > 8 else TABLE_PT

    header = t.rows[0]
    _repeat_header(header)
    for cell, col, width in zip(header.cells, table.columns, widths):
        _cell(cell, _header_lines(col.label, width, size), size, heading=True)
        _shade(cell, HEADER_FILL)
    for r, values in enumerate(table.rows, start=1):
        row = t.rows[r]
        _cant_split(row)
        for cell, col, value in zip(row.cells, table.columns, values):
            _cell(cell, cell_text(value, col.kind), size, align_left=(col.kind == model.TEXT and col.width > 2))
            if col.kind == model.LIGHT and value in LIGHT_FILL:
                _shade(cell, LIGHT_FILL[value])
    if table.note:
        note = doc.add_paragraph()
        note.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        note.paragraph_format.space_before = Pt(3)
        note.paragraph_format.space_after = Pt(6)
        run = note.add_run(table.note)
        run.font.size = Pt(TABLE_PT)
    else:
        spacer = doc.add_paragraph()
        spacer.paragraph_format.line_spacing = Pt(8)


def _header_lines(label: str, width_mm: float, size_pt: float) -> str:
    """Break a header that does not fit on one line before its unit: 计划投资（万元） -> 计划投资\n（万元）, so
    the unit is never split as （万 / 元）."""
    per_line = (width_mm - 2 * CELL_MARGIN_MM) / (size_pt * 25.4 / 72)   # full-width characters per line
    if len(label) <= per_line or "（" not in label:
        return label
    head, _, unit = label.rpartition("（")
    return f"{head}\n（{unit}"


def _column_widths_mm(columns: list[model.Column]) -> list[float]:
    total = sum(c.width for c in columns)
    return [TEXT_W_MM * c.width / total for c in columns]


def _table_width(t, widths_mm: list[float]) -> None:
    """A fixed layout exactly as wide as the text block: tblW, tblLayout, tblGrid and every cell's tcW."""
    tbl_pr = t._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.insert_element_before(tbl_w, *TBLPR_AFTER_TBLW)
    tbl_w.set(qn("w:w"), str(int(Mm(TEXT_W_MM).twips)))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_pr.get_or_add_tblLayout().set(qn("w:type"), "fixed")
    margins = OxmlElement("w:tblCellMar")   # narrow left/right cell margins: more room for the figures
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(int(Mm(CELL_MARGIN_MM).twips)))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
    for grid_col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        grid_col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in t.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)


def _repeat_header(row) -> None:
    _cant_split(row)
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().insert_element_before(el, "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
                                                    "w:trPrChange")


def _cant_split(row) -> None:
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().insert_element_before(el, "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc",
                                                    "w:hidden", "w:ins", "w:del", "w:trPrChange")


def _cell(cell, text: str, size_pt: float, heading: bool = False, align_left: bool = False) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT if align_left else WD_ALIGN_PARAGRAPH.CENTER
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(1)
    pf.space_after = Pt(1)
    run = p.add_run(text)           # python-docx turns "\n" into a line break (w:br)
    run.font.size = Pt(size_pt)
    if heading:
        set_fonts(run._r.get_or_add_rPr(), HEITI)
    else:
        set_fonts(run._r.get_or_add_rPr(), FANGSONG)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.insert_element_before(shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                                "w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")


def _footer_page_number(doc) -> None:
    """"— N —" centred in the footer, N a PAGE field so Word, WPS and LibreOffice number every page."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    def run(text: str | None = None):
        r = p.add_run(text or "")
        r.font.size = Pt(14)   # 四号
        set_fonts(r._r.get_or_add_rPr(), FANGSONG)
        return r

    run("— ")
    r = run()
    _field_char(r, "begin")
    r = run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    r._r.append(instr)
    r = run()
    _field_char(r, "separate")
    run("1")
    r = run()
    _field_char(r, "end")
    run(" —")


def _field_char(run, kind: str) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    run._r.append(el)
