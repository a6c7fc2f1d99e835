"""Investment over time: the batch's cumulative curve against the previous batch and the plan, the weekly
increments by district, and funding by source."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.text import plotly_text, plotly_texts
from figures.theme import apply_theme, category_colors, empty_figure, palette
from metrics.numbers import fmt_date_cn, fmt_wan, fmt_yi
from metrics.trends import fund_label, programme_totals


def _yi(values) -> list:
    """万元 -> 亿元 for the axis (None where missing)."""
    return [None if pd.isna(v) else float(v) / 10000 for v in values]


def investment_trend_figure(trend: pd.DataFrame, batch_year: int | None = None, theme: str = "light",
                            title: str | None = "累计完成投资") -> go.Figure:
    """Lines from an investment_trend frame, y in 亿元: the batch's cumulative completed investment (solid,
    with markers), the previous batch one year earlier (dashed, "2021年度（上年同期）"), and the plan line
    (dotted). Hover texts are fmt_yi strings (one decimal, half-up); the latest point carries a label.
    Trace names: "{y}年度累计完成投资", "{y-1}年度（上年同期）", "计划投资" (本年度 / 上年同期 without batch_year)."""
    if trend is None or len(trend) == 0:
        return empty_figure("暂无投资数据", theme, title)
    p = palette(theme)
    batch_year = batch_year or trend.attrs.get("batch_year")
    t = trend.sort_values("report_date")
    dates = pd.to_datetime(t["report_date"])
    current_name = f"{batch_year}年度累计完成投资" if batch_year else "本年度累计完成投资"
    previous_name = f"{batch_year - 1}年度（上年同期）" if batch_year else "上年同期"
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=dates, y=_yi(t["planned_investment_wan"]), name="计划投资", mode="lines",
        line=dict(color=p["plan"], width=2, dash="dot"), text=[fmt_yi(v) for v in t["planned_investment_wan"]],
        hovertemplate="%{x|%Y年%m月%d日}<br>计划投资：%{text}<extra></extra>",
    ))
    if "previous_batch_wan" in t.columns and t["previous_batch_wan"].notna().any():
        prev_dates = [fmt_date_cn(d) if pd.notna(d) else "—" for d in t.get("previous_batch_date", dates)]
        fig.add_trace(go.Scatter(
            x=dates, y=_yi(t["previous_batch_wan"]), name=previous_name, mode="lines+markers",
            line=dict(color=p["previous"], width=3, dash="dash"), marker=dict(size=6),
            text=[fmt_yi(v) for v in t["previous_batch_wan"]], customdata=prev_dates,
            hovertemplate="上年同期（截至%{customdata}）：%{text}<extra></extra>", connectgaps=False,
        ))
    fig.add_trace(go.Scatter(
        x=dates, y=_yi(t["completed_investment_wan"]), name=current_name, mode="lines+markers",
        line=dict(color=p["current"], width=4), marker=dict(size=8),
        text=[fmt_yi(v) for v in t["completed_investment_wan"]],
        customdata=[fmt_wan(v) for v in t["weekly_increment_wan"]] if "weekly_increment_wan" in t else None,
        hovertemplate="%{x|%Y年%m月%d日}<br>累计完成投资：%{text}<br>较上期增加：%{customdata}<extra></extra>",
    ))
    last = t.iloc[-1]
    label = fmt_yi(last["completed_investment_wan"])
    if "previous_batch_wan" in t.columns and pd.notna(last.get("previous_batch_wan")):
        label += f"<br><span style='font-size:14px'>上年同期{fmt_yi(last['previous_batch_wan'])}</span>"
    fig.add_annotation(x=dates.iloc[-1], y=float(last["completed_investment_wan"]) / 10000, text=label,
                       showarrow=True, arrowhead=0, ax=-60, ay=-45, font=dict(size=18, color=p["current"]),
                       bgcolor=p["paper"], bordercolor=p["current"], borderwidth=1)
    fig.update_layout(xaxis=dict(title=None, tickformat="%Y年%-m月%-d日"), yaxis=dict(title="亿元", rangemode="tozero",
                      tickformat=",.1f"), hovermode="x unified", height=560)
    return apply_theme(fig, theme, title)


def weekly_investment_figure(series: pd.DataFrame, theme: str = "light",
                             title: str | None = "各区（市）每期新增完成投资") -> go.Figure:
    """Stacked bars of the weekly increment (万元) per report date, one colour per district, from a
    district_investment_series frame. The first report date of each district has no increment and is
    left out."""
    if series is None or len(series) == 0 or series["weekly_increment_wan"].notna().sum() == 0:
        return empty_figure("暂无两期以上的投资数据", theme, title)
    rows = series.dropna(subset=["weekly_increment_wan"])
    colors = category_colors(theme)
    fig = go.Figure()
    for i, (district, group) in enumerate(rows.groupby("district", sort=False)):
        fig.add_trace(go.Bar(
            x=pd.to_datetime(group["report_date"]), y=[float(v) for v in group["weekly_increment_wan"]],
            name=plotly_text(district), marker=dict(color=colors[i % len(colors)]),
            text=[fmt_wan(v) for v in group["weekly_increment_wan"]], textposition="none",
            hovertemplate="%{fullData.name}<br>%{x|%Y年%m月%d日}：%{text}<extra></extra>",
        ))
    # ten districts wrap the legend to three rows: under the plot, not up into the mode bar
    fig.update_layout(barmode="relative", xaxis=dict(title=None, tickformat="%-m月%-d日"),
                      yaxis=dict(title="万元", tickformat=",.0f"), height=520,
                      legend=dict(yanchor="top", y=-0.12, xanchor="left", x=0))
    return apply_theme(fig, theme, title)


def funding_figure(funding: pd.DataFrame, theme: str = "light", title: str | None = "资金来源") -> go.Figure:
    """Stacked horizontal bars of funding by source (万元) per district, from a funding_by_source frame;
    says so when the ledgers have no funding columns."""
    if funding is None or len(funding) == 0:
        return empty_figure("台账未填报资金来源", theme, title)
    sources = [c for c in funding.columns if c.startswith("fund_")]
    ordered = funding.iloc[::-1]   # first district on top
    colors = category_colors(theme)
    fig = go.Figure()
    for i, col in enumerate(sources):
        fig.add_trace(go.Bar(
            x=[float(v) for v in ordered[col].fillna(0)], y=plotly_texts(ordered["district"]), orientation="h",
            name=fund_label(col), marker=dict(color=colors[i % len(colors)]),
            text=[fmt_wan(v) for v in ordered[col]], textposition="none",
            hovertemplate=f"%{{y}}<br>{fund_label(col)}：%{{text}}<extra></extra>",
        ))
    fig.update_layout(barmode="stack", xaxis=dict(title="万元", tickformat=",.0f"), yaxis=dict(title=None),
                      height=max(420, 48 * len(ordered) + 160))
    return apply_theme(fig, theme, title)


def programme_trend_figure(batch_trend: pd.DataFrame, theme: str = "light",
                           title: str | None = "累计完成投资") -> go.Figure:
    """A programme of several batches (e.g. 2022–2024) from a batch_trends frame, y in 亿元: the programme's
    cumulative completed investment (the sum, bold, labelled at its latest point), each batch's own curve, and
    the programme's plan (dotted: the batches' planned investment summed). Trace names: "{a}—{b}年度合计",
    "{y}年度", "计划投资（合计）"; the legend sits under the plot, clear of the mode bar."""
    if batch_trend is None or len(batch_trend) == 0:
        return empty_figure("暂无投资数据", theme, title)
    p = palette(theme)
    colors = category_colors(theme)
    years = sorted(int(y) for y in batch_trend["batch_year"].unique())
    span = f"{years[0]}—{years[-1]}年度" if len(years) > 1 else f"{years[0]}年度"
    total = programme_totals(batch_trend)
    dates = pd.to_datetime(total["report_date"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=dates, y=_yi(total["planned_investment_wan"]), name="计划投资（合计）", mode="lines",
        line=dict(color=p["plan"], width=2, dash="dot"), text=[fmt_yi(v) for v in total["planned_investment_wan"]],
        hovertemplate="%{x|%Y年%m月%d日}<br>计划投资：%{text}<extra></extra>",
    ))
    for i, year in enumerate(years):
        rows = batch_trend[batch_trend["batch_year"] == year].sort_values("report_date")
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(rows["report_date"]), y=_yi(rows["completed_investment_wan"]), name=f"{year}年度",
            mode="lines", line=dict(color=colors[(i + 1) % len(colors)], width=2),
            text=[f"{fmt_yi(done)}（计划{fmt_yi(plan)}）" for done, plan in
                  zip(rows["completed_investment_wan"], rows["planned_investment_wan"])],
            hovertemplate=f"{year}年度：%{{text}}<extra></extra>",
        ))
    fig.add_trace(go.Scatter(
        x=dates, y=_yi(total["completed_investment_wan"]), name=f"{span}合计", mode="lines+markers",
        line=dict(color=p["current"], width=4), marker=dict(size=7),
        text=[fmt_yi(v) for v in total["completed_investment_wan"]],
        hovertemplate="%{x|%Y年%m月%d日}<br>合计完成投资：%{text}<extra></extra>",
    ))
    last = total.iloc[-1]
    fig.add_annotation(x=dates.iloc[-1], y=float(last["completed_investment_wan"]) / 10000,
                       text=f"{fmt_yi(last['completed_investment_wan'])}<br><span style='font-size:14px'>"
                            f"计划{fmt_yi(last['planned_investment_wan'])}</span>",
                       showarrow=True, arrowhead=0, ax=-60, ay=-45, font=dict(size=18, color=p["current"]),
                       bgcolor=p["paper"], bordercolor=p["current"], borderwidth=1)
    fig.update_layout(xaxis=dict(title=None, tickformat="%Y年%-m月", dtick="M1"), yaxis=dict(title="亿元", rangemode="tozero",
                      tickformat=",.0f"), hovermode="x unified", height=560)
    apply_theme(fig, theme, title)
    return fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, xanchor="left"),
                             margin=dict(t=40 if title is None else 90))
