"""Start-rate gauges, one per district, laggards first."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from figures.theme import LIGHT_COLORS, apply_theme, empty_figure, palette
from metrics.numbers import fmt_int, round_half_up
from metrics.progress import laggards_first


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


def district_gauges(progress: pd.DataFrame, columns: int = 5, theme: str = "light",
                    title: str | None = None) -> go.Figure:
    """One Indicator gauge per district of `progress` (a district_progress frame), in laggards_first order.

    Each gauge: value = start rate (gauge_value: one decimal, "%" suffix), axis 0–100 (wider when a rate
    exceeds 100), the bar in the district's light colour, a threshold mark at its schedule rate (序时进度), and
    `已开工x个/计划y个` under the district's name. Trace `name` is the district; `meta` holds district, light,
    start_rate (unrounded) and schedule_rate.
    """
    if progress is None or len(progress) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    ordered = laggards_first(progress)
    columns = max(1, min(int(columns), len(ordered)))
    rows = math.ceil(len(ordered) / columns)
    axis_max = gauge_axis_max(ordered)
    fig = go.Figure()
    for i, row in enumerate(ordered.itertuples(index=False)):
        schedule = None if row.schedule_rate is None or pd.isna(row.schedule_rate) else float(row.schedule_rate)
        gauge = dict(
            axis=dict(range=[0, axis_max], tickwidth=1, tickcolor=p["axis"], ticksuffix="%", tickfont=dict(size=12),
                      nticks=6),
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
            name=str(row.district),
            meta=dict(district=str(row.district), light=str(row.light),
                      start_rate=None if row.start_rate is None or pd.isna(row.start_rate) else float(row.start_rate),
                      schedule_rate=schedule),
            number=dict(suffix="%", valueformat=".1f", font=dict(size=30, color=p["text"])),
            title=dict(text=(f"<b>{row.district}</b><br><span style='font-size:14px;color:{p['muted']}'>"
                             f"已开工{fmt_int(row.started)}个/计划{fmt_int(row.planned)}个</span>"),
                       font=dict(size=18)),
            gauge=gauge,
            domain=dict(row=i // columns, column=i % columns),
        ))
    fig.update_layout(grid=dict(rows=rows, columns=columns, pattern="independent", ygap=0.45),
                      height=max(300, 280 * rows + 60), margin=dict(l=30, r=30, t=90 if title else 50, b=20))
    return apply_theme(fig, theme, title)
