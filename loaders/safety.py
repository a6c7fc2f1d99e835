"""Defences against unreadable and hostile files, and parsing in a child process.

Order of checks, all before any native parser sees the file:
1. size over [upload] max_file_mb -> refused (the file is not even read);
2. content sniffing (the extension is only a hint): xlsx/xlsm (zip), xls (OLE2), CSV/text; HTML saved as .xls,
   PDF, images, empty files, truncated zips -> one clear Chinese message;
3. xlsx: zip-bomb test on the declared sizes (total uncompressed size and per-member compression ratio),
   encrypted packages, macros (vbaProject.bin: read values only, with a warning - nothing is ever executed);
4. xlsx: each sheet's used range from its <dimension> element; if that is missing, over [upload]
   max_sheet_cells / max_rows, or far smaller than the sheet's XML, the XML is streamed (loaders.xlsx_scan,
   rows and cells without references counted as Excel counts them) until the real extent is known or a
   limit is passed; a sheet over a limit is not parsed (an error naming its size, other sheets are read);
   the worker refuses a sheet over the limits again from the parser's own extent;
5. the workbook is parsed by python-calamine in a long-lived child process (loaders/_parse_worker.py) with a
   memory limit and [upload] parse_timeout_s: a native abort or a hang kills only the child, which is
   restarted for the next file. CSV is parsed in-process by pandas (no native zip/XML code involved).
"""
from __future__ import annotations

import io
import os
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from loaders import config, xlsx_scan
from loaders.report import UnreadableLedger

_MAX_TOTAL_UNCOMPRESSED = 1 << 30     # 1 GiB of XML is far beyond any ledger within the file-size limit
_MAX_RATIO = 200.0                    # ledgers compress 5-30x; bombs 1000x and more
_RATIO_MIN_SIZE = 10 << 20            # ratios are only judged on members that inflate past 10 MB


@dataclass
class Prepared:
    kind: str                      # xlsx | xls | csv
    path: Path | None
    data: bytes | None
    name: str
    warnings: list[str] = field(default_factory=list)          # sheet-less warnings (macros)
    sheet_errors: list[tuple[str, str]] = field(default_factory=list)  # (sheet, message)
    skip_sheets: list[str] = field(default_factory=list)


def limits() -> dict:
    """[upload] of config/settings.toml, with the defaults of a setting left out."""
    up = dict(config.upload_limits())
    up.setdefault("max_file_mb", 20)
    up.setdefault("max_sheet_cells", 5_000_000)
    up.setdefault("max_rows", 300_000)
    up.setdefault("parse_timeout_s", 60)
    up.setdefault("worker_memory_mb", 3072)
    up.setdefault("future_report_days", 7)
    return up


def sniff(head: bytes) -> str:
    """xlsx | xls | pdf | image | html | binary | text | empty."""
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:8].startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        return "image"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "archive"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):       # UTF-16 text (Excel's 「Unicode 文本」)
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
    low = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")) or b"<html" in low[:512]:
        return "html"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def _check_xlsx(prep: Prepared, zf: zipfile.ZipFile) -> None:
    lim = limits()
    infos = zf.infolist()
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise UnreadableLedger("文件已加密（设置了打开密码），无法读取。请取消密码后重新保存再报送。")
        if info.file_size > _RATIO_MIN_SIZE and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableLedger(
                f"文件内部数据的压缩比异常（{info.filename}：{info.compress_size:,}字节解压后为{info.file_size:,}字节），"
                "疑似“压缩炸弹”类恶意文件，已拒绝读取。")
    if total > _MAX_TOTAL_UNCOMPRESSED:
        raise UnreadableLedger(
            f"文件解压后的总大小异常（约{total / 2**20:,.0f} MB），疑似“压缩炸弹”类恶意文件，已拒绝读取。")
    names = {i.filename for i in infos}
    if any(n.endswith("workbook.bin") for n in names):
        raise UnreadableLedger("该文件是Excel二进制工作簿（.xlsb），系统不读取此格式。请在Excel中“另存为”Excel工作簿(.xlsx)后再报送。")
    if not any(n.endswith("workbook.xml") for n in names):
        if "word/document.xml" in names:
            raise UnreadableLedger("该文件是Word文档，不是Excel表格。请报送Excel（.xlsx/.xls）或CSV格式的台账。")
        if "ppt/presentation.xml" in names:
            raise UnreadableLedger("该文件是PowerPoint演示文稿，不是Excel表格。请报送Excel或CSV格式的台账。")
        if "content.xml" in names:
            raise UnreadableLedger("该文件是WPS/OpenDocument表格(.ods等)，请在WPS或Excel中另存为.xlsx后再报送。")
        raise UnreadableLedger("该文件是压缩包而不是Excel表格，无法读取。请报送Excel（.xlsx/.xls）或CSV格式的台账。")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        prep.warnings.append("该工作簿含有宏（VBA代码）。系统不会运行宏，只读取单元格中的数据；建议另存为不含宏的.xlsx后报送。")
    try:
        parts = xlsx_scan.sheet_parts(zf)
    except xlsx_scan.OversizedPart as exc:
        raise UnreadableLedger("工作簿结构文件异常庞大，疑似恶意构造的文件，已拒绝读取。") from exc
    except Exception as exc:  # noqa: BLE001 - broken workbook XML
        raise UnreadableLedger("文件已损坏（工作簿结构无法解析），无法读取。请用Excel打开并另存为.xlsx后重新报送。") from exc
    max_rows, max_cells = lim["max_rows"] + 100, lim["max_sheet_cells"]
    for name, member, _state in parts:
        if member not in names:
            continue
        ext = xlsx_scan.declared_extent(zf, member)
        # a <dimension> is only a claim: trusted when within the limits and the XML is not far larger than
        # such a range can take (a ledger cell takes some 20-200 bytes of XML)
        if (ext is not None and ext[0] <= max_rows and ext[0] * ext[1] <= max_cells
                and zf.getinfo(member).file_size <= _BYTES_PER_DECLARED_CELL * ext[0] * ext[1] + (1 << 20)):
            continue
        used = xlsx_scan.used_extent(zf, member, max_rows=max_rows, max_cells=max_cells)
        if used.within(max_rows, max_cells):
            continue
        prep.skip_sheets.append(name)
        prep.sheet_errors.append((name, oversized_sheet_message(used.rows, used.cols, used.far, used.complete)))


_BYTES_PER_DECLARED_CELL = 2000


def oversized_sheet_message(rows: int, cols: int, far: str | None, complete: bool = True) -> str:
    lim = limits()
    where = f"，最远的有内容单元格是{far}" if far and complete else ""
    at_least = "" if complete else "至少"
    return (f"工作表的使用区域过大（{at_least}{rows:,}行×{cols:,}列，{at_least}约{rows * cols:,}个单元格{where}），超过上限"
            f"{lim['max_sheet_cells']:,}个单元格/{lim['max_rows']:,}行，未读取该工作表。"
            "通常是远离数据的某个单元格误填了内容：请删除数据区域以外的多余行列后保存，再重新报送。")


def prepare(source, source_name: str | None = None) -> Prepared:
    """Size check and content sniffing; raise UnreadableLedger with one clear message when hopeless."""
    lim = limits()
    max_bytes = int(float(lim["max_file_mb"]) * 1024 * 1024)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        path = None
        name = source_name or "上传文件"
        size = len(data)
        if size > max_bytes:
            raise UnreadableLedger(f"文件过大（{size / 2**20:.1f} MB），超过上限{lim['max_file_mb']} MB，已拒绝读取。"
                                   "请删除多余的工作表、图片或格式后重新保存。")
        head = data[:8192]
    else:
        path = Path(source)
        name = source_name or path.name
        data = None
        if not path.exists():
            raise UnreadableLedger(f"找不到文件：{path}")
        if path.is_dir():
            raise UnreadableLedger(f"{path} 是一个文件夹，不是台账文件。")
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableLedger(f"文件过大（{size / 2**20:.1f} MB），超过上限{lim['max_file_mb']} MB，已拒绝读取。"
                                   "请删除多余的工作表、图片或格式后重新保存。")
        with open(path, "rb") as fh:
            head = fh.read(8192)
    kind = sniff(head)
    if kind == "empty":
        raise UnreadableLedger("文件是空的（0字节），没有任何内容。请检查是否选错了文件。")
    if kind == "pdf":
        raise UnreadableLedger("该文件是PDF文档，不是表格。请报送Excel（.xlsx/.xls）或CSV格式的台账原件。")
    if kind == "image":
        raise UnreadableLedger("该文件是图片，不是表格。请报送Excel（.xlsx/.xls）或CSV格式的台账原件。")
    if kind == "archive":
        raise UnreadableLedger("该文件是压缩包（rar/7z/gz），请解压后报送其中的Excel或CSV台账。")
    if kind == "html":
        raise UnreadableLedger("该文件实际是网页（HTML/XML）格式，只是扩展名像表格。请用Excel打开后“另存为”Excel工作簿(.xlsx)再报送。")
    if kind == "binary":
        raise UnreadableLedger("无法识别的文件格式：既不是Excel工作簿，也不是CSV文本。请报送.xlsx、.xls或.csv格式的台账。")
    prep = Prepared(kind="csv" if kind == "text" else kind, path=path, data=data, name=name)
    if kind == "xlsx":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise UnreadableLedger("文件已损坏或不完整（可能传输中断被截断），无法打开。请重新导出或复制完整文件后再报送。") from exc
        try:
            with zf:
                _check_xlsx(prep, zf)
        except UnreadableLedger:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ET.ParseError, KeyError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            raise UnreadableLedger("文件已损坏或不完整（压缩数据校验失败），无法打开。请重新导出或复制完整文件后再报送。") from exc
    elif kind == "xls":
        if size < 512:
            raise UnreadableLedger("文件已损坏或不完整（可能传输中断被截断），无法打开。请重新导出或复制完整文件后再报送。")
        blob = data if data is not None else path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in blob:   # an encrypted .xlsx is an OLE container
            raise UnreadableLedger("文件已加密（设置了打开密码），无法读取。请取消密码后重新保存再报送。")
    return prep


# ---------------------------------------------------------------- child process
from loaders._worker_client import _WORKER, warm_worker  # noqa: E402,F401 - re-exported

__all__ = ["prepare", "parse_workbook", "warm_worker", "limits", "sniff", "Prepared"]


def _decode_sheet(enc: tuple) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The worker's _encode_sheet -> (columns as contiguous object arrays, their type codes).

    The cells arrive row-major; they are placed straight into column-major order (no transpose copy).
    """
    _, nrows, width, codes, floats, joined, days, o_idx, others = enc
    cm = codes.reshape(nrows, width).T.ravel()              # column-major codes (a copy)
    out = np.empty(nrows * width, dtype=object)
    out[:] = ""
    for i, v in zip(o_idx.tolist(), others):                # bool, time …: as they are
        pos = (i % width) * nrows + i // width
        out[pos] = v
        cm[pos] = 0 if v is None else 4
    for code, vals in ((1, floats), (2, None), (3, days)):
        if code == 2:
            if not joined and not (cm == 2).any():
                continue
            split = joined.split("\x00")
            items = np.fromiter(split, dtype=object, count=len(split))
        elif not len(vals):
            continue
        elif code == 1:
            items = vals.astype(object)          # Python floats; astype is far cheaper than a list
        else:
            items = vals.astype("datetime64[D]").astype("datetime64[us]").astype(object)   # datetime objects
        # row-major order of the values -> their column-major positions
        rm_pos = np.flatnonzero(codes == code)
        cm_pos = (rm_pos % width) * nrows + rm_pos // width
        out[cm_pos] = items
    cols = list(out.reshape(width, nrows))
    ccols = list(cm.reshape(width, nrows))
    return cols, ccols


def _decoded(sh: dict) -> dict:
    grid = sh.pop("grid", None)
    sh["cols"], sh["codes"] = _decode_sheet(grid) if grid is not None else ([], [])
    return sh


def external_formulas_message(count: int, cells: list[str]) -> str:
    """The warning for cells whose value was fetched from outside the file (naming the first few)."""
    shown = "、".join(cells[:10]) + ("等" if count > 10 else "")
    return (f"该工作表有{count:,}个单元格的值来自外部链接或联网函数（如WEBSERVICE），单元格{shown}；"
            "文件中保存的是上次计算时取得的结果，可能已经过时，系统未重新计算。请核对这些单元格，"
            "或在Excel中将其“选择性粘贴为数值”后重新报送。")


def parse_workbook(prep: Prepared, on_sheet=None) -> tuple[list[dict], list[tuple]]:
    """Parse an xlsx/xls in the child process. Returns (sheets, notes); sheets have decoded column arrays.

    With on_sheet, each decoded sheet goes to on_sheet(sheet, scan_notes) as soon as it arrives (the caller
    converts it while the worker parses the next one) and the returned sheet list is empty; scan_notes are
    the notes of the parent's XML scan (formulas without values, error cells, hidden columns), known before
    the first sheet."""
    lim = limits()
    req = {"path": str(prep.path) if prep.path is not None else None, "data": prep.data, "kind": prep.kind,
           "skip": list(prep.skip_sheets), "max_cells": int(lim["max_sheet_cells"]),
           "max_rows": int(lim["max_rows"]) + 100}

    def formula_scan():
        notes = []
        if prep.kind != "xlsx":
            return notes
        with zipfile.ZipFile(io.BytesIO(prep.data) if prep.data is not None else prep.path) as zf:
            names = set(zf.namelist())
            for name, member, _ in xlsx_scan.sheet_parts(zf):
                if member in names and name not in prep.skip_sheets:
                    scan = xlsx_scan.scan_formulas(zf, member)
                    if scan.without_value:
                        notes.append(("formula_no_value", name, scan.without_value))
                    if scan.errors:
                        notes.append(("error_cells", name, scan.errors))
                    if scan.hidden:
                        notes.append(("hidden_columns", name, scan.hidden))
                    if scan.external_count:
                        notes.append(("external_formulas", name, (scan.external_count, scan.external)))
        return notes

    if os.environ.get("LEDGER_PARSE_IN_PROCESS") == "1":
        # trusted files only (benchmarks, the bundled sample data): no crash isolation, no timeout
        from loaders._parse_worker import parse

        side: list = []
        scan = threading.Thread(target=lambda: side.append(formula_scan()), name="formula-scan", daemon=True)
        scan.start()                    # calamine releases the GIL: the XML scan overlaps the parse
        try:
            reply = parse(req)
        finally:
            scan.join()
        reply["side"] = side[0] if side else []
        if on_sheet is not None and reply.get("ok"):
            for sh in reply["sheets"]:
                on_sheet(_decoded(sh), reply["side"])
            reply["sheets"] = []
    else:
        on_message = None
        if on_sheet is not None:
            req["stream"] = True

            def on_message(sh, side):
                on_sheet(_decoded(sh), side or [])
        reply = _WORKER.request(req, float(lim["parse_timeout_s"]), while_waiting=formula_scan,
                                on_message=on_message)
    if not reply.get("ok"):
        err = reply.get("error", "")
        detail = reply.get("detail", "")
        if err == "memory":
            raise UnreadableLedger("文件内容超出可处理的内存上限（可能存在异常庞大的工作表），已中止读取。")
        if "Password" in err or "password" in detail.lower() or "encrypt" in detail.lower():
            raise UnreadableLedger("文件已加密（设置了打开密码），无法读取。请取消密码后重新保存再报送。")
        raise UnreadableLedger("文件已损坏或格式不正确，无法作为Excel工作簿读取。请用Excel打开后另存为.xlsx再报送。")
    sheets = []
    for sh in reply["sheets"]:
        sheets.append(_decoded(sh))
    return sheets, reply.get("notes", []) + (reply.get("side") or [])
