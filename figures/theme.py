"""One shared look for every figure: a CJK font stack, sizes readable on a 1600×1000 projector and in print,
and light / dark variants. Plotly figures use the registered templates "ledger_light" / "ledger_dark";
decks use the colours of `deck_palette(theme)`.

Colours of meaning (红/黄/绿, status groups) live in metrics.status so tables and Excel share them.
"""
from __future__ import annotations

import copy

import plotly.graph_objects as go
import plotly.io as pio

from figures.text import plotly_text

from metrics.status import LIGHT_COLORS, LIGHT_TEXT_COLORS, STATUS_COLORS  # noqa: F401  (re-exported)

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
# deck.gl TextLayer takes a CSS font-family string as well.
DECK_FONT_FAMILY = FONT_FAMILY

BASE_FONT_SIZE = 16
TITLE_FONT_SIZE = 22
THEMES = ("light", "dark")

# Export size for the bulletin PNGs and the size figures are designed for.
EXPORT_WIDTH, EXPORT_HEIGHT, EXPORT_SCALE = 1600, 1000, 2

_PALETTE = {
    "light": {
        "paper": "#ffffff", "plot": "#ffffff", "text": "#1f2328", "muted": "#57606a", "grid": "#e1e4e8",
        "axis": "#8c959f", "plan": "#57606a", "previous": "#8c959f", "current": "#0072b2", "late": "#d62728",
        "on_time": "#0072b2", "planned_bar": "#d5dae0", "actual_bar": "#9cc9e8", "gauge_bg": "#eef0f3",
    },
    "dark": {
        "paper": "#0e1117", "plot": "#0e1117", "text": "#f0f2f6", "muted": "#b0b7c3", "grid": "#2e3440",
        "axis": "#6e7681", "plan": "#b0b7c3", "previous": "#8c959f", "current": "#56b4e9", "late": "#ff5c5c",
        "on_time": "#56b4e9", "planned_bar": "#3a404c", "actual_bar": "#2b5f83", "gauge_bg": "#262b36",
    },
}

# Categorical colours for districts and funding sources (Okabe–Ito first, then Tableau).
CATEGORY_COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
                   "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"]
# On the dark paper Okabe–Ito's black (the eighth series: 胶州市 in district order) would vanish: light grey
# takes its place, and the dark blue is lifted so it stands off #0e1117.
_DARK_SWAPS = {"#000000": "#d0d7de", "#0072b2": "#3d9be0", "#8c564b": "#c49c94"}


def category_colors(theme: str = "light") -> list[str]:
    """The categorical colours of a theme: every one legible on that theme's paper."""
    if check_theme(theme) == "light":
        return list(CATEGORY_COLORS)
    return [_DARK_SWAPS.get(c, c) for c in CATEGORY_COLORS]


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
    return theme


def palette(theme: str = "light") -> dict:
    """Named colours of a theme: paper, plot, text, muted, grid, axis, plan, previous, current, late, …"""
    return dict(_PALETTE[check_theme(theme)])


def template_name(theme: str = "light") -> str:
    """The plotly template of a theme, registered on first use (plotly reads its base template from disk: a
    visitor who never switches to the dark theme does not wait for it)."""
    name = f"ledger_{check_theme(theme)}"
    if name not in pio.templates:
        pio.templates[name] = _build_template(check_theme(theme))
    return name


def _build_template(theme: str) -> go.layout.Template:
    p = _PALETTE[theme]
    base = copy.deepcopy(pio.templates["plotly_white" if theme == "light" else "plotly_dark"])
    t = go.layout.Template(base)
    t.layout.font = dict(family=FONT_FAMILY, size=BASE_FONT_SIZE, color=p["text"])
    t.layout.title = dict(font=dict(family=FONT_FAMILY, size=TITLE_FONT_SIZE, color=p["text"]), x=0.01,
                          xanchor="left")
    t.layout.paper_bgcolor = p["paper"]
    t.layout.plot_bgcolor = p["plot"]
    t.layout.colorway = category_colors(theme)
    t.layout.hoverlabel = dict(font=dict(family=FONT_FAMILY, size=BASE_FONT_SIZE))
    # legend top right, so it never runs into the title at the top left
    t.layout.legend = dict(font=dict(size=BASE_FONT_SIZE), orientation="h", yanchor="bottom", y=1.02, x=1,
                           xanchor="right", bgcolor="rgba(0,0,0,0)")
    axis = dict(gridcolor=p["grid"], linecolor=p["axis"], zerolinecolor=p["grid"], tickfont=dict(size=BASE_FONT_SIZE),
                title=dict(font=dict(size=BASE_FONT_SIZE)), automargin=True)
    t.layout.xaxis = axis
    t.layout.yaxis = axis
    t.layout.margin = dict(l=70, r=40, t=90, b=60)
    t.layout.separators = ".,"   # decimal point, thousands comma
    return t


def apply_theme(fig: go.Figure, theme: str = "light", title: str | None = None) -> go.Figure:
    """Give `fig` the shared template (and a title: plain text, often holding a community name, so it passes
    through plotly_text); returns the same figure."""
    fig.update_layout(template=template_name(theme))
    if title is not None:
        fig.update_layout(title_text=plotly_text(title))
    return fig


def empty_figure(message: str = "暂无数据", theme: str = "light", title: str | None = None) -> go.Figure:
    """A blank figure that says why it is blank (no rows for the filters)."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=TITLE_FONT_SIZE, color=palette(theme)["muted"]))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_theme(fig, theme, title)


def hex_to_rgb(color: str) -> list[int]:
    c = color.lstrip("#")
    return [int(c[i:i + 2], 16) for i in (0, 2, 4)]


def deck_palette(theme: str = "light") -> dict:
    """Colours of the map (RGBA lists for pydeck)."""
    if check_theme(theme) == "light":
        return {"boundary_fill": [241, 243, 245, 255], "boundary_line": [110, 118, 129, 255],
                "label": [31, 35, 40, 255], "label_background": [255, 255, 255, 200],
                "point_outline": [255, 255, 255, 230], "tooltip_bg": "#ffffff", "tooltip_text": "#1f2328",
                "tooltip_border": "#8c959f"}
    return {"boundary_fill": [38, 43, 54, 255], "boundary_line": [160, 168, 180, 255],
            "label": [240, 242, 246, 255], "label_background": [14, 17, 23, 200],
            "point_outline": [14, 17, 23, 230], "tooltip_bg": "#262b36", "tooltip_text": "#f0f2f6",
            "tooltip_border": "#6e7681"}
