"""The bulletin's content as plain data: what the writers (docx, xlsx, text, page preview) render.

Built by bulletin.content from the store through the metrics functions; nothing here computes a figure.
Table cells keep raw values (numbers as numbers) plus the column's kind, so the workbook stores numbers and the
document writes them in the bulletin's conventions (bulletin.cells).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union

# Column kinds: how a value is written in the document and which number format it gets in the workbook.
TEXT = "text"          # str
INT = "int"            # count: 1,108
PCT = "pct"            # percent already ×100, one decimal: 94.3
WAN = "wan"            # money in 万元, one decimal: 1,234.5
LIGHT = "light"        # 红 / 黄 / 绿
RANK_CHANGE = "rank_change"  # +2 = moved up two places; None = no previous bulletin
DATE = "date"          # date


@dataclass(frozen=True)
class Column:
    label: str          # header as printed, unit included: 累计完成投资（万元）
    kind: str = TEXT
    width: float = 1.0  # relative width in the document table


@dataclass
class Table:
    key: str                       # file-safe name, also the workbook sheet order
    title: str                     # caption above the table and the workbook sheet title
    sheet: str                     # workbook sheet name (≤ 31 chars)
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""                 # a line under the table (sources, definitions)

    def column_values(self, label: str) -> list[Any]:
        i = [c.label for c in self.columns].index(label)
        return [row[i] for row in self.rows]


@dataclass
class Chart:
    key: str                       # file name stem of the PNG
    title: str                     # caption: 图1 各区（市）开工率
    figure: Any                    # plotly go.Figure from figures/
    width_px: int = 1000           # layout size for the export; the PNG is scale× larger
    height_px: int = 560


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Subheading:
    text: str                      # （一）…


@dataclass(frozen=True)
class TableRef:
    key: str


@dataclass(frozen=True)
class ChartRef:
    key: str


Block = Union[Paragraph, Subheading, TableRef, ChartRef]


@dataclass
class Section:
    heading: str                   # 一、总体进展
    blocks: list[Block] = field(default_factory=list)


@dataclass
class BulletinContent:
    title: str                     # 青岛市城镇老旧小区改造工作动态周通报
    issue_number: int
    office: str                    # issuing office line
    as_of: date
    date_line: str                 # 2022年5月31日
    batch_years: list[int]
    districts: list[str] | None    # None = the whole city
    headline: str                  # the 总体进展 sentence(s)
    sections: list[Section]
    tables: dict[str, Table]
    charts: dict[str, Chart]
    wechat_text: str               # ≤ 300 characters
    figures: dict[str, Any] = field(default_factory=dict)   # key figures, for tests and the page

    @property
    def full_title(self) -> str:
        return f"{self.title}（第{self.issue_number}期）"

    @property
    def file_stem(self) -> str:
        return f"老旧小区改造周通报_{self.as_of:%Y%m%d}_第{self.issue_number}期"
