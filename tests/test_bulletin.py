"""The bulletin on a tiny stored history: content, the .docx read back, the workbook, the work-group text, the CLI."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from bulletin import content as bc
from bulletin import model
from bulletin.__main__ import main
from bulletin.build import render_files
from bulletin.docx_writer import FANGSONG, HEITI
from loaders.store import LedgerStore
from metrics.headline import headline, headline_sentence
from metrics.progress import district_progress

from test_bulletin_fixtures import D24, D31, fill_store, ledger, own_tiny_store, shibei, shinan, tiny_store  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_content(tiny_store):
    return bc.build_content(tiny_store, D31)


@pytest.fixture(scope="module")
def tiny_files(tiny_content):
    return render_files(tiny_content, images=False)


def paragraphs(docx_bytes: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx_bytes)).paragraphs]


# --- content ---------------------------------------------------------------------------------------------------

def test_headline_sentence_is_computed_from_the_history(tiny_content):
    assert tiny_content.headline == (
        "截至2022年5月31日，全市2022年度计划改造老旧小区12个，已开工8个、约0.08万户，开工率66.7%，"
        "较上周提高8.3个百分点；其中完工1个；本周新开工1个。累计完成投资0.3亿元，同比增加0.2亿元。")


def test_headline_equals_the_dashboard_functions_on_the_same_frames(tiny_store, tiny_content):
    current = tiny_store.ledger_as_of(D31, [2022])
    last_week = tiny_store.ledger_as_of(D24, [2022])
    last_year = tiny_store.ledger_as_of(date(2021, 5, 31), [2021])
    h = headline(current, last_week, last_year)
    assert tiny_content.figures["headline"] == h
    assert tiny_content.headline == headline_sentence(h, D31, 2022, "全市")
    assert h.investment_yoy_wan == pytest.approx(2900.0 - 1000.0)


def test_ranking_table_in_rank_order_with_change_since_last_week(tiny_content):
    table = tiny_content.tables["ranking_start"]
    assert [r[:2] for r in table.rows] == [[1, "市南区"], [2, "市北区"], [3, "崂山区"], [None, "合计"]]
    by_name = {r[1]: r for r in table.rows}
    assert by_name["市南区"][2:5] == [4, 4, 100.0]
    assert by_name["市北区"][9] == "黄"          # 60% started, 80% due by 05-31: 20 points behind
    assert by_name["崂山区"][9] == "红"          # 33.3% started, 66.7% due: 33.3 points behind
    assert by_name["合计"][2:4] == [12, 8]
    assert table.column_values("排名变化")[:3] == [0, 0, 0]


def test_rank_change_counts_places_moved_since_the_previous_bulletin(tmp_path):
    store = LedgerStore(tmp_path / "s.sqlite")
    # 05-24: 市北区 leads; 05-31: 市南区 overtakes it
    store.import_result(ledger(D24, [r for r in shibei(D31)] + [
        dict(r, node_reached=5) for r in shinan(D24)]))
    store.import_result(ledger(D31, shibei(D31) + shinan(D31)))
    c = bc.build_content(store, D31)
    rows = {r[1]: r for r in c.tables["ranking_start"].rows}
    assert rows["市南区"][0] == 1 and rows["市南区"][10] == 1      # up one place
    assert rows["市北区"][0] == 2 and rows["市北区"][10] == -1     # down one place


def test_investment_ranking_and_weekly_increase(tiny_content):
    table = tiny_content.tables["ranking_investment"]
    assert [r[1] for r in table.rows] == ["市北区", "市南区", "崂山区", "合计"]
    rows = {r[1]: r for r in table.rows}
    assert rows["市北区"][3] == pytest.approx(1500.0)
    assert rows["市北区"][5] == pytest.approx(100.0)       # SB2 400 -> 500
    assert rows["市南区"][5] == pytest.approx(300.0)       # SN4 started with 300
    assert rows["合计"][3] == pytest.approx(2900.0)


def test_fast_slow_names_fully_started_districts():
    progress = pd.DataFrame({"district": ["市南区", "市北区", "黄岛区", "崂山区", "李沧区"],
                             "start_rate": [100.0, 104.0, 90.0, 80.0, 50.0],
                             "rank_start": [2, 1, 3, 4, 5]})
    text = bc.fast_slow_sentence(progress)
    assert text == "从各区（市）看，市北区、市南区已全部开工；开工率较低的是李沧区（50.0%）。"
    progress["start_rate"] = [99.0, 98.0, 90.0, 80.0, 50.0]
    progress["rank_start"] = [1, 2, 3, 4, 5]
    assert bc.fast_slow_sentence(progress) == ("从各区（市）看，开工率较高的是市南区（99.0%）、市北区（98.0%）；"
                                               "开工率较低的是李沧区（50.0%）、崂山区（80.0%）。")


def test_problems_and_next_week(tiny_content):
    text = "\n".join(b.text for s in tiny_content.sections for b in s.blocks if isinstance(b, model.Paragraph))
    assert "崂山区开工率33.3%，低于序时进度33.3个百分点（红色预警）" in text
    assert "市北区开工率60.0%，低于序时进度20.0个百分点（黄色预警）" in text
    assert "逾期最久的是市北区市北SB4小区立项节点，计划2022年5月1日完成，已逾期30天" in text
    overdue = tiny_content.tables["overdue"]                 # 表3: one row per community, most overdue first
    assert [r[1:] for r in overdue.rows] == [["市北区", "市北SB4小区", "立项", date(2022, 5, 1), 30, 3],
                                             ["崂山区", "崂山LS2小区", "开工", date(2022, 5, 15), 16, 1]]
    assert len(tiny_content.tables["overdue_all"].rows) == 4     # 立项, 招投标, 开工 of SB4; 开工 of LS2
    assert "崂山区（最近一次为5月17日，已14天未更新）" in text          # 未按时报送
    assert "下周共有2个小区的2个节点到期，其中市北区1个、崂山区1个" in text
    due = tiny_content.tables["due_next_week"]
    assert [(r[1], r[3], r[4]) for r in due.rows] == [("市北区", "招投标", date(2022, 6, 3)),
                                                    ("崂山区", "招投标", date(2022, 6, 2))]


def test_issue_number_counts_weeks_since_the_first_snapshot(tiny_store):
    assert bc.build_content(tiny_store, D31).issue_number == 3
    assert bc.build_content(tiny_store, date(2022, 5, 17)).issue_number == 1
    assert bc.build_content(tiny_store, D31, issue=42).full_title.endswith("（第42期）")


def test_a_past_week_is_regenerated_as_it_was(own_tiny_store):
    before = bc.build_content(own_tiny_store, D24)
    # a later week arrives (and the 2022-05-31 state moves on): the bulletin of 05-24 must not change
    own_tiny_store.import_result(ledger(date(2022, 6, 7), [dict(r, node_reached=7) for r in shinan(D31) + shibei(D31)]))
    after = bc.build_content(own_tiny_store, D24)
    assert after.headline == before.headline
    assert after.issue_number == before.issue_number
    assert after.wechat_text == before.wechat_text
    for key in before.tables:
        assert after.tables[key].rows == before.tables[key].rows, key


def test_no_snapshot_on_the_date_and_empty_store(tmp_path, tiny_store):
    with pytest.raises(bc.BulletinError, match="2022年5月30日没有2022年度台账快照.*2022年5月24日、2022年5月31日"):
        bc.build_content(tiny_store, date(2022, 5, 30))
    with pytest.raises(bc.BulletinError, match="台账库中没有任何台账快照"):
        bc.build_content(LedgerStore(tmp_path / "empty.sqlite"), D31)


def test_districts_filter_names_the_area(tiny_store):
    c = bc.build_content(tiny_store, D31, districts=["市北区"])
    assert c.headline.startswith("截至2022年5月31日，市北区2022年度计划改造老旧小区5个，已开工3个")
    assert [r[1] for r in c.tables["ranking_start"].rows] == ["市北区", "合计"]


def test_wechat_text_fits_300_characters(tiny_content):
    text = tiny_content.wechat_text
    assert len(text) <= 300
    assert text.startswith("【老旧小区改造周通报第3期】截至2022年5月31日")
    assert "开工率66.7%" in text and "红色预警：崂山区" in text


def test_wechat_text_drops_optional_clauses_to_fit(tiny_store):
    inputs = bc.load_inputs(tiny_store, D31)
    figs = bc.compute(inputs)
    full = bc.wechat_text(inputs, figs, 3)
    short = bc.wechat_text(inputs, figs, 3, limit=len(full) - 5)
    assert len(short) <= len(full) - 5 and short.endswith("详见通报。")
    assert "开工率66.7%" in short


# --- the document ------------------------------------------------------------------------------------------------

def test_docx_holds_title_masthead_and_headline(tiny_files, tiny_content):
    texts = paragraphs(tiny_files.docx)
    assert texts[0] == "青岛市城镇老旧小区改造工作动态周通报"
    assert texts[1] == "（第3期）"
    assert texts[2] == "青岛市旧城旧村改造建设指挥部办公室\t2022年5月31日"
    assert tiny_content.headline in texts
    headings = [t for t in texts if t[:2] in {"一、", "二、", "三、", "四、", "五、"}]
    assert headings == ["一、总体进展", "二、各区（市）排名", "三、快慢对比", "四、存在问题", "五、下周重点"]
    assert "（一）开工进度排名" in texts
    doc = Document(io.BytesIO(tiny_files.docx))
    assert doc.core_properties.title == "青岛市城镇老旧小区改造工作动态周通报（第3期）"


def test_docx_page_is_a4_portrait(tiny_files):
    sec = Document(io.BytesIO(tiny_files.docx)).sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert round(sec.left_margin.mm) == 28 and round(sec.top_margin.mm) == 37


def test_docx_ranking_table_rows_equal_the_computed_ranking(tiny_files, tiny_store):
    doc = Document(io.BytesIO(tiny_files.docx))
    table = doc.tables[0]
    header = [c.text.replace("\n", "") for c in table.rows[0].cells]   # long headers break before the unit
    assert header[:5] == ["排名", "区（市）", "计划改造（个）", "已开工（个）", "开工率（%）"]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    progress = district_progress(tiny_store.ledger_as_of(D31, [2022]), D31).sort_values("rank_start")
    assert [r[1] for r in body[:-1]] == list(progress["district"])
    assert [r[0] for r in body[:-1]] == [str(x) for x in progress["rank_start"]]
    assert body[0][:5] == ["1", "市南区", "4", "4", "100.0"]
    assert body[2][4] == "33.3" and body[2][9] == "红"
    assert body[-1][1] == "合计" and body[-1][2] == "12"
    assert body[0][10] == "持平"


def test_docx_tables_fit_the_text_width_and_repeat_their_header(tiny_files):
    doc = Document(io.BytesIO(tiny_files.docx))
    assert len(doc.tables) == 4
    for table in doc.tables:
        tbl_pr = table._tbl.tblPr
        assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        width = int(tbl_pr.find(qn("w:tblW")).get(qn("w:w")))
        assert abs(width - 156 / 25.4 * 1440) < 5                       # 156 mm in twips
        grid = sum(int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol")))
        assert abs(grid - width) < 20
        header_tr = table.rows[0]._tr
        assert header_tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None or row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])


def test_docx_light_cells_are_filled(tiny_files):
    table = Document(io.BytesIO(tiny_files.docx)).tables[0]
    fills = {}
    for row in table.rows[1:]:
        cell = row.cells[9]
        shd = cell._tc.tcPr.find(qn("w:shd"))
        fills[cell.text] = shd.get(qn("w:fill")) if shd is not None else None
    assert fills == {"绿": "C6EFCE", "黄": "FFE699", "红": "F8C7CC"}   # exports.writers.LIGHT_FILLS


def test_docx_declares_east_asian_fonts(tiny_files):
    doc = Document(io.BytesIO(tiny_files.docx))

    def east_asia(style_name):
        fonts = doc.styles[style_name].element.rPr.find(qn("w:rFonts"))
        return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:asciiTheme"))

    assert east_asia("Normal") == (FANGSONG, None) == ("仿宋", None)
    assert east_asia("Heading 1") == (HEITI, None) == ("黑体", None)
    assert east_asia("Heading 2") == ("黑体", None)
    assert east_asia("Title") == ("黑体", None)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    # every heading paragraph uses a heading style; every table cell run names its East Asian font
    heading_styles = {p.style.name for p in doc.paragraphs if p.text.startswith(("一、", "（一）"))}
    assert heading_styles == {"Heading 1", "Heading 2"}
    cell_fonts = {r._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
                  for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs}
    assert cell_fonts == {"黑体", "仿宋"}


def test_docx_footer_has_a_page_field(tiny_files):
    footer = Document(io.BytesIO(tiny_files.docx)).sections[0].footer
    xml = footer._element.xml
    assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    assert xml.count('w:fldCharType="begin"') == 1 and xml.count('w:fldCharType="end"') == 1


# --- the workbook ------------------------------------------------------------------------------------------------

def test_workbook_has_the_same_tables_with_numbers_as_numbers(tiny_files, tiny_content):
    wb = openpyxl.load_workbook(io.BytesIO(tiny_files.xlsx))
    assert wb.sheetnames == ["开工率排名", "投资排名", "逾期小区", "逾期节点", "下周到期节点", "未按时报送"]
    ws = wb["开工率排名"]
    header = [c.value for c in ws[1]]
    assert header == [c.label for c in tiny_content.tables["ranking_start"].columns]
    assert ws.freeze_panes == "A2"
    first = [c.value for c in ws[2]]
    assert first[:5] == [1, "市南区", 4, 4, 100]   # numbers, not text
    assert ws.cell(row=4, column=5).value == pytest.approx(100 / 3)
    assert ws.cell(row=2, column=5).number_format == "0.0"
    assert ws.cell(row=2, column=9).number_format == "#,##0.0"
    assert ws.cell(row=2, column=11).number_format == '"上升"0"位";"下降"0"位";"持平"'
    # 红/黄/绿 cells are filled by conditional formats on their text
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert sorted(r.formula[0] for r in rules) == sorted(['"红"', '"黄"', '"绿"'])
    overdue = wb["逾期节点"]
    assert [c.value for c in overdue[1]][-1] == "逾期天数（天）"
    assert overdue.cell(row=2, column=6).value == 30


def test_written_files_sit_beside_the_document(tmp_path, tiny_files):
    written = tiny_files.write(tmp_path / "out" / "通报.docx")
    names = sorted(p.name for p in written)
    assert names == ["通报.docx", "通报.xlsx", "通报_工作群.txt"]
    assert (tmp_path / "out" / "通报_工作群.txt").read_text(encoding="utf-8").strip() == tiny_files.text


# --- the CLI -----------------------------------------------------------------------------------------------------

def test_cli_writes_every_file(tmp_path, tiny_store, capsys):
    out = tmp_path / "周报.docx"
    code = main(["--as-of", "2022-05-31", "--db", str(tiny_store.path), "--out", str(out), "--no-images"])
    assert code == 0
    assert out.is_file() and (tmp_path / "周报.xlsx").is_file() and (tmp_path / "周报_工作群.txt").is_file()
    assert "已生成《青岛市城镇老旧小区改造工作动态周通报（第3期）》" in capsys.readouterr().out


def test_cli_issue_number_batch_and_districts(tmp_path, tiny_store):
    out = tmp_path / "b.docx"
    code = main(["--as-of", "2022-05-31", "--batch-year", "2022", "--issue-number", "7", "--districts", "市北",
                 "--db", str(tiny_store.path), "--out", str(out), "--no-images"])
    assert code == 0
    texts = paragraphs(out.read_bytes())
    assert texts[1] == "（第7期）"
    assert any(t.startswith("截至2022年5月31日，市北区2022年度计划改造老旧小区5个") for t in texts)


def test_cli_empty_store_exits_1_with_a_chinese_message(tmp_path, capsys):
    empty = LedgerStore(tmp_path / "empty.sqlite")
    code = main(["--as-of", "2022-05-31", "--db", str(empty.path), "--out", str(tmp_path / "x.docx")])
    assert code == 1
    err = capsys.readouterr().err
    assert "台账库中没有任何台账快照" in err and "Traceback" not in err
    assert not (tmp_path / "x.docx").exists()


def test_cli_date_without_snapshot_unknown_district_missing_db(tmp_path, tiny_store, capsys):
    assert main(["--as-of", "2022-05-30", "--db", str(tiny_store.path), "--out", str(tmp_path / "x.docx")]) == 1
    assert "2022年5月30日没有2022年度台账快照" in capsys.readouterr().err
    assert main(["--as-of", "2022-05-31", "--districts", "火星区", "--db", str(tiny_store.path),
                 "--out", str(tmp_path / "x.docx")]) == 1
    assert "未知的区（市）：火星区" in capsys.readouterr().err
    assert main(["--as-of", "2022-05-31", "--db", str(tmp_path / "nope.sqlite"), "--out", str(tmp_path / "x.docx")]) == 1
    assert "台账库文件不存在" in capsys.readouterr().err


def test_cli_as_a_process_never_shows_a_traceback(tmp_path):
    LedgerStore(tmp_path / "empty.sqlite")
    proc = subprocess.run([sys.executable, "-m", "bulletin", "--as-of", "2022-05-31", "--db",
                           str(tmp_path / "empty.sqlite"), "--out", str(tmp_path / "x.docx")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "未生成通报：台账库中没有任何台账快照" in proc.stderr and "Traceback" not in proc.stderr
    bad = subprocess.run([sys.executable, "-m", "bulletin", "--as-of", "2022-13-01", "--out", "x.docx"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "日期「2022-13-01」无法识别" in bad.stderr and "Traceback" not in bad.stderr


def test_nothing_depends_on_when_the_ledgers_were_imported(tmp_path, monkeypatch, tiny_content):
    """imported_at (the clock at import) never reaches the bulletin: a store imported years later gives the
    same content and the same document properties."""
    import loaders.store as store_module

    monkeypatch.setattr(store_module, "_now", lambda: "2031-01-01T00:00:00+00:00")
    late = fill_store(LedgerStore(tmp_path / "late.sqlite"))
    assert set(late.snapshots()["imported_at"]) == {"2031-01-01T00:00:00+00:00"}
    again = bc.build_content(late, D31)
    assert again.headline == tiny_content.headline and again.wechat_text == tiny_content.wechat_text
    assert {k: t.rows for k, t in again.tables.items()} == {k: t.rows for k, t in tiny_content.tables.items()}
    props = Document(io.BytesIO(render_files(again, images=False).docx)).core_properties
    assert props.created.date() == D31 and props.modified.date() == D31


def test_cli_without_a_browser_says_how_to_go_on(tmp_path, tiny_store, capsys, monkeypatch):
    from bulletin import render

    monkeypatch.setattr(render, "chromium_path", lambda: None)
    code = main(["--as-of", "2022-05-31", "--db", str(tiny_store.path), "--out", str(tmp_path / "x.docx")])
    assert code == 1
    err = capsys.readouterr().err
    assert "未找到系统 Chromium" in err and "--no-images" in err


def test_districts_are_named_in_the_official_order(tiny_store):
    c = bc.build_content(tiny_store, D31, districts=["崂山区", "市南区"])
    assert c.districts == ["市南区", "崂山区"]
    assert c.headline.startswith("截至2022年5月31日，市南区、崂山区2022年度计划改造老旧小区7个")


def test_cli_reads_a_typed_date_as_every_command_does(tmp_path, tiny_store):
    out = tmp_path / "b.docx"
    assert main(["--as-of", "2022/5/31", "--db", str(tiny_store.path), "--out", str(out), "--no-images"]) == 0
    assert "截至2022年5月31日" in "".join(paragraphs(out.read_bytes()))


def test_cli_unexpected_failure_is_logged_with_its_traceback_under_the_id_shown(tmp_path, tiny_store, capsys,
                                                                              monkeypatch, incident_log):
    """Before: logged at debug level under a WARNING configuration, so the traceback was lost."""
    import re

    import bulletin.build

    def broken(*args, **kwargs):
        raise LookupError("boom-in-the-bulletin")

    monkeypatch.setattr(bulletin.build, "generate", broken)
    code = main(["--as-of", "2022-05-31", "--db", str(tiny_store.path), "--out", str(tmp_path / "x.docx")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "boom" not in err
    incident = re.fullmatch(r"未生成通报：发生意外错误（LookupError）（错误编号 (E[\d-]+-[0-9a-f]{4})）。请联系系统管理员并告知错误编号。\n",
                            err).group(1)
    log = (incident_log / "incidents.log").read_text(encoding="utf-8")
    entry = log[log.index(f"=== {incident} "):]
    assert "Traceback (most recent call last)" in entry and "LookupError: boom-in-the-bulletin" in entry


def test_cli_on_a_damaged_store_says_so(tmp_path, own_tiny_store, capsys, damage_pages):
    from loaders.store import damaged_message

    damage_pages(own_tiny_store.path, pages=1)
    code = main(["--as-of", "2022-05-31", "--db", str(own_tiny_store.path), "--out", str(tmp_path / "x.docx")])
    assert code == 1
    assert capsys.readouterr().err == f"未生成通报：{damaged_message(own_tiny_store.path)}\n"
