"""The community map as a plotly figure, for saving as an image (the deck on the 地图 page is WebGL: the browser
cannot hand it out as a picture). Same content as figures.map.community_deck: the district boundaries as the
base, the communities coloured by status group, the district names; the mode bar's 下载为PNG图片 saves it."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from figures.theme import apply_theme, deck_palette, empty_figure, palette
from metrics.status import STATUS_GROUP_NAMES, status_color, status_group


def _rgb(color) -> str:
    return f"rgb({color[0]},{color[1]},{color[2]})"


def _rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield polygon[0]


def map_image_figure(frame: pd.DataFrame, geojson: dict | None, theme: str = "light", title: str | None = None,
                     width: int = 1200, height: int = 1000) -> go.Figure:
    """District outlines (filled), one marker trace per status group (legend in Chinese), district names at
    their label points; equal scale on both axes (longitude shrunk by cos(latitude)), no axes."""
    features = (geojson or {}).get("features", [])
    if not features and (frame is None or len(frame) == 0):
        return empty_figure("暂无地图数据", theme, title)
    from figures.map import _label_point

    deck, p = deck_palette(theme), palette(theme)
    fig = go.Figure()
    for feature in features:
        for ring in _rings(feature["geometry"]):
            fig.add_trace(go.Scatter(x=[c[0] for c in ring], y=[c[1] for c in ring], mode="lines", fill="toself",
                                     fillcolor=_rgb(deck["boundary_fill"]), line=dict(color=_rgb(deck["boundary_line"]),
                                                                                     width=1), hoverinfo="skip",
                                     showlegend=False))
    located = frame.dropna(subset=["lon", "lat"]) if frame is not None and len(frame) else frame
    if located is not None and len(located):
        groups = status_group(located["node_reached"]).astype(str)
        for name in STATUS_GROUP_NAMES:
            rows = located[(groups == name).to_numpy()]
            if len(rows):
                fig.add_trace(go.Scatter(x=rows["lon"], y=rows["lat"], mode="markers", name=name,
                                         marker=dict(size=8, color=_rgb(status_color(name)),
                                                     line=dict(width=0.5, color=p["paper"])),
                                         text=rows["name"], hovertemplate="%{text}<extra></extra>"))
    names = [(f["properties"].get("name"), _label_point(f["geometry"])) for f in features]
    labelled = [(n, pt) for n, pt in names if n and pt]
    if labelled:
        fig.add_trace(go.Scatter(x=[pt[0] for _, pt in labelled], y=[pt[1] for _, pt in labelled], mode="text",
                                 text=[n for n, _ in labelled], textfont=dict(size=15, color=p["text"]),
                                 hoverinfo="skip", showlegend=False))
    lat = pd.to_numeric(located["lat"], errors="coerce").mean() if located is not None and len(located) else 36.3
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(float(lat))))
    fig.update_layout(width=width, height=height, margin=dict(l=10, r=10, t=60 if title else 30, b=10),
                      legend=dict(title_text="小区状态"), hovermode="closest")
    return apply_theme(fig, theme, title)
