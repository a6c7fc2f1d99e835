"""District ranking bars: start rate (with the schedule mark) and completed investment."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.text import plotly_texts
from figures.theme import LIGHT_COLORS, LIGHT_TEXT_COLORS, apply_theme, empty_figure, palette
from metrics.numbers import fmt_int, fmt_pct, fmt_wan, fmt_yi, round_half_up


def _rate_or_zero(value) -> float:
    return 0.0 if value is None or pd.isna(value) else round_half_up(float(value), 1)


def district_labels(districts, notes: dict[str, str] | None) -> list[str]:
    """The bars' district names, "莱西市（数据截至5月20日）" for one shown with an older ledger (`notes`:
    metrics.reporting.older_ledger_notes)."""
    notes = notes or {}
    return plotly_texts([f"{d}（{notes[str(d)]}）" if str(d) in notes else str(d) for d in districts])


def start_rate_bar(progress: pd.DataFrame, theme: str = "light", title: str | None = "各区（市）开工率",
                   show_schedule: bool = True, notes: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars of the start rate by district, best on top (rank_start order), each bar in its light
    colour with a "94.3%" label inside its base; a vertical mark shows the schedule rate (序时进度), as on the gauges. Bar x values are the rates
    half-up to one decimal, as printed."""
    if progress is None or len(progress) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    ordered = progress.sort_values("rank_start", ascending=False)   # plotly draws the first category at the bottom
    labels = district_labels(ordered["district"], notes)
    rates = [_rate_or_zero(v) for v in ordered["start_rate"]]
    top = max(rates + [100.0])
    fig = go.Figure(go.Bar(
        x=rates, y=labels, orientation="h", name="开工率", showlegend=False,  # colours = lights
        marker=dict(color=[LIGHT_COLORS.get(light, p["current"]) for light in ordered["light"]]),
        # labels inside the bar's base, so the schedule mark near the bar's end never covers them
        text=[fmt_pct(v) for v in ordered["start_rate"]], textposition="inside", insidetextanchor="start",
        textfont=dict(size=16, color=[LIGHT_TEXT_COLORS.get(light, "#ffffff") for light in ordered["light"]]),
        customdata=list(zip([fmt_int(v) for v in ordered["started"]], [fmt_int(v) for v in ordered["planned"]],
                            ordered["light"])),
        hovertemplate="%{y}<br>开工率：%{text}<br>已开工%{customdata[0]}个/计划%{customdata[1]}个"
                      "<br>预警：%{customdata[2]}<extra></extra>",
    ))
    if show_schedule and "schedule_rate" in ordered.columns and ordered["schedule_rate"].notna().any():
        fig.add_trace(go.Scatter(
            x=[_rate_or_zero(v) for v in ordered["schedule_rate"]], y=labels, mode="markers",
            name="序时进度", marker=dict(symbol="line-ns", size=30, color=p["text"], line=dict(color=p["text"], width=4)),
            text=[fmt_pct(v) for v in ordered["schedule_rate"]],
            hovertemplate="%{y}<br>序时进度：%{text}<extra></extra>",
        ))
    fig.update_layout(xaxis=dict(title="开工率（%）", range=[0, top * 1.15], ticksuffix="%"),
                      yaxis=dict(title=None), bargap=0.25, showlegend=show_schedule,
                      height=max(420, 48 * len(ordered) + 160))
    return apply_theme(fig, theme, title)


def investment_bar(progress: pd.DataFrame, theme: str = "light", title: str | None = "各区（市）累计完成投资",
                   show_plan: bool = True, notes: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars of completed investment (万元) by district, largest on top (rank_investment order),
    labelled "1,234.5万元"; the planned investment as a grey bar behind when show_plan."""
    if progress is None or len(progress) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    ordered = progress.sort_values("rank_investment", ascending=False)
    labels = district_labels(ordered["district"], notes)
    done = [float(v) for v in ordered["completed_investment_wan"].fillna(0)]
    fig = go.Figure()
    if show_plan:
        fig.add_trace(go.Bar(
            x=[float(v) for v in ordered["planned_investment_wan"].fillna(0)], y=labels,
            orientation="h", name="计划投资", marker=dict(color=p["planned_bar"]),
            text=[fmt_yi(v) for v in ordered["planned_investment_wan"]],
            hovertemplate="%{y}<br>计划投资：%{text}<extra></extra>",
        ))
    fig.add_trace(go.Bar(
        x=done, y=labels, orientation="h", name="累计完成投资", marker=dict(color=p["current"]),
        text=[fmt_wan(v) for v in ordered["completed_investment_wan"]], textposition="outside", cliponaxis=False,
        textfont=dict(size=15, color=p["text"]),
        customdata=[fmt_yi(v) for v in ordered["completed_investment_wan"]],
        hovertemplate="%{y}<br>累计完成投资：%{text}（%{customdata}）<extra></extra>",
    ))
    fig.update_layout(barmode="overlay", xaxis=dict(title="投资（万元）", tickformat=",.0f"), yaxis=dict(title=None),
                      bargap=0.25, showlegend=show_plan, height=max(420, 48 * len(ordered) + 160))
    if show_plan:
        fig.data[0].update(textposition="none", width=0.8)
        fig.data[1].update(width=0.45)
    return apply_theme(fig, theme, title)
