"""One bulletin, every file: the .docx, the .xlsx, the chart PNGs and the work-group text, as bytes (for the
page's download buttons) or written beside the document (for the CLI)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .content import build_content
from .docx_writer import write_docx
from .render import PRINT_SCALE, figures_to_png
from .workbook import write_workbook

# Charts are laid out at this size (px) and exported at PRINT_SCALE; in the document they span the 156 mm text
# width, so a 760 px layout makes its 12–14 px fonts print at about 7–8 pt.
PRINT_WIDTH_PX, PRINT_HEIGHT_PX = 760, 420
PRINT_FONT_PX = 13


@dataclass
class BulletinFiles:
    content: model.BulletinContent
    docx: bytes
    xlsx: bytes
    pngs: dict[str, bytes] = field(default_factory=dict)      # chart key -> PNG
    text: str = ""

    def file_names(self, stem: str | None = None) -> dict[str, str]:
        """Download / file names by kind: docx, xlsx, txt, and png:<chart key>."""
        stem = stem or self.content.file_stem
        names = {"docx": f"{stem}.docx", "xlsx": f"{stem}.xlsx", "txt": f"{stem}_工作群.txt"}
        for key, chart in self.content.charts.items():
            names[f"png:{key}"] = f"{stem}_{chart_file_title(chart)}.png"
        return names

    def write(self, docx_path: str | Path) -> list[Path]:
        """The document at `docx_path`; the workbook, PNGs and text beside it, named after it."""
        docx_path = Path(docx_path)
        docx_path.parent.mkdir(parents=True, exist_ok=True)
        stem = docx_path.with_suffix("").name
        names = self.file_names(stem)
        written = [docx_path]
        docx_path.write_bytes(self.docx)
        others = {"xlsx": self.xlsx, "txt": (self.text + "\n").encode("utf-8")}
        others.update({f"png:{k}": v for k, v in self.pngs.items()})
        for kind, data in others.items():
            path = docx_path.with_name(names[kind])
            path.write_bytes(data)
            written.append(path)
        return written


def chart_file_title(chart: model.Chart) -> str:
    # "图1  各区（市）开工率" -> "图1_各区（市）开工率"
    return "_".join(chart.title.split())


def print_figure(fig):
    """A copy of a dashboard figure sized for print: fixed layout size, slightly larger fonts, white paper
    background. The builder's traces, colours and axes are kept as they are."""
    out = copy.deepcopy(fig)
    out.update_layout(width=PRINT_WIDTH_PX, height=PRINT_HEIGHT_PX, font_size=PRINT_FONT_PX,
                      paper_bgcolor="white")
    return out


def chart_pngs(content: model.BulletinContent, scale: int = PRINT_SCALE) -> dict[str, bytes]:
    figures = {key: print_figure(chart.figure) for key, chart in content.charts.items()}
    sizes = {key: (PRINT_WIDTH_PX, PRINT_HEIGHT_PX) for key in figures}
    return figures_to_png(figures, scale=scale, sizes=sizes)


def render_files(content: model.BulletinContent, *, images: bool = True) -> BulletinFiles:
    pngs = chart_pngs(content) if images and content.charts else {}
    return BulletinFiles(content=content, docx=write_docx(content, pngs), xlsx=write_workbook(content),
                         pngs=pngs, text=content.wechat_text)


def generate(store, as_of, batch_years=None, districts=None, issue: int | None = None, *,
             images: bool = True) -> BulletinFiles:
    """The bulletin of `as_of` from `store` (raises content.BulletinError with a Chinese message when there is
    none)."""
    return render_files(build_content(store, as_of, batch_years, districts, issue), images=images)
