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

# The figure builders are designed for a 1600 px screen (figures.theme); laid out 900 px wide instead, their
# 16 px fonts print at about 8 pt across the 156 mm text width. Exported at PRINT_SCALE (2700 px, ~440 dpi).
PRINT_WIDTH_PX = 900
DEFAULT_HEIGHT_PX = 560
# At most this tall in print (the start-rate bars of ten districts are 640 px on screen), so that a chart and
# the table before it share a page more often.
MAX_PRINT_HEIGHT_PX = 500


@dataclass
class BulletinFiles:
    content: model.BulletinContent
    docx: bytes
    xlsx: bytes
    pngs: dict[str, bytes] = field(default_factory=dict)      # chart key -> PNG
    text: str = ""

    def file_names(self, stem: str | None = None) -> dict[str, str]:
        return file_names(self.content, stem)

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


def file_names(content: model.BulletinContent, stem: str | None = None) -> dict[str, str]:
    """Download / file names by kind: docx, xlsx, txt, and png:<chart key> (known before the files are built)."""
    stem = stem or content.file_stem
    names = {"docx": f"{stem}.docx", "xlsx": f"{stem}.xlsx", "txt": f"{stem}_工作群.txt"}
    for key, chart in content.charts.items():
        names[f"png:{key}"] = f"{stem}_{chart_file_title(chart)}.png"
    return names


def chart_file_title(chart: model.Chart) -> str:
    # "图1  各区（市）开工率" -> "图1_各区（市）开工率"
    return "_".join(chart.title.split())


def print_figure(fig):
    """A copy of a dashboard figure laid out for print (fixed width, white paper); the builder's traces,
    colours, fonts and axes are kept."""
    out = copy.deepcopy(fig)
    height = min(out.layout.height or DEFAULT_HEIGHT_PX, MAX_PRINT_HEIGHT_PX)
    out.update_layout(width=PRINT_WIDTH_PX, height=height, paper_bgcolor="white", plot_bgcolor="white")
    return out


def chart_pngs(content: model.BulletinContent, scale: int = PRINT_SCALE) -> dict[str, bytes]:
    figures = {key: print_figure(chart.figure) for key, chart in content.charts.items()}
    sizes = {key: (fig.layout.width, fig.layout.height) for key, fig in figures.items()}
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
