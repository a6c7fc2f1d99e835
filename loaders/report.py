"""What reading a ledger produces: the canonical frame and one report of errors and warnings."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import pandas as pd


class UnreadableLedger(Exception):
    """The file cannot be read at all (empty, truncated, not a spreadsheet, too large, hostile).

    str(exc) is one clear Chinese sentence for the user.
    """


def place(sheet: str) -> str:
    """工作表「市北区」, or 文件「市北区.csv」 for a CSV (which has no sheets)."""
    return f"文件「{sheet}」" if str(sheet).lower().endswith((".csv", ".txt", ".tsv")) else f"工作表「{sheet}」"


@dataclass(frozen=True)
class Issue:
    """One finding, located as the user sees the file in Excel.

    row: the Excel row number counting title and header rows (for CSV the line number, header = line 1);
    None for findings about a whole sheet or column. column: the header as written in the file.
    """

    level: str  # "error" | "warning"
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("level")
        return d

    def describe(self) -> str:
        """One line for people: 工作表「市北区」第12行「实际开工时间」：值「2023-13-01」…"""
        where = place(self.sheet)
        if self.row is not None:
            where += f"第{self.row}行"
        if self.column:
            where += f"「{self.column}」列"
        value = f"（值：「{self.value}」）" if self.value not in (None, "") else ""
        return f"{where}：{self.message}{value}"


@dataclass
class LedgerResult:
    frame: pd.DataFrame            # canonical columns (loaders.schema.COLUMNS); rows of rejected files too
    report_date: date | None
    source_name: str
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
