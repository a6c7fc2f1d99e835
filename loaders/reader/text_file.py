"""Text files: bytes -> decoded text -> one Sheet (CSV/TSV exports, text saved as .xls)."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loaders import safety
from loaders.reader.model import Sheet
from loaders.report import UnreadableLedger


@dataclass(frozen=True)
class Decoded:
    text: str
    damaged: int          # undecodable bytes replaced by U+FFFD


def decode_text(raw: bytes) -> Decoded:
    """UTF-8 (BOM or not), then GB18030 (a superset of GBK), UTF-16 with its BOM.

    A file that neither decodes strictly is read with the encoding that needs the fewest replacements, when
    those are rare (a few damaged bytes); otherwise it is unreadable.
    """
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
        order = ("utf-8", "gb18030")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(raw.decode("utf-16"), 0)
        except UnicodeDecodeError:
            order = ("utf-16",)
    else:
        order = ("utf-8", "gb18030")
    for enc in order:
        try:
            return Decoded(raw.decode(enc, errors="strict"), 0)
        except UnicodeDecodeError:
            continue
    best = None
    for enc in order:
        text = raw.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if best is None or bad < best[1]:
            best = (text, bad)
    if best is not None and best[1] <= max(3, len(raw) // 1000):
        return Decoded(*best)
    raise UnreadableLedger("无法识别CSV文件的文字编码（既不是UTF-8也不是GBK/GB18030），请用Excel另存为“CSV UTF-8”或.xlsx后再报送。")


def csv_sheet(prep: safety.Prepared) -> Sheet:
    """The file's records as one sheet of strings (a `=\"001\"` cell keeps its leading zeros)."""
    raw = prep.data if prep.data is not None else prep.path.read_bytes()
    decoded = decode_text(raw)
    text, damaged = decoded.text, decoded.damaged
    if "\x00" in text[:4096]:
        raise UnreadableLedger("无法识别的文件格式：既不是Excel工作簿，也不是CSV文本。")
    lines = text[:200_000].splitlines()[:300]
    sample = "\n".join(lines)
    sep = max([",", "\t", ";", "|"], key=lambda c: sum(line.count(c) for line in lines))
    if sum(line.count(sep) for line in lines) == 0:
        sep = ","
    try:
        width = max((len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep)), default=1)
    except csv.Error:
        width = max((line.count(sep) + 1 for line in lines), default=1)
    _within_limits(text, width)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=list(range(width)), dtype=str,
                         keep_default_na=False, skip_blank_lines=False, engine="c", quotechar='"')
    except Exception:  # noqa: BLE001 - ragged lines beyond the sample: fall back to the csv module
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        except csv.Error as exc:
            raise UnreadableLedger("CSV文件格式错误（引号或换行不配对，文件可能已损坏），无法读取。"
                                   "请用Excel打开后另存为.xlsx或“CSV UTF-8”再报送。") from exc
        width = max((len(r) for r in rows), default=1)
        df = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    if df.empty or not text.strip():
        raise UnreadableLedger("CSV文件没有任何内容。请检查是否选错了文件。")
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    for k, c in enumerate(cols):
        c[pd.isna(c)] = ""
        s_ = df[df.columns[k]]
        eq = s_.str.startswith('="', na=False)
        if eq.any():      # ="001": exported by systems that keep leading zeros through Excel
            cols[k] = np.where(eq.to_numpy(), s_.str.slice(2).str.rstrip('"').to_numpy(dtype=object), c)
    codes = [np.where(c == "", 0, 2).astype(np.int8) for c in cols]
    if damaged:
        prep.warnings.append(f"文件中有{damaged}处无法识别的字符（文件可能有损坏），已显示为“\ufffd”，请核对相关单元格。")
    line_of = None
    if '"' in text and len(df) < len(text.splitlines()):
        # quoted cells with line breaks (Alt+Enter in Excel): records and physical lines differ
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            starts, prev = [], 0
            for _ in reader:
                starts.append(prev + 1)
                prev = reader.line_num
            if len(starts) == len(df):
                line_of = np.array(starts, dtype=np.int64)
        except csv.Error:
            line_of = None
    return Sheet(name=Path(prep.name).name, nrows=len(df), cols=cols, codes=codes, line_of=line_of)


def _within_limits(text: str, width: int) -> None:
    """[upload] max_rows / max_sheet_cells hold for text files too, counted before anything is parsed (a line
    break inside a quoted cell counts as a row here: an upper bound)."""
    lim = safety.limits()
    rows = text.count("\n") + (not text.endswith("\n"))
    if rows > lim["max_rows"] + 100 or rows * width > lim["max_sheet_cells"]:
        raise UnreadableLedger(safety.oversized_sheet_message(rows, width, None))
