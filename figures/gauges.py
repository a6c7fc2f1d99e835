"""Start-rate gauges, one per district, laggards first."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from figures.text import plotly_text
from figures.theme import LIGHT_COLORS, apply_theme, empty_figure, palette
from metrics.numbers import fmt_int, round_half_up
from metrics.progress import laggards_first, schedule_thresholds


def gauge_value(rate) -> float:
    """The number a gauge shows: the start rate half-up to one decimal (0 when there is no plan), the same
    rounding as fmt_pct, so the gauge and the tables print the same figure."""
    if rate is None or pd.isna(rate):
        return 0.0
    return round_half_up(float(rate), 1)


def gauge_axis_max(progress: pd.DataFrame) -> float:
    """100, or the largest rate (or schedule rate) rounded up to the next 10 when one exceeds 100."""
    rates = pd.to_numeric(pd.concat([progress.get("start_rate", pd.Series(dtype=float)),
                                     progress.get("schedule_rate", pd.Series(dtype=float))]), errors="coerce")
    top = rates.max() if len(rates.dropna()) else 0
    return float(max(100, math.ceil(top / 10.0) * 10)) if pd.notna(top) else 100.0


def gauge_note(rules: dict | None = None, wrap: bool = False) -> str:
    """The key under the gauges: what the mark and the colours mean, with the configured thresholds."""
    yellow, red = schedule_thresholds(rules)
    return (f"刻线为序时进度；{'<br>' if wrap else ''}红：落后序时进度超过{_num(red)}个百分点，"
            f"{'<br>' if wrap else ''}黄：落后{_num(yellow)}～{_num(red)}个百分点，绿：其他")


def _num(x: float) -> str:
    return f"{x:g}"


def district_gauges(progress: pd.DataFrame, columns: int = 5, theme: str = "light",
                    title: str | None = None, rules: dict | None = None, note: bool = True,
                    row_gap: float = 0.08, row_height: int = 300, number_size: int = 30,
                    notes: dict[str, str] | None = None, note_inline: bool = False,
                    detail_size: int = 14, links: bool = False, column_gap: float = 0.05) -> go.Figure:
    """One Indicator gauge per district of `progress` (a district_progress frame), in laggards_first order.

    Each gauge: value = start rate (gauge_value: one decimal, "%" suffix), axis 0–100 (wider when a rate
    exceeds 100), the bar in the district's light colour, a threshold mark at its schedule rate (序时进度), and
    `已开工x个/计划y个` under the district's name. Trace `name` is the district; `meta` holds district, light,
    start_rate (unrounded) and schedule_rate. With `note`, a key under the gauges explains the mark and the
    colours (thresholds from `rules` or config/warnings.toml). `row_gap` (share of the plot height between
    rows) must leave room for the names of the next row when the figure is short (the big screen);
    `row_height` (pixels per row), `number_size` and `detail_size` (the line 已开工…) shrink the gauges for
    narrow cells (a phone, 31 provinces on the big screen); gaps never take more than half the height, so any
    number of rows stays inside the figure. `column_gap` (share of the width between columns) must leave room for
    one gauge's "100" and the next one's "0" in narrow cells (a phone). `notes`:
    district -> "数据截至5月20日" for districts shown with an older ledger (metrics.reporting.older_ledger_notes),
    added to `meta` as data_note and shown in red under the line 已开工…, or at its end with `note_inline` (the
    big screen: wide cells, and no room above the top row for a third line). `links`: a click on a gauge
    selects its district (district_links), for the pages where a gauge opens that district's page.
    """
    if progress is None or len(progress) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    notes = notes or {}
    ordered = laggards_first(progress)
    columns = max(1, min(int(columns), len(ordered)))
    rows = math.ceil(len(ordered) / columns)
    if rows > 1:
        row_gap = min(row_gap, 0.5 / (rows - 1))
    axis_max = gauge_axis_max(ordered)
    fig = go.Figure()
    cells = [_cell(i // columns, i % columns, rows, columns, row_gap, column_gap) for i in range(len(ordered))]
    for i, row in enumerate(ordered.itertuples(index=False)):
        schedule = None if row.schedule_rate is None or pd.isna(row.schedule_rate) else float(row.schedule_rate)
        gauge = dict(
            axis=dict(range=[0, axis_max], tickwidth=1, tickcolor=p["axis"], tickfont=dict(size=12, color=p["muted"]),
                      tickvals=[0, 50, 100] + ([axis_max] if axis_max > 100 else [])),
            bar=dict(color=LIGHT_COLORS.get(row.light, p["current"]), thickness=0.7),
            bgcolor=p["gauge_bg"],
            borderwidth=0,
        )
        if schedule is not None:
            gauge["threshold"] = dict(line=dict(color=p["text"], width=4), thickness=0.9,
                                      value=round_half_up(schedule, 1))
        fig.add_trace(go.Indicator(
            mode="gauge+number",
            value=gauge_value(row.start_rate),
            name=plotly_text(row.district),
            meta=dict(district=str(row.district), light=str(row.light),
                      start_rate=None if row.start_rate is None or pd.isna(row.start_rate) else float(row.start_rate),
                      schedule_rate=schedule, data_note=notes.get(str(row.district), "")),
            number=dict(suffix="%", valueformat=".1f", font=dict(size=number_size, color=p["text"])),
            title=dict(text=(f"<b>{plotly_text(row.district)}</b><br><span style='font-size:{detail_size}px;color:{p['muted']}'>"
                             f"已开工{fmt_int(row.started)}个/计划{fmt_int(row.planned)}个"
                             f"{_note_text(notes.get(str(row.district)), p, note_inline)}</span>"),
                       font=dict(size=18)),
            gauge=gauge,
            domain=cells[i],
        ))
    if links:
        district_links(fig, [str(d) for d in ordered["district"]], cells)
    if note:
        narrow = columns <= 2
        fig.add_annotation(text=gauge_note(rules, wrap=narrow), x=0.5, y=0, xref="paper", yref="paper",
                           xanchor="center", yanchor="top", showarrow=False, font=dict(size=14, color=p["muted"]))
    note_px = (70 if columns <= 2 else 30) if note else 0
    fig.update_layout(height=row_height * rows + note_px + (130 if title else 70),
                      margin=dict(l=30, r=30, t=130 if title else 70, b=note_px + 10))
    return apply_theme(fig, theme, title)


def district_links(fig: go.Figure, districts: list[str], cells: list[dict]) -> None:
    """One invisible point at the centre of each gauge's cell, on hidden axes spanning the plot area, its
    customdata the district. Indicator traces cannot be selected; a scatter point can, and with hoverdistance
    -1 a click anywhere in the plot area picks the nearest point: the cells are equal, so that is the gauge
    under the pointer (borders in the middle of the gaps). The hover says where a click leads."""
    fig.add_trace(go.Scatter(
        x=[round((c["x"][0] + c["x"][1]) / 2, 4) for c in cells], y=[round((c["y"][0] + c["y"][1]) / 2, 4) for c in cells],
        mode="markers", name="区市链接", customdata=districts, showlegend=False,
        hovertext=[f"点击查看{plotly_text(d)}" for d in districts], hoverinfo="text",
        marker=dict(size=1, color="rgba(0,0,0,0)"), selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0))))
    hidden = dict(range=[0, 1], domain=[0, 1], visible=False, fixedrange=True)
    fig.update_layout(xaxis=hidden, yaxis=hidden, hovermode="closest", hoverdistance=-1,
                      plot_bgcolor="rgba(0,0,0,0)")


def _note_text(note: str | None, p: dict, inline: bool) -> str:
    # a line of its own on the pages: beside 已开工x个/计划y个 it would run into the next gauge on a 1280-pixel screen
    return f"{' · ' if inline else '<br>'}<span style='color:{p['late']}'>{plotly_text(note)}</span>" if note else ""


def _cell(row: int, column: int, rows: int, columns: int, ygap: float, xgap: float) -> dict:
    """The x/y domain of one gauge: equal cells with gaps (the note sits in the bottom margin)."""
    bottom = 0.0
    width = (1 - xgap * (columns - 1)) / columns
    height = (1 - bottom - ygap * (rows - 1)) / rows
    x0 = column * (width + xgap)
    y1 = 1 - row * (height + ygap)
    return dict(x=[round(x0, 4), round(x0 + width, 4)], y=[round(y1 - height, 4), round(y1, 4)])
