"""Child process that parses workbooks with python-calamine (started by loaders.safety, which imports only
parse() from here, for trusted files parsed in-process).

Protocol on stdin/stdout: 8-byte little-endian length + pickle, one request -> one reply, for ever.
A native crash (abort, out-of-memory) kills only this process; the parent reports it and starts a new one.
Columns are sent back typed (float64 / datetime64 / joined strings) so the transfer stays cheap.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import pickle
import re
import struct
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from loaders.xlsx_scan import MAX_ERROR_CELLS


class _Codes(dict):
    def __missing__(self, key):
        return 4


_CODE = _Codes({float: 1, int: 1, str: 2, dt.datetime: 3, dt.date: 3, type(None): 0})
_ORDINAL_EPOCH = dt.date(1970, 1, 1).toordinal()


def _encode_sheet(flat: np.ndarray, nrows: int, width: int) -> tuple:
    """A sheet's cells (row-major object array) -> ('g', nrows, width, codes, floats, joined, days, o_idx, others).

    One pass for the whole sheet (no per-column overhead). codes: int8 per cell as loaders.values.type_codes
    (0 empty, 1 number, 2 text, 3 date, 4 other); floats / strings / days hold the cells of codes 1 / 2 / 3
    in row-major order; others (bool, time …) travel as they are with their flat positions.
    """
    codes = np.fromiter(map(_CODE.__getitem__, map(type, flat)), dtype=np.int8, count=len(flat))
    s_idx = np.flatnonzero(codes == 2)
    if len(s_idx):
        strs = flat[s_idx]
        empty = strs == ""
        if empty.any():
            codes[s_idx[empty]] = 0
            strs = strs[~empty]
        joined = "\x00".join(strs.tolist())
    else:
        joined = ""
    floats = flat[codes == 1].astype("float64")
    nan = np.isnan(floats)
    if nan.any():
        codes[np.flatnonzero(codes == 1)[nan]] = 0
        floats = floats[~nan]
    d = flat[codes == 3]
    days = np.fromiter(map(dt.date.toordinal, d), dtype=np.int64, count=len(d)) - _ORDINAL_EPOCH
    o_idx = np.flatnonzero(codes == 4)
    others = flat[o_idx].tolist()
    return ("g", nrows, width, codes, floats, joined, days, o_idx, others)


# BIFF records calamine does not report, with a cheap test on the Workbook stream for each before any walk:
# error values — BOOLERR (0x0205, 8 bytes) and FORMULA whose cached result is an error (result bytes
# 02 00 code 00 00 00 FF FF) — and COLINFO (0x007D, 12 bytes) whose options (bytes 8-9) have bit 0 = hidden
_XLS_BOOLERR = b"\x05\x02\x08\x00"
_XLS_FORMULA_ERROR_RE = re.compile(rb"\x02\x00[\x00\x07\x0f\x17\x1d\x24\x2a]\x00\x00\x00\xff\xff")
_XLS_HIDDEN_COLINFO_RE = re.compile(rb"\x7d\x00\x0c\x00.{8}[" + re.escape(bytes(range(1, 256, 2))) + rb"]", re.S)
_XLS_BOFS = (0x0809, 0x0409, 0x0209, 0x0009)
_XLS_WALKED = {*_XLS_BOFS, 0x0042, 0x0085, 0x007D, 0x0205, 0x0006}   # CODEPAGE BOUNDSHEET COLINFO BOOLERR FORMULA


def _xls_last_hit(stream: bytes) -> int:
    """Stream offset of the last possible error or hidden-column record (-1: none, nothing to walk). Cell
    records match by chance too (BOOLERR's header is the row and column of cell I518): the walk goes that far."""
    return max(stream.rfind(_XLS_BOOLERR),
               *(max((m.start() for m in rx.finditer(stream)), default=-1)
                 for rx in (_XLS_FORMULA_ERROR_RE, _XLS_HIDDEN_COLINFO_RE)))


def _xls_sheet_name(body: bytes, biff8: bool, encoding: str) -> str:
    """The name in a BOUNDSHEET record: BIFF8 a short XLUnicodeString, BIFF5 bytes in the CODEPAGE."""
    n = body[6]
    if biff8:
        return body[8:8 + 2 * n].decode("utf_16_le", "replace") if body[7] & 1 else body[8:8 + n].decode("latin_1")
    try:
        return body[7:7 + n].decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return body[7:7 + n].decode("latin_1")


def _xls_scan(src) -> tuple[dict[str, list], dict[str, set]]:
    """({sheet: [(row, col, '#DIV/0!'), …]}, {sheet: {col, …}}) of an .xls (0-based): its error cells, which
    calamine returns empty, and its hidden columns, which calamine does not report.

    One walk over the BIFF record headers, only up to the last place the cheap byte tests point at (usually
    no walk at all); sheets are named by their BOUNDSHEET records.
    """
    from xlrd import compdoc
    from xlrd.biffh import error_text_from_code

    data = bytes(src) if isinstance(src, (bytes, bytearray)) else open(src, "rb").read()
    try:
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
        stream = bytes(doc.get_named_stream("Workbook") or doc.get_named_stream("Book") or b"")
    except Exception:  # noqa: BLE001 - not a compound document xlrd understands: nothing to add
        return {}, {}
    last = _xls_last_hit(stream)
    errors: dict[str, list] = {}
    hidden: dict[str, set] = {}
    names: dict[int, str] = {}         # BOF offset -> sheet name
    biff8, encoding, sheet = True, "latin_1", None
    pos = 0
    while pos <= last and pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if rtype in _XLS_WALKED:
            body = stream[pos + 4:pos + 4 + size]      # short when the stream is cut
            if rtype in _XLS_BOFS:
                if pos == 0:
                    biff8 = body[:2] == b"\x00\x06"
                sheet = names.get(pos, sheet)      # an embedded chart's BOF is no sheet: stay in the worksheet
            elif rtype == 0x0042 and len(body) >= 2:
                encoding = f"cp{struct.unpack_from('<H', body)[0]}"
            elif rtype == 0x0085 and len(body) >= 8:
                names[struct.unpack_from("<I", body)[0]] = _xls_sheet_name(body, biff8, encoding)
            elif sheet is None:
                pass
            elif rtype == 0x007D and len(body) >= 10 and body[8] & 1:
                first, lastcol = struct.unpack_from("<HH", body)
                hidden.setdefault(sheet, set()).update(range(first, min(lastcol + 1, first + 1000)))
            elif (rtype == 0x0205 and len(body) >= 8 and body[7]) or (
                    rtype == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff"):
                cells = errors.setdefault(sheet, [])
                if len(cells) < MAX_ERROR_CELLS:
                    row, col = struct.unpack_from("<HH", body)
                    code = body[6] if rtype == 0x0205 else body[8]
                    cells.append((row, col, error_text_from_code.get(code, "#错误")))
        pos += 4 + size
    return errors, hidden


PARSE_THREADS = 2


def _parse_sheet(wb, meta, max_cells: int, max_rows: int) -> tuple[dict | None, tuple | None]:
    """One sheet -> (sheet dict, None), or (None, note) when it is unreadable or too big."""
    name = meta.name
    try:
        sheet = wb.get_sheet_by_name(name)
    except Exception as exc:  # noqa: BLE001 - reported per sheet
        return None, ("sheet_error", name, str(exc)[:200])
    r1, c1 = sheet.end or (0, 0)
    h, w = r1 + 1, c1 + 1          # to_python(skip_empty_area=False) starts at A1; end is the far cell, 0-based
    if h * w > max_cells or h > max_rows:     # the parent's scan passed it; the parser's own extent decides
        return None, ("too_big", name, (h, w, r1, c1))
    rows = sheet.to_python(skip_empty_area=False)
    nrows = len(rows)
    try:
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
    except Exception:  # noqa: BLE001 - merged ranges are a nicety
        merges = []
    width = max((len(r) for r in rows), default=0)
    if rows and any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    grid = None
    if rows and width:
        # fromiter: assigning a list holding datetimes to an object array is several times slower
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
        del rows
        grid = _encode_sheet(flat, nrows, width)     # typed: cheap to pickle
        del flat
    return {"name": name, "nrows": nrows, "cols": [], "grid": grid, "merges": merges,
            "hidden": not str(meta.visible).endswith("Visible")}, None


def parse(req: dict, emit=None) -> dict:
    """Parse a workbook. With emit, each sheet is handed to emit() as soon as it is parsed (streamed to the
    parent, which converts it while the next sheet is parsed) instead of being collected in the reply."""
    import python_calamine as pc

    if req.get("_test") == "abort":      # test hooks (tests/test_safety.py): a native crash, a hang
        import os
        os.abort()
    if req.get("_test") == "hang":
        import time
        time.sleep(3600)

    src = req["data"] if req.get("data") is not None else req["path"]

    def open_workbook():
        if isinstance(src, (bytes, bytearray)):
            return pc.CalamineWorkbook.from_filelike(io.BytesIO(src))
        return pc.CalamineWorkbook.from_path(src)

    wb = open_workbook()
    skip = set(req.get("skip", ()))
    max_cells = req.get("max_cells", 5_000_000)
    max_rows = req.get("max_rows", 300_100)
    sheets = []
    notes = []
    wanted = [meta for meta in wb.sheets_metadata
              if meta.name not in skip and not str(meta.typ).endswith("ChartSheet")]
    handles = threading.local()

    def one(meta):
        # a workbook handle is not shareable between threads: each parsing thread opens its own
        if not hasattr(handles, "wb"):
            handles.wb = wb if threading.current_thread() is threading.main_thread() else open_workbook()
        return _parse_sheet(handles.wb, meta, max_cells, max_rows)

    threads = min(PARSE_THREADS, len(wanted))
    if threads > 1:
        # calamine parses without the GIL: two sheets at once on two cores, handed on in workbook order
        pool = ThreadPoolExecutor(threads, thread_name_prefix="sheet")
        results = pool.map(one, wanted)
    else:
        pool = None
        results = map(one, wanted)
    # the .xls record scan runs here while the pool threads parse (calamine works without the GIL)
    xls_errors, xls_hidden = _xls_scan(src) if req.get("kind") == "xls" else ({}, {})
    try:
        for meta, (sheet_dict, note) in zip(wanted, results):
            if note is not None:
                notes.append(note)
                continue
            if meta.name in xls_errors:
                sheet_dict["error_cells"] = xls_errors[meta.name]
            if meta.name in xls_hidden:
                sheet_dict["hidden_cols"] = xls_hidden[meta.name]     # the key the reader sets for xlsx
            if emit is not None:
                emit(sheet_dict)
            else:
                sheets.append(sheet_dict)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return {"ok": True, "sheets": sheets, "notes": notes}


def _read_msg(fh):
    head = fh.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(fh.read(n))


def _write_msg(fh, obj) -> None:
    data = pickle.dumps(obj, protocol=5)
    fh.write(struct.pack("<Q", len(data)))
    fh.write(data)
    fh.flush()


def main() -> None:
    mem_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if mem_mb > 0:
        try:
            import resource
            limit = mem_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except Exception:  # noqa: BLE001 - not available everywhere
            pass
    import python_calamine  # noqa: F401 - load before the first request
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol
    while True:
        req = _read_msg(stdin)
        if req is None:
            return
        emit = (lambda sh: _write_msg(stdout, {"ok": True, "sheet": sh})) if req.get("stream") else None
        try:
            reply = parse(req, emit)
        except MemoryError:
            reply = {"ok": False, "error": "memory"}
        except Exception as exc:  # noqa: BLE001 - every failure becomes a reply
            reply = {"ok": False, "error": type(exc).__name__, "detail": str(exc)[:300]}
        _write_msg(stdout, reply)


if __name__ == "__main__":
    main()
