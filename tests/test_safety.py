"""Unreadable and hostile files: one clear Chinese message within seconds, never a crash of this process."""
from __future__ import annotations

import io
import re
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders import safety  # noqa: E402
from loaders.reader import read_ledger  # noqa: E402
from loaders.report import UnreadableLedger  # noqa: E402


def _unreadable(source, **kw) -> str:
    t = time.monotonic()
    with pytest.raises(UnreadableLedger) as exc:
        read_ledger(source, **kw)
    assert time.monotonic() - t < 10
    msg = str(exc.value)
    assert msg and re.search(r"[\u4e00-\u9fff]", msg) and "Traceback" not in msg
    return msg


@pytest.mark.parametrize("name", ["notes.xlsx", "notes.xls"])
def test_plain_text_named_like_a_workbook_is_unreadable(tmp_path, name):
    p = tmp_path / name
    p.write_text("会议纪要\n本周老旧小区改造工作推进情况如下。\n", encoding="utf-8")
    assert _unreadable(p) == (f"该文件扩展名为{p.suffix}，但内容是纯文本，且不是台账表格，无法读取。"
                              "请报送Excel（.xlsx/.xls）或CSV格式的台账原件。")


def test_tab_separated_ledger_named_xls_is_read(tmp_path):
    """Some systems export a TSV and call it .xls: it is read as the text it is."""
    lines = ["\t".join("" if v is None else str(v) for v in row) for row in lb.standard_sheet()]
    p = tmp_path / "export.xls"
    p.write_text("\n".join(lines), encoding="gbk")
    r = read_ledger(p)
    assert r.errors == []
    assert r.frame["community_id"].tolist() == ["SB-001", "SB-002", "SB-003"]


def _good_xlsx(tmp_path, name="good.xlsx") -> Path:
    return lb.write_xlsx(tmp_path / name, {"市北区": lb.standard_sheet()})


def _rewrite_zip(src: Path, dst: Path, change=None, add=None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if change:
                data = change(info.filename, data)
            zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def test_empty_file(tmp_path):
    p = tmp_path / "empty.xlsx"
    p.write_bytes(b"")
    assert _unreadable(p) == "文件是空的（0字节），没有任何内容。请检查是否选错了文件。"


def test_truncated_xlsx(tmp_path):
    data = _good_xlsx(tmp_path).read_bytes()
    p = tmp_path / "cut.xlsx"
    p.write_bytes(data[: len(data) // 2])
    assert "损坏或不完整" in _unreadable(p)


@pytest.mark.parametrize("content,expected", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "图片"),
    ("<html><body><table><tr><td>小区编号</td></tr></table></body></html>".encode(), "网页"),
    (bytes(range(256)) * 8, "无法识别的文件格式"),
])
def test_not_a_spreadsheet(tmp_path, content, expected):
    p = tmp_path / "ledger.xls"
    p.write_bytes(content)
    assert expected in _unreadable(p)


def test_word_document_named_xlsx(tmp_path):
    p = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word文档" in _unreadable(p)


def test_broken_ole_file(tmp_path):
    p = tmp_path / "ledger.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + b"junk" * 500)
    assert "无法作为Excel工作簿读取" in _unreadable(p) or "损坏" in _unreadable(p)


def test_wrong_extension_is_read_by_content(tmp_path):
    csv_as_xlsx = lb.write_csv(tmp_path / "ledger.xlsx", lb.standard_sheet())
    assert len(read_ledger(csv_as_xlsx).frame) == 3
    xlsx_as_csv = tmp_path / "ledger.csv"
    xlsx_as_csv.write_bytes(_good_xlsx(tmp_path).read_bytes())
    r = read_ledger(xlsx_as_csv)
    assert r.errors == [] and len(r.frame) == 3


def test_file_over_size_limit_refused_before_reading(tmp_path, monkeypatch):
    p = _good_xlsx(tmp_path)
    real = safety.limits()
    monkeypatch.setattr(safety, "limits", lambda: {**real, "max_file_mb": 0.001})
    msg = _unreadable(p)
    assert msg.startswith("文件过大（") and "超过上限0.001 MB" in msg


def test_zip_bomb(tmp_path):
    p = tmp_path / "bomb.xlsx"
    src = _good_xlsx(tmp_path)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data + b" " * (64 << 20)   # 64 MB of blanks: compresses ~1000:1
            zout.writestr(info.filename, data)
    assert p.stat().st_size < 1 << 20
    assert "压缩炸弹" in _unreadable(p)


def test_stray_cell_far_away(tmp_path):
    from openpyxl import load_workbook

    p = lb.write_xlsx(tmp_path / "stray.xlsx", {"市北区": lb.standard_sheet(),
                                                "市南区": lb.standard_sheet([lb.row(1, "SN-1", "甲", "市南区")])})
    wb = load_workbook(p)
    wb["市北区"]["XFD1048576"] = "x"
    wb.save(p)
    t = time.monotonic()
    r = read_ledger(p)
    assert time.monotonic() - t < 10
    e = [e for e in r.errors if e.sheet == "市北区"]
    assert len(e) == 1 and e[0].row is None
    assert e[0].message.startswith("工作表的使用区域过大（1,048,576行×16,384列")
    assert "XFD1048576" in e[0].message
    assert r.frame["community_id"].tolist() == ["SN-1"]     # the other sheet is still read and reported


def test_stray_cell_far_away_in_an_xls():
    """calamine's own extent of a legacy sheet: the message counts it as Excel does and names the far cell."""
    r = read_ledger(Path(__file__).parent / "fixtures" / "ledger_far_cell.xls")
    assert [(e.sheet, e.row, e.message) for e in r.errors] == [(
        "市南区", None, "工作表的使用区域过大（65,536行×256列，约16,777,216个单元格，最远的有内容单元格是IV65536），超过上限"
        "5,000,000个单元格/300,000行，未读取该工作表。通常是远离数据的某个单元格误填了内容：请删除数据区域以外的多余行列后保存，"
        "再重新报送。")]


def test_stray_cell_without_dimension_element(tmp_path):
    from openpyxl import load_workbook

    p = _good_xlsx(tmp_path)
    wb = load_workbook(p)
    wb["市北区"]["AZ900000"] = "x"
    wb.save(p)
    q = _rewrite_zip(p, tmp_path / "nodim.xlsx",
                     change=lambda n, d: re.sub(rb"<dimension [^>]*/>", b"", d) if "worksheets" in n else d)
    r = read_ledger(q)
    assert any("使用区域过大" in e.message and "AZ900000" in e.message for e in r.errors)


def test_large_declared_dimension_but_small_content_is_read(tmp_path):
    p = _good_xlsx(tmp_path)
    q = _rewrite_zip(p, tmp_path / "bigdim.xlsx",
                     change=lambda n, d: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d)
                     if "worksheets" in n else d)
    r = read_ledger(q)
    assert r.errors == [] and len(r.frame) == 3


def test_formulas_without_cached_values(tmp_path):
    from openpyxl import load_workbook

    p = _good_xlsx(tmp_path)
    wb = load_workbook(p)
    ws = wb["市北区"]
    ws["K4"] = "=J4*0.2"           # openpyxl writes formulas without cached results
    wb.save(p)
    r = read_ledger(p)
    w = [w for w in r.warnings if "公式" in w.message]
    assert len(w) == 1 and w[0].sheet == "市北区"
    assert w[0].message.startswith("该工作表有1个公式单元格没有保存计算结果")
    assert r.frame.loc[0, "completed_investment_wan"] == 0.0   # read as empty -> 0


def test_formulas_with_cached_values_are_read(tmp_path):
    import xlsxwriter

    p = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("市北区")
    ws.write_row(0, 0, ["截至2023年6月30日"])
    ws.write_row(1, 0, ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资", "累计完成投资"])
    ws.write_row(2, 0, ["A1", "甲", "市北区", 2023, 100, 500])
    ws.write_formula(2, 6, "=F3*0.3", None, 150)
    wb.close()
    r = read_ledger(p)
    assert r.errors == [] and not any("公式" in w.message for w in r.warnings)
    assert r.frame.loc[0, "completed_investment_wan"] == 150


def test_macro_workbook_read_values_only(tmp_path):
    p = _rewrite_zip(_good_xlsx(tmp_path), tmp_path / "m.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake"})
    r = read_ledger(p)
    assert r.errors == [] and len(r.frame) == 3
    w = [w for w in r.warnings if "宏" in w.message]
    assert len(w) == 1 and w[0].message.startswith("该工作簿含有宏（VBA代码）。系统不会运行宏")


def test_native_crash_in_parser_does_not_take_the_process_down(tmp_path):
    t = time.monotonic()
    with pytest.raises(UnreadableLedger) as exc:
        safety._WORKER.request({"_test": "abort"}, timeout=20)
    assert "解析程序异常退出" in str(exc.value)
    assert time.monotonic() - t < 20
    r = read_ledger(_good_xlsx(tmp_path))          # a fresh worker serves the next file
    assert len(r.frame) == 3


def test_parser_timeout(tmp_path):
    t = time.monotonic()
    with pytest.raises(UnreadableLedger) as exc:
        safety._WORKER.request({"_test": "hang"}, timeout=1.5)
    assert time.monotonic() - t < 10
    assert str(exc.value).startswith("解析超时（超过1.5秒仍未完成）")
    assert len(read_ledger(_good_xlsx(tmp_path)).frame) == 3


def test_streamed_sheets_and_a_failing_consumer(tmp_path, monkeypatch):
    """Sheets are streamed from the parser process one by one; when the consumer fails half-way, the worker
    is replaced, so the next file never receives the rest of the old stream."""
    monkeypatch.delenv("LEDGER_PARSE_IN_PROCESS", raising=False)
    p = lb.write_xlsx(tmp_path / "three.xlsx", {n: lb.standard_sheet() for n in ("甲", "乙", "丙")})
    prep = safety.prepare(p, None)
    seen = []

    def boom(sh, side):
        seen.append(sh["name"])
        raise RuntimeError("consumer failed")
    with pytest.raises(RuntimeError):
        safety.parse_workbook(prep, on_sheet=boom)
    assert seen == ["甲"]
    names = []
    sheets, notes = safety.parse_workbook(prep, on_sheet=lambda sh, side: names.append((sh["name"], sh["nrows"])))
    assert sheets == [] and notes == []
    assert names == [("甲", 6), ("乙", 6), ("丙", 6)]
    sheets, _ = safety.parse_workbook(safety.prepare(_good_xlsx(tmp_path), None))
    assert [sh["name"] for sh in sheets] == ["市北区"]


def test_garbage_inside_a_valid_zip(tmp_path):
    p = _rewrite_zip(_good_xlsx(tmp_path), tmp_path / "g.xlsx",
                     change=lambda n, d: b"<<<not xml" if n.endswith("sheet1.xml") else d)
    try:
        r = read_ledger(p)
    except UnreadableLedger as exc:
        assert "损坏" in str(exc) or "无法" in str(exc)
    else:   # the broken sheet is named in an error: the file is rejected
        assert [(e.sheet, e.message) for e in r.errors] == [("市北区", "该工作表无法读取（内容已损坏）。")]


def test_unknown_crs_option_is_a_clear_message(tmp_path):
    assert "坐标系" in _unreadable(_good_xlsx(tmp_path), crs="utm")


def test_in_process_parse_gives_the_same_result(tmp_path, monkeypatch):
    p = lb.write_xlsx(tmp_path / "two.xlsx", {"市北区": lb.standard_sheet(),
                                             "市南区": lb.standard_sheet([lb.row(1, "SN-1", "甲", "市南区")])})
    a = read_ledger(p)
    monkeypatch.setenv("LEDGER_PARSE_IN_PROCESS", "1")
    b = read_ledger(p)
    assert a.frame.equals(b.frame)
    assert a.warnings == b.warnings and a.errors == b.errors


def test_csv_with_a_few_damaged_bytes_is_read_with_a_warning(tmp_path):
    data = bytearray(lb.write_csv(tmp_path / "a.csv", lb.standard_sheet(), encoding="gbk").read_bytes())
    pos = data.index("福寿里".encode("gbk"))
    data[pos + 1] = 0xFF                       # one broken GBK byte
    p = tmp_path / "damaged.csv"
    p.write_bytes(bytes(data))
    r = read_ledger(p)
    assert len(r.frame) == 3 and r.errors == []
    w = [w for w in r.warnings if "无法识别的字符" in w.message]
    assert len(w) == 1 and re.match(r"文件中有[12]处无法识别的字符（文件可能有损坏）", w[0].message)


def test_corrupted_zip_member_is_a_clear_message(tmp_path):
    data = bytearray(_good_xlsx(tmp_path).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 40):
        data[k] ^= 0x5A                        # damage the compressed sheet data
    p = tmp_path / "crc.xlsx"
    p.write_bytes(bytes(data))
    try:
        r = read_ledger(p)
    except UnreadableLedger as exc:
        assert "损坏" in str(exc) and "意外错误" not in str(exc)
    else:
        assert r.errors and all("意外" not in e.message for e in r.errors)


def test_mutated_files_never_raise_anything_else(tmp_path):
    """Random byte damage to an xlsx, an xls and a GBK CSV: a result or one clear message, never a crash."""
    import random

    sources = [_good_xlsx(tmp_path).read_bytes(),
               lb.write_csv(tmp_path / "m.csv", lb.standard_sheet(), encoding="gbk").read_bytes(),
               (Path(__file__).parent / "fixtures" / "ledger_small.xls").read_bytes()]
    rng = random.Random(20231130)
    for k in range(45):
        b = bytearray(sources[k % 3])
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(len(b))
            op = rng.random()
            if op < 0.6:
                b[i] = rng.randrange(256)
            elif op < 0.8:
                del b[i:i + rng.randint(1, 40)]
            else:
                b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        t = time.monotonic()
        try:
            read_ledger(bytes(b), source_name="damaged.xlsx")
        except UnreadableLedger as exc:
            assert "意外错误" not in str(exc), (k, str(exc))
        assert time.monotonic() - t < 10


def test_forked_process_gets_its_own_worker(tmp_path):
    import multiprocessing as mp

    p = _good_xlsx(tmp_path)
    assert len(read_ledger(p).frame) == 3          # the parent's worker is running
    parent_worker = safety._WORKER.proc
    ctx = mp.get_context("fork")
    q = ctx.Queue()

    def child():
        from loaders import safety as s
        q.put((s._WORKER.proc is None, len(read_ledger(p).frame)))

    proc = ctx.Process(target=child)
    proc.start()
    got = q.get(timeout=60)
    proc.join(timeout=60)
    assert got == (True, 3)
    assert safety._WORKER.proc is parent_worker and len(read_ledger(p).frame) == 3


def test_encrypted_workbook_and_xlsb_are_named(tmp_path):
    enc = tmp_path / "secret.xlsx"
    enc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000 + "EncryptedPackage".encode("utf-16-le")
                    + b"\x00" * 1000)
    assert _unreadable(enc).startswith("文件已加密（设置了打开密码）")
    xlsb = tmp_path / "book.xlsb"
    with zipfile.ZipFile(xlsb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert "二进制工作簿（.xlsb）" in _unreadable(xlsb)


# ------------------------------------------------------------------------------------------- limits (issue 10)
def _without_references(xml: bytes, extra_rows: int = 0) -> bytes:
    """The sheet XML with no <dimension> and no r= on rows and cells (as some generators write it), and
    extra_rows more rows of one number each."""
    xml = re.sub(rb"<dimension[^>]*/>", b"", xml)
    xml = re.sub(rb'\sr="[A-Z]*\d+"', b"", xml)
    more = b"".join(b"<row><c><v>%d</v></c></row>" % i for i in range(extra_rows))
    return xml.replace(b"</sheetData>", more + b"</sheetData>")


def test_rows_without_dimension_or_references_are_counted_before_parsing(tmp_path, monkeypatch):
    """714,000 rows written without <dimension> and without cell references: refused from the XML, before the
    parser sees the sheet (the other sheet is read), and quickly."""
    src = lb.write_xlsx(tmp_path / "src.xlsx", {"市北区": lb.standard_sheet(),
                                                "市南区": lb.standard_sheet([lb.row(1, "SN-1", "甲", "市南区")])})
    p = _rewrite_zip(src, tmp_path / "long.xlsx", change=lambda name, data: _without_references(data, 714_000)
                     if name == "xl/worksheets/sheet1.xml" else data)
    parsed = []
    real_parse = safety.parse_workbook
    monkeypatch.setattr(safety, "parse_workbook", lambda prep, on_sheet=None: (
        parsed.append(list(prep.skip_sheets)), real_parse(prep, on_sheet))[1])
    t = time.monotonic()
    r = read_ledger(p)
    assert time.monotonic() - t < 10
    assert parsed == [["市北区"]]          # the parser was told to leave the sheet alone
    e = [e for e in r.errors if e.sheet == "市北区"]
    assert len(e) == 1 and e[0].message.startswith("工作表的使用区域过大（至少300,101行")
    assert "超过上限5,000,000个单元格/300,000行" in e[0].message
    assert r.frame["community_id"].tolist() == ["SN-1"]


def test_sheet_without_references_within_limits_is_read(tmp_path):
    from datetime import date, datetime

    full = [lb.row(k, f"SB-00{k}", f"小区{k}", actual_done=datetime(2023, 6, k), status="已完工") for k in (1, 2, 3)]
    src = lb.write_xlsx(tmp_path / "src.xlsx", {"市北区": lb.standard_sheet(full, title=False)})   # no empty cell
    p = _rewrite_zip(src, tmp_path / "norefs.xlsx", change=lambda name, data: _without_references(data)
                     if name == "xl/worksheets/sheet1.xml" else data)
    assert b' r="' not in zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml")
    r = read_ledger(p, report_date=date(2023, 6, 30))
    assert r.errors == [] and r.frame["community_id"].tolist() == ["SB-001", "SB-002", "SB-003"]
    assert r.frame["households"].tolist() == [300, 300, 300]


def test_limits_hold_against_a_dimension_that_lies(tmp_path, monkeypatch):
    """<dimension ref="A1:R6"/> over 3,000 rows: the parser's own extent is held against the limit too."""
    real = safety.limits()
    monkeypatch.setattr(safety, "limits", lambda: {**real, "max_rows": 1000})
    src = _good_xlsx(tmp_path)

    def lie(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        more = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(7, 3007))
        data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:R6"/>', data)
        return data.replace(b"</sheetData>", more + b"</sheetData>")
    r = read_ledger(_rewrite_zip(src, tmp_path / "lie.xlsx", change=lie))
    assert len(r.frame) == 0
    assert [e.message[:21] for e in r.errors] == ["工作表的使用区域过大（3,006行×18列"]


def test_formulas_from_outside_the_file_are_named(tmp_path):
    """Cached values of external links, WEBSERVICE() and DDE are stale data: a warning names the cells."""
    src = _good_xlsx(tmp_path)

    def link(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        data = re.sub(rb'(<c r="J4"[^>]*>)', rb'\1<f>[1]Sheet1!A1</f>', data, count=1)
        data = re.sub(rb'(<c r="K4"[^>]*>)', rb'\1<f>_xlfn.WEBSERVICE("http://example.invalid/x")</f>', data, count=1)
        return re.sub(rb'(<c r="K5"[^>]*>)', rb"\1<f>cmd|' /c calc'!A0</f>", data, count=1)
    r = read_ledger(_rewrite_zip(src, tmp_path / "links.xlsx", change=link))
    w = [w for w in r.warnings if "外部链接" in w.message]
    assert len(w) == 1 and w[0].sheet == "市北区"
    assert "3个单元格" in w[0].message and "J4、K4、K5" in w[0].message
    assert r.frame.set_index("community_id").loc["SB-001", "planned_investment_wan"] == 500.0   # the cached value
    plain = read_ledger(src)
    assert not [w for w in plain.warnings if "外部链接" in w.message]


def test_text_file_row_limit_holds_before_parsing(tmp_path, monkeypatch):
    real = safety.limits()
    monkeypatch.setattr(safety, "limits", lambda: {**real, "max_rows": 1000})
    lines = ["小区编号,小区名称,所属区市,改造年度,户数,总投资,累计完成投资"]
    lines += [f"SB-{i},小区{i},市北区,2023,300,500,100" for i in range(1200)]
    p = tmp_path / "long.csv"
    p.write_text("\n".join(lines), encoding="utf-8")
    msg = _unreadable(p)
    assert msg.startswith("工作表的使用区域过大（1,201行×7列") and "1,000行" in msg
    p.write_text("\n".join(lines[:900]), encoding="utf-8")
    assert len(read_ledger(p, report_date=None).frame) == 899
