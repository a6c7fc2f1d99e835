"""The programme of several batches by district and batch year (metrics.programme.programme_by_district)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.theme import apply_theme, empty_figure, palette
from metrics.numbers import fmt_int, fmt_pct


def programme_district_figure(by_district: pd.DataFrame, theme: str = "light",
                              title: str | None = "各区（市）分年度开工情况", height: int | None = None) -> go.Figure:
    """A grid, districts down and batch years (then 合计) across: the colour is the start rate, the text
    "已开工/计划" and the rate ("25/30<br>83.3%"); a year a district has no community in is blank."""
    if by_district is None or len(by_district) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    districts = list(dict.fromkeys(by_district["district"]))
    years = list(dict.fromkeys(sorted(y for y in by_district["batch_year"] if y != "合计"))) + ["合计"]
    cell = {(r.district, r.batch_year): r for r in by_district.itertuples(index=False)}
    z, text = [], []
    for d in districts:
        rows = [cell.get((d, y)) for y in years]
        z.append([None if r is None or r.start_rate is None else float(r.start_rate) for r in rows])
        text.append(["" if r is None else f"{fmt_int(r.started)}/{fmt_int(r.planned)}<br>{fmt_pct(r.start_rate)}"
                     for r in rows])
    fig = go.Figure(go.Heatmap(
        z=z, x=[y if y == "合计" else f"{y}年度" for y in years], y=districts, text=text, texttemplate="%{text}",
        textfont=dict(size=14), zmin=0, zmax=100, showscale=False, xgap=2, ygap=2,
        colorscale=[[0, p["gauge_bg"]], [1, p["current"]]], hovertemplate="%{y} · %{x}：%{text}<extra></extra>",
    ))
    fig.update_layout(xaxis=dict(title=None, side="top"), yaxis=dict(title=None, autorange="reversed"),
                      height=height or 60 + 52 * len(districts), margin=dict(t=60, b=20))
    return apply_theme(fig, theme, title)
