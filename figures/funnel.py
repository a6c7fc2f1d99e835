"""The stage funnel (metrics.funnel): as of a date, over time, and by district."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.theme import apply_theme, category_colors, empty_figure, palette
from metrics.numbers import fmt_int, fmt_pct


def funnel_figure(funnel: pd.DataFrame, theme: str = "light", title: str | None = "项目节点进度",
                  height: int = 460) -> go.Figure:
    """Horizontal bars, 摸底排查 on top: communities that reached each node, labelled "273个（85.8%）" (share of
    the planned communities). Trace name "已达到该节点的小区"; meta holds the counts in node order."""
    if funnel is None or len(funnel) == 0 or int(funnel["planned"].iloc[0]) == 0:
        return empty_figure("暂无小区", theme, title)
    p = palette(theme)
    labels = [f"{fmt_int(n)}个（{fmt_pct(s)}）" for n, s in zip(funnel["reached"], funnel["share"])]
    fig = go.Figure(go.Bar(
        x=[int(n) for n in funnel["reached"]], y=list(funnel["stage"]), orientation="h", name="已达到该节点的小区",
        marker=dict(color=[p["current"] if i < 6 else p["actual_bar"] for i in funnel["stage_index"]]),
        text=labels, textposition="outside", cliponaxis=False, textfont=dict(size=16, color=p["text"]),
        hovertemplate="%{y}：%{text}<extra></extra>", meta=[int(n) for n in funnel["reached"]],
    ))
    planned = int(funnel["planned"].iloc[0])
    fig.update_layout(xaxis=dict(title=f"小区（个，计划{fmt_int(planned)}个）", range=[0, planned * 1.3],
                                 tickformat=",d"),
                      yaxis=dict(title=None, autorange="reversed"), showlegend=False, height=height,
                      margin=dict(t=30))
    return apply_theme(fig, theme, title)


def funnel_history_figure(history: pd.DataFrame, theme: str = "light", title: str | None = "各节点完成小区数走势",
                          height: int = 460) -> go.Figure:
    """One line per node: communities that had reached it at each report date (metrics.funnel.funnel_history)."""
    if history is None or len(history) == 0:
        return empty_figure("暂无数据", theme, title)
    colors = category_colors(theme)
    fig = go.Figure()
    for i, (stage, rows) in enumerate(history.groupby("stage", sort=False)):
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(rows["report_date"]), y=[int(n) for n in rows["reached"]], name=str(stage),
            mode="lines", line=dict(color=colors[i % len(colors)], width=3),
            hovertemplate=f"{stage}：%{{y:,d}}个<extra></extra>",
        ))
    fig.update_layout(xaxis=dict(title=None, tickformat="%Y年%-m月", dtick="M1"), yaxis=dict(title="小区（个）", rangemode="tozero",
                      tickformat=",d"), hovermode="x unified", height=height)
    return apply_theme(fig, theme, title)


def funnel_district_figure(by_district: pd.DataFrame, theme: str = "light",
                           title: str | None = "各区（市）节点完成情况", height: int | None = None) -> go.Figure:
    """A grid, districts down and nodes across: the colour is the share of the district's communities that
    reached the node, the text the count and share ("25个<br>83.3%")."""
    if by_district is None or len(by_district) == 0:
        return empty_figure("暂无区市数据", theme, title)
    p = palette(theme)
    share = by_district.pivot(index="district", columns="stage", values="share")
    count = by_district.pivot(index="district", columns="stage", values="reached")
    districts = list(dict.fromkeys(by_district["district"]))
    stages = list(dict.fromkeys(by_district["stage"]))
    share, count = share.loc[districts, stages], count.loc[districts, stages]
    text = [[f"{fmt_int(n)}个<br>{fmt_pct(s)}" for n, s in zip(count.loc[d], share.loc[d])] for d in districts]
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy(dtype=float), x=stages, y=districts, text=text, texttemplate="%{text}",
        textfont=dict(size=14), zmin=0, zmax=100, showscale=False, xgap=2, ygap=2,
        colorscale=[[0, p["gauge_bg"]], [1, p["current"]]], hovertemplate="%{y} · %{x}：%{text}<extra></extra>",
    ))
    fig.update_layout(xaxis=dict(title=None, side="top"), yaxis=dict(title=None, autorange="reversed"),
                      height=height or 60 + 52 * len(districts), margin=dict(t=60, b=20))
    return apply_theme(fig, theme, title)
