"""The big screen (大屏) of the meeting room: one 1920×1080 screen, no scrolling, dark by default, figures large
enough to read from the back of the room. This module holds its frame (the CSS that drops the sidebar and the
page chrome, the switch to the dark theme), its headline tiles and its laggards list; views/bigscreen.py lays
them out with the shared figures."""
from __future__ import annotations

import html
import math

import pandas as pd
import streamlit as st

from metrics.numbers import fmt_int, fmt_number, fmt_pct
from metrics.progress import GREEN, laggards_first
from metrics.status import LIGHT_COLORS, LIGHT_TEXT_COLORS
from ui import layout
from ui.cards import Card, shown_sign

URL_PATH = "dapingmu"   # the page's address (dashboard.py)

SCREEN_CSS = """<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding: 10px 18px 0 18px !important; max-width: 100% !important; }
  [data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 8px; }
  .bs-title { display: flex; align-items: baseline; gap: 24px; margin: 0; }
  .bs-title h1 { font-size: 34px; margin: 0; padding: 0; line-height: 1.2; }
  .bs-title span { font-size: 20px; opacity: .75; }
  .bs-tiles { display: grid; grid-template-columns: repeat(8, 1fr); gap: 10px; }
  .bs-tile { border: 1px solid rgba(128,128,128,.35); border-radius: 6px; padding: 6px 12px; height: 126px;
             box-sizing: border-box; overflow: hidden; }
  .bs-tile .label { font-size: 16px; opacity: .8; line-height: 1.2; height: 20px; white-space: nowrap; }
  .bs-tile .value { font-size: 40px; font-weight: 700; line-height: 1.3; white-space: nowrap; }
  .bs-tile .delta { font-size: 18px; line-height: 1.3; white-space: nowrap; }
  .bs-up { color: #3fb950; } .bs-down { color: #ff6b6b; } .bs-flat { opacity: .7; }
  .bs-section { font-size: 22px; font-weight: 700; margin: 0 0 2px 0; line-height: 1.3; }
  .bs-laggards { width: 100%; border-collapse: collapse; font-size: 21px; }
  .bs-laggards td, .bs-laggards th { padding: 7px 6px; border-bottom: 1px solid rgba(128,128,128,.3); text-align: left;
                                     white-space: nowrap; }
  .bs-laggards th { font-size: 16px; opacity: .75; font-weight: 400; }
  .bs-weeks { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-top: 10px; }
  .bs-more { font-size: 17px; opacity: .8; margin-top: 4px; }
  .bs-week { border: 1px solid rgba(128,128,128,.35); border-radius: 6px; padding: 4px 12px; }
  .bs-week .label { font-size: 16px; opacity: .8; white-space: nowrap; }
  .bs-week .value { font-size: 30px; font-weight: 700; }
  @media (max-width: 700px) {   /* the screen opened on a phone: stacked, not squeezed */
    .bs-tiles, .bs-weeks { grid-template-columns: repeat(2, 1fr); }
    .bs-title { flex-direction: column; gap: 4px; } .bs-title h1 { font-size: 24px; }
    .bs-tile .value { font-size: 28px; } .bs-laggards { font-size: 16px; }
  }
  .bs-note { font-size: 15px; color: #ff9f43; font-weight: 400; }
  .bs-light { display: inline-block; min-width: 30px; text-align: center; border-radius: 4px; padding: 0 4px; }
</style>"""


def frame() -> None:
    """The screen's CSS, and the dark theme when the browser shows the light one: Streamlit picks its theme at
    page load from ?embed_options=dark_theme (see ui.layout.theme_switch), so the page reloads once with it. A
    sessionStorage mark keeps it to once: a viewer who switches back to light is not sent round in a loop."""
    st.html(SCREEN_CSS)
    if st.context.theme.type == "light":
        layout.reload_with_theme("dark", URL_PATH, once="bigscreen_dark")


def title_html(title: str, line: str) -> str:
    return f'<div class="bs-title"><h1>{html.escape(title)}</h1><span>{html.escape(line)}</span></div>'


def tiles_html(cards: list[Card]) -> str:
    """The headline cards as large tiles: label, value, the change since last week coloured by its sign."""
    parts = []
    for card in cards:
        sign = shown_sign(card)
        css = {1: "bs-up", -1: "bs-down"}.get(sign, "bs-flat")
        arrow = {1: "▲ ", -1: "▼ "}.get(sign, "")
        delta = f'<div class="delta {css}">{arrow}{html.escape(card.delta)}</div>' if card.delta else \
            '<div class="delta bs-flat">&nbsp;</div>'
        parts.append(f'<div class="bs-tile"><div class="label">{html.escape(card.label)}</div>'
                     f'<div class="value">{html.escape(card.value)}</div>{delta}</div>')
    return f'<div class="bs-tiles">{"".join(parts)}</div>'


def laggards(progress: pd.DataFrame, n: int = 4) -> tuple[pd.DataFrame, int]:
    """The first `n` districts behind schedule (红, then 黄, lowest start rate first) and how many more are
    behind; the lowest `n` rates when none is. `n` rows fit the screen's column under the map's height."""
    if len(progress) == 0:
        return progress, 0
    ordered = laggards_first(progress)
    behind = ordered[ordered["light"] != GREEN]
    shown = (behind if len(behind) else ordered).head(n).reset_index(drop=True)
    return shown, max(0, len(behind) - n)


def laggards_html(rows: pd.DataFrame, notes: dict[str, str] | None = None, more: int = 0) -> str:
    """The laggards as a table; a district shown with an older ledger (`notes`, district -> "数据截至5月20日")
    says so under its name; `more` districts behind that found no room are counted under the table."""
    notes = notes or {}
    if len(rows) == 0:
        return '<p class="bs-flat">暂无区市数据</p>'
    body = []
    for r in rows.itertuples(index=False):
        light = html.escape(str(r.light))
        behind = fmt_number(r.behind_points, 1)
        body.append(
            f'<tr><td><span class="bs-light" style="background:{LIGHT_COLORS.get(r.light, "#888")};'
            f'color:{LIGHT_TEXT_COLORS.get(r.light, "#fff")}">{light}</span></td>'
            f"<td><b>{html.escape(str(r.district))}</b>{_note_html(notes.get(str(r.district)))}</td>"
            f"<td>{fmt_pct(r.start_rate)}</td>"
            f"<td>{behind}</td><td>{fmt_int(r.started)}/{fmt_int(r.planned)}</td></tr>")
    footer = f'<div class="bs-more">另有{fmt_int(more)}个区市进度滞后，见上方开工率</div>' if more else ""
    return ('<table class="bs-laggards"><tr><th>预警</th><th>区市</th><th>开工率</th><th>落后百分点</th>'
            f'<th>已开工/计划</th></tr>{"".join(body)}</table>{footer}')


def _note_html(note: str | None) -> str:
    return f'<br><span class="bs-note">{html.escape(note)}</span>' if note else ""


GAUGE_BAND = 450   # pixels of the screen's height the gauges get


def gauge_grid(count: int) -> dict:
    """district_gauges arguments that fit `count` gauges in the screen's band of GAUGE_BAND pixels: a city's ten
    districts in two rows of five, names and numbers large; more (a province's cities, the nation's 31
    provinces) in three rows, smaller."""
    if count <= 10:
        return dict(columns=5, row_gap=0.3, number_size=34)
    return dict(columns=math.ceil(count / 3), row_gap=0.45, number_size=20, detail_size=11)


def gauges_for_screen(fig, count: int):
    """The gauges' names sized to their cells, the margins of the screen's band."""
    fig.update_traces(title=dict(font=dict(size=22 if count <= 10 else 13)), selector=dict(type="indicator"))
    return fig.update_layout(margin=dict(l=24, r=40, t=84 if count <= 10 else 60, b=4))


def week_html(changes: dict) -> str:
    """本周新开工12个 · 新完工8个 · 新增逾期节点3个 · 预警颜色变化1个区市 (metrics.changes via ui.data.week_changes)."""
    items = [("本周新开工", len(changes["started"]), "个"), ("新完工", len(changes["completed"]), "个"),
             ("新增逾期节点", len(changes["overdue"]), "个"), ("预警变色区市", len(changes["lights"]), "个")]
    cells = "".join(f'<div class="bs-week"><div class="label">{html.escape(label)}</div>'
                    f'<div class="value">{fmt_int(n)}{unit}</div></div>' for label, n, unit in items)
    return f'<div class="bs-weeks">{cells}</div>'
