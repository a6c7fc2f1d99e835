"""What an .xlsx says about itself before any native parser sees it, read with the standard library only
(zipfile, re): its sheets, each sheet's used range however it is written (with or without <dimension>, with or
without cell references), formulas without a cached value, formulas whose value comes from outside the file
(external links, WEBSERVICE …), error cells and hidden columns. Used by loaders.safety (the limits) and by the
parser worker process (loaders._parse_worker), which must not import pandas or the reader.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

MAX_ERROR_CELLS = 10_000
MAX_NAMED_CELLS = 10_000
SCAN_LIMIT = 16 << 20    # formula scan: the first 16 MB of a sheet's XML (about 40,000 rows)


class OversizedPart(Exception):
    """A workbook structure part far larger than any real workbook's."""


def col_index(letters: str | bytes) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper():
        n = n * 26 + ((ch if isinstance(ch, int) else ord(ch)) - 64)
    return n


def col_letters(n: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> 'AZ900000'."""
    return f"{col_letters(col + 1)}{row + 1}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    """'$B$12' -> (12, 2) (1-based row, column), None when not a cell reference."""
    m = re.match(r"^\$?([A-Za-z]{1,3})\$?(\d+)$", ref)
    return (int(m.group(2)), col_index(m.group(1))) if m else None


def read_small(zf: zipfile.ZipFile, member: str, limit: int = 50 << 20) -> bytes:
    if zf.getinfo(member).file_size > limit:
        raise OversizedPart(member)
    return zf.read(member)


def sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(sheet name, zip member of its XML, state) in workbook order."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    names = set(zf.namelist())
    wb_part = "xl/workbook.xml"
    if wb_part not in names:
        cands = [n for n in names if n.endswith("workbook.xml")]
        if not cands:
            return []
        wb_part = cands[0]
    base = wb_part.rsplit("/", 1)[0]
    rels_part = f"{base}/_rels/{wb_part.rsplit('/', 1)[1]}.rels"
    targets = {}
    if rels_part in names:
        for rel in ET.fromstring(read_small(zf, rels_part)):
            t = rel.get("Target", "")
            targets[rel.get("Id")] = t.lstrip("/") if t.startswith("/") else f"{base}/{t}"
    out = []
    for sh in ET.fromstring(read_small(zf, wb_part)).iter(f"{ns_main}sheet"):
        out.append((sh.get("name", ""), targets.get(sh.get(f"{ns_rel}id"), ""), sh.get("state", "visible")))
    return out


_DIM_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([^\"]+)\"")


def declared_extent(zf: zipfile.ZipFile, member: str) -> tuple[int, int] | None:
    """(rows, columns) of the sheet's <dimension>, None when it has none."""
    with zf.open(member) as fh:
        head = fh.read(16384)
    m = _DIM_RE.search(head)
    return parse_ref(m.group(1).decode("ascii", "replace").split(":")[-1]) if m else None


@dataclass(frozen=True)
class Extent:
    rows: int             # the last row holding a value (1-based)
    cols: int             # the last column holding a value (1-based)
    far: str | None       # the far cell, as Excel names it
    complete: bool        # False: the scan stopped at more rows or cells than a limit (the sheet is larger still)

    def within(self, max_rows: int, max_cells: int) -> bool:
        return self.complete and self.rows <= max_rows and self.rows * self.cols <= max_cells


# a row (its r= may be left out: the next row) or a cell (its r= may be left out: the next column), with
# the cell's content when it has any
_ROW_OR_CELL_RE = re.compile(rb"<(?:\w+:)?(?:(row)\b([^>]*?)/?>|c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>))", re.S)
_R_ATTR_RE = re.compile(rb"\br=\"\$?([A-Za-z]{0,3})\$?(\d*)\"")
_VALUE_RE = re.compile(rb"<(?:\w+:)?(?:v|is|t)\b[^>]*>")


def used_extent(zf: zipfile.ZipFile, member: str, max_rows: int | None = None,
                max_cells: int | None = None) -> Extent:
    """Stream a sheet's XML and find the last row and column holding a value, counting rows and cells written
    without references as Excel does (each the one after the previous). With limits, stops as soon as the
    sheet holds more rows or cells with a value than a limit allows (complete=False): a hostile sheet is
    refused without being read to its end (a stray far cell is found where it is, by its reference)."""
    max_r = max_c = 0
    far = None
    row = col = 0
    rows_held = cells_held = last_row_held = 0
    tail = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = tail + chunk
            if chunk:
                # complete cells and rows only; what follows the last one waits for the next chunk
                ends = [i + len(t) for t in (b"</c>", b"</row>") if (i := data.rfind(t)) >= 0]
                if not ends and len(data) > (8 << 20):      # no cell with content at all: tags only
                    ends = [data.rfind(b"<")]
                if not ends:
                    tail = data
                    continue
                cut = max(ends)
            else:
                cut = len(data)
            for m in _ROW_OR_CELL_RE.finditer(data, 0, cut):
                if m.group(1):
                    ref = _R_ATTR_RE.search(m.group(2))
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                    continue
                ref = _R_ATTR_RE.search(m.group(3))
                if ref and ref.group(1):
                    col = col_index(ref.group(1))
                    if ref.group(2):
                        row = int(ref.group(2))
                else:
                    col += 1
                inner = m.group(4)
                if not inner or _VALUE_RE.search(inner) is None:
                    continue
                if row > max_r:
                    max_r = row
                if col > max_c:
                    max_c = col
                if row * col >= max_r * max_c:
                    far = f"{col_letters(col)}{row}"
                cells_held += 1
                if row != last_row_held:
                    rows_held, last_row_held = rows_held + 1, row
                if ((max_rows is not None and rows_held > max_rows)
                        or (max_cells is not None and cells_held > max_cells)):
                    return Extent(max_r, max_c, far, complete=False)
            if not chunk:
                break
            tail = data[cut:]
    return Extent(max_r, max_c, far, complete=True)


_F_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_C_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_V_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_REF_RE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ERR_T_RE = re.compile(rb'\bt="e"')
_F_TEXT_RE = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f>)")
_SI_RE = re.compile(rb'\bsi="(\d+)"')
# values fetched from outside the file when Excel recalculates: another workbook ([1]Sheet1!A1 after the
# external link's index), a web service, a real-time server, a DDE channel (cmd|' /c …'!A0), a DLL call
_EXTERNAL_RE = re.compile(rb"\[\d+\]|(?:_xlfn\.)?(?:WEBSERVICE|FILTERXML|RTD|CALL|REGISTER\.ID)\s*\(|\w\|'", re.I)


def _holds(data: bytes, needle: bytes, pivot: int, max_probes: int = 256) -> bool:
    """needle in data, found through its rarely used byte needle[pivot] (a one-byte find is a fast memchr; a
    multi-byte find walks every byte). After max_probes false hits the plain search takes over."""
    key = needle[pivot:pivot + 1]
    i = data.find(key, pivot)
    for _ in range(max_probes):
        if i < 0:
            return False
        if data.startswith(needle, i - pivot):
            return True
        i = data.find(key, i + 1)
    return needle in data


_COLS_RE = re.compile(rb"<(?:\w+:)?cols>(.*?)</(?:\w+:)?cols>", re.S)
_COL_RE = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")


def hidden_columns(head: bytes) -> list[int]:
    """0-based indices of the columns marked hidden in a worksheet's <cols> (at the start of its XML)."""
    end = head.find(b"sheetData")         # <cols> precedes the cells: never search the cells themselves
    m = _COLS_RE.search(head, 0, end if end >= 0 else len(head))
    if not m:
        return []
    out = []
    for c in _COL_RE.finditer(m.group(1)):
        attrs = c.group(1)
        if re.search(rb'\bhidden="(?:1|true)"', attrs):
            lo = re.search(rb'\bmin="(\d+)"', attrs)
            hi = re.search(rb'\bmax="(\d+)"', attrs)
            if lo and hi:
                out.extend(range(int(lo.group(1)) - 1, min(int(hi.group(1)), int(lo.group(1)) + 1000)))
    return out


@dataclass
class FormulaScan:
    without_value: int = 0        # formulas with no cached value; negative: at least -n (the scan stopped)
    errors: list | None = None    # (row, col, '#DIV/0!') 0-based: calamine returns error cells empty
    hidden: list | None = None    # hidden columns, 0-based
    external: list | None = None  # cells ('B12') whose cached value came from outside the file
    external_count: int = 0


def scan_formulas(zf: zipfile.ZipFile, member: str, limit: int = SCAN_LIMIT) -> FormulaScan:
    """One streamed pass over the first `limit` bytes of a worksheet XML: generated workbooks put their
    formulas in every row, so a missing cached value shows up early."""
    out = FormulaScan(errors=[], hidden=[], external=[])
    found_any = False
    tail = b""
    read = 0
    external_si: set[bytes] = set()      # shared formulas whose master reaches outside: their followers too
    with zf.open(member) as fh:
        while True:
            if read >= limit:
                out.without_value = -out.without_value
                return out
            chunk = fh.read(1 << 20)
            if read == 0:
                out.hidden.extend(hidden_columns(chunk[:1 << 16]))
            read += len(chunk)
            if not chunk:
                break
            data = tail + chunk
            if not found_any:
                # every formula sheet has a </f> (or </x:f>): shared-formula followers only follow a master
                if not _holds(data, b"f>", 0) and not _holds(data, b"v>#", 2):
                    tail = data[-16:]
                    continue
                found_any = True
            cut = data.rfind(b"</c>")
            if cut < 0:
                tail = data
                continue
            cut += 4
            for m in _C_RE.finditer(data, 0, cut):
                attrs, inner = m.group(1), m.group(2)
                v = _V_RE.search(inner)
                f = _F_TEXT_RE.search(inner) if _F_RE.search(inner) else None
                if f is not None:
                    if v is None or not v.group(1):
                        out.without_value += 1
                    si = _SI_RE.search(f.group(1))
                    outside = bool(f.group(2)) and _EXTERNAL_RE.search(f.group(2)) is not None
                    if outside and si:
                        external_si.add(si.group(1))
                    if outside or (si and not f.group(2) and si.group(1) in external_si):
                        out.external_count += 1
                        ref = _REF_RE.search(attrs)
                        if ref and len(out.external) < MAX_NAMED_CELLS:
                            out.external.append((ref.group(1) + ref.group(2)).decode())
                if v is not None and v.group(1) and _ERR_T_RE.search(attrs) and len(out.errors) < MAX_ERROR_CELLS:
                    ref = _REF_RE.search(attrs)
                    if ref:
                        out.errors.append((int(ref.group(2)) - 1, col_index(ref.group(1)) - 1,
                                           v.group(1).decode("utf-8", "replace")))
            tail = data[cut:]
    return out
