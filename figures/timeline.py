"""Node timeline: planned against actual dates for each community and node; late nodes in red."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from figures.text import plotly_texts
from figures.theme import apply_theme, empty_figure, palette
from loaders.schema import NODES, actual_column, as_datetime, plan_column
from metrics.numbers import fmt_date_cn

_MS_PER_DAY = 86_400_000


def node_rows(frame: pd.DataFrame, as_of) -> pd.DataFrame:
    """One row per community and node with a planned or actual date: label, community_id, node, node_index,
    planned, actual, days_late (actual − planned for done nodes; as_of − planned for undone overdue ones;
    otherwise 0), late (days_late > 0). An actual date after as_of counts as not yet done."""
    as_of = pd.Timestamp(as_of).normalize()
    columns = ["label", "community_id", "node", "node_index", "planned", "actual", "days_late", "late"]
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=columns)
    labels = pd.Series(_community_labels(frame))
    parts = []
    for index, (key, name) in enumerate(NODES, start=1):
        planned = as_datetime(frame[plan_column(key)]).dt.normalize()
        actual = as_datetime(frame[actual_column(key)]).dt.normalize()
        actual = actual.where(actual <= as_of)
        keep = planned.notna() | actual.notna()
        if not keep.any():
            continue
        late_done = (actual - planned).dt.days
        late_open = (as_of - planned).dt.days.clip(lower=0)
        days = late_done.where(actual.notna() & planned.notna(), late_open.where(actual.isna(), 0)).fillna(0)
        parts.append(pd.DataFrame({
            "label": labels[keep], "community_id": frame.loc[keep, "community_id"].astype("string"),
            "node": name, "node_index": index, "planned": planned[keep], "actual": actual[keep],
            "days_late": days[keep].astype(int),
        }))
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts).rename_axis("_row").reset_index()
    out = out.sort_values(["_row", "node_index"], kind="mergesort").drop(columns="_row").reset_index(drop=True)
    out["late"] = out["days_late"] > 0
    return out[columns]


def _community_labels(frame: pd.DataFrame) -> dict:
    """The y label of each community: its name (figures.text.plotly_text: plotly renders a subset of HTML),
    with the id appended when two communities share a name."""
    names = frame["name"].astype("string").fillna("（未命名）")
    dup = names.duplicated(keep=False)
    labels = names.where(~dup, names + "（" + frame["community_id"].astype("string").fillna("") + "）")
    return dict(zip(labels.index, plotly_texts(labels)))


def default_as_of(frame: pd.DataFrame) -> pd.Timestamp:
    """The frame's latest report_date when it has one, else today."""
    if frame is not None and "report_date" in frame.columns and frame["report_date"].notna().any():
        return pd.Timestamp(pd.to_datetime(frame["report_date"]).max()).normalize()
    return pd.Timestamp.today().normalize()


def node_timeline(frame: pd.DataFrame, as_of=None, theme: str = "light", title: str | None = "项目节点计划与实际",
                  max_communities: int | None = 60) -> go.Figure:
    """A timeline with one lane per community: a light bar spanning its planned nodes, a darker bar spanning
    its actual nodes (up to as_of), open diamonds at planned dates and filled circles at actual dates.
    A late node — done after its planned date, or undone past it — is drawn in red (an undone one as a red ×
    at its planned date). A dashed line marks as_of. Communities with the worst delay come first;
    at most `max_communities` lanes (None: all). as_of None: default_as_of(frame)."""
    if frame is None or len(frame) == 0:
        return empty_figure("暂无小区", theme, title)
    if as_of is None:
        as_of = default_as_of(frame)
    rows = node_rows(frame, as_of)
    if len(rows) == 0:
        return empty_figure("台账未填报节点时间", theme, title)
    p = palette(theme)
    as_of = pd.Timestamp(as_of).normalize()
    worst = rows.groupby("label", sort=False)["days_late"].max().sort_values(ascending=False, kind="mergesort")
    labels = list(worst.index[:max_communities] if max_communities else worst.index)
    rows = rows[rows["label"].isin(labels)]
    y_order = labels[::-1]  # worst at the top

    fig = go.Figure()
    for column, name, color, width in (("planned", "计划", p["planned_bar"], 0.7), ("actual", "实际", p["actual_bar"], 0.3)):
        span = rows.dropna(subset=[column]).groupby("label")[column].agg(["min", "max"]).reindex(labels).dropna()
        if len(span) == 0:
            continue
        fig.add_trace(go.Bar(
            base=list(span["min"]), x=[max((b - a).days, 1) * _MS_PER_DAY for a, b in zip(span["min"], span["max"])],
            y=list(span.index), orientation="h", name=f"{name}工期", marker=dict(color=color), width=width,
            customdata=[[fmt_date_cn(a), fmt_date_cn(b)] for a, b in zip(span["min"], span["max"])],
            hovertemplate=f"%{{y}}<br>{name}：%{{customdata[0]}}至%{{customdata[1]}}<extra></extra>",
        ))

    def hover(r) -> str:
        text = f"{r.label}<br>{r.node}<br>计划：{fmt_date_cn(r.planned)}<br>实际：{fmt_date_cn(r.actual)}"
        if r.late:
            text += f"<br><b>延误{r.days_late}天</b>" if pd.notna(r.actual) else f"<br><b>逾期未完成{r.days_late}天</b>"
        return text

    planned = rows.dropna(subset=["planned"])
    fig.add_trace(go.Scatter(
        x=planned["planned"], y=planned["label"], mode="markers", name="计划节点",
        marker=dict(symbol="diamond-open", size=11, color=p["muted"], line=dict(width=2)),
        text=[hover(r) for r in planned.itertuples()], hovertemplate="%{text}<extra></extra>",
    ))
    done = rows.dropna(subset=["actual"])
    fig.add_trace(go.Scatter(
        x=done["actual"], y=done["label"], mode="markers", name="实际节点",
        marker=dict(symbol="circle", size=11, color=[p["late"] if late else p["on_time"] for late in done["late"]],
                    line=dict(color=p["paper"], width=1)),
        text=[hover(r) for r in done.itertuples()], hovertemplate="%{text}<extra></extra>",
    ))
    overdue = rows[rows["actual"].isna() & rows["late"]]
    if len(overdue):
        fig.add_trace(go.Scatter(
            x=overdue["planned"], y=overdue["label"], mode="markers", name="逾期未完成",
            marker=dict(symbol="x", size=14, color=p["late"], line=dict(width=1, color=p["late"])),
            text=[hover(r) for r in overdue.itertuples()], hovertemplate="%{text}<extra></extra>",
        ))
    fig.add_vline(x=as_of.value / 1e6, line=dict(color=p["text"], width=1, dash="dash"))
    # under the axis's dates: above the plot it ran into the legend when the date line sat near the right
    fig.add_annotation(x=as_of, y=0, yref="paper", yanchor="top", yshift=-24, text=f"截至{fmt_date_cn(as_of)}",
                       showarrow=False, font=dict(size=14, color=p["muted"]))
    fig.update_layout(barmode="overlay", xaxis=dict(type="date", title=None, tickformat="%Y年%-m月"),
                      yaxis=dict(title=None, categoryorder="array", categoryarray=y_order),
                      height=max(360, 34 * len(labels) + 180), hovermode="closest")
    return apply_theme(fig, theme, title)
