"""Formula injection through the downloads, checked in LibreOffice itself (headless): the CSV opened with a comma,
a semicolon, a pipe or a tab as the separator, and the xlsx, hold no live formula, and honest text such as
"-号楼" keeps no visible quote in the xlsx."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from exports import csv_bytes, excel_bytes, neutralise_text

INJECTIONS = [";=1+9", "|=1+8", "＝1+5", "=1+2", "+1+3", "-1+4", "@SUM(1,6)", "\t=1+7", "\r=1+10", "x;=1+11",
              "x|=1+12", "x,=1+13", "a\t=1+14", "第一行\n=1+15", "=HYPERLINK(\"http://example.invalid\",\"点我\")",
              "=cmd|' /C calc'!A0"]
HONEST = ["-号楼", "1-2号楼", "+86 532 0000", "@物业", "正常小区", "a=b"]
SEPARATORS = {",": 44, ";": 59, "|": 124, "\t": 9}

soffice = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(soffice is None, reason="LibreOffice not installed")


def frame() -> pd.DataFrame:
    texts = INJECTIONS + HONEST
    return pd.DataFrame({"序号": range(1, len(texts) + 1), "小区名称": texts})


def lo_convert(source: Path, target_filter: str, out_dir: Path, infilter: str | None = None) -> Path:
    with tempfile.TemporaryDirectory(prefix="exports-lo-") as profile:
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", target_filter, "--outdir", str(out_dir), str(source)]
        subprocess.run(cmd, env=dict(os.environ, HOME=profile), capture_output=True, timeout=180, check=True)
    ext = target_filter.split(":")[0]
    return out_dir / f"{source.stem}.{ext}"


def text(value: str) -> str:
    """A cell's text: xlsx stores a carriage return as the escape "_x000D_", which openpyxl leaves as it is."""
    return value.replace("_x000D_", "\r")


def formulas(xlsx: Path) -> list[tuple[str, str]]:
    sheet = load_workbook(xlsx).active
    return [(c.coordinate, c.value) for row in sheet.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_every_would_be_cell_starting_with_a_trigger_is_quoted(text):
    out = neutralise_text(text)
    for sep in [*SEPARATORS, "\r", "\n"]:
        for part in out.split(sep):
            assert not part or part[0] not in "=+-@＝＋－＠\t\r", (text, sep, part)


@needs_lo
@pytest.mark.parametrize("sep", list(SEPARATORS))
def test_csv_opened_in_libreoffice_with_any_separator_has_no_formula(tmp_path, sep):
    source = tmp_path / "ledger.csv"
    source.write_bytes(csv_bytes(frame()))
    xlsx = lo_convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out",
                      infilter=f"CSV:{SEPARATORS[sep]},34,76,1")
    assert formulas(xlsx) == []


@needs_lo
def test_xlsx_cells_are_text_as_written_in_libreoffice(tmp_path):
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(excel_bytes(frame()))
    sheet = load_workbook(io.BytesIO(source.read_bytes())).active
    cells = [sheet.cell(r, 2) for r in range(2, sheet.max_row + 1)]
    assert [text(c.value) for c in cells] == INJECTIONS + HONEST        # no quote prefix: "-号楼" is "-号楼"
    assert all(c.data_type == "s" and not c.quotePrefix for c in cells)
    # LibreOffice reads the file and writes it back as values: every text as written, nothing computed.
    again = lo_convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out")
    assert formulas(again) == []
    back = load_workbook(again).active
    assert [text(back.cell(r, 2).value) for r in range(2, back.max_row + 1)] == INJECTIONS + HONEST
