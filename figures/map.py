"""The community map: district boundaries as the base (it must read with no tiles at all), communities
coloured by status group, an optional start-rate choropleth and optional raster tiles.

Built with map_provider=None and without a map_style argument (see community_deck): otherwise
st.pydeck_chart fetches a Carto base map, which fails on an offline intranet.

Text from the ledger reaches the deck as data deck.gl does not interpret: every layer's data passes through
figures.text.deck_data (Streamlit's JSON converter would evaluate a name starting with "@@="), and the tooltip is
one plain-text field shown with innerText ("text" tooltip): no HTML is built from data, nothing is escaped by hand
(Streamlit escapes "html" tooltip values itself, so escaping here showed "&quot;"), and a name holding "{street}"
cannot capture another field's placeholder.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pydeck as pdk

from figures.text import MISSING, deck_data, is_missing
from figures.theme import DECK_FONT_FAMILY, check_theme, deck_palette, hex_to_rgb
from metrics.numbers import fmt_date_cn, fmt_pct, fmt_wan_many
from metrics.status import status_color, status_group, next_due_node

COMMUNITY_LAYER_ID = "communities"
CLUSTER_LAYER_ID = "district-clusters"
BOUNDARY_LAYER_ID = "district-boundaries"
CITY_LAYER_ID = "city-boundaries"
CHOROPLETH_LAYER_ID = "district-start-rate"
LABEL_LAYER_ID = "district-labels"
TILE_LAYER_PREFIX = "basemap-tile"

# One placeholder only: Streamlit fills placeholders one after another with String.replace, so a value holding
# "{street}" would capture the next field's value.
TOOLTIP_TEXT = "{tooltip}"

# Start-rate ramp for the choropleth (ColorBrewer Purples, sequential and colour-blind safe), 0–100%.
CHOROPLETH_STOPS = [(0, "#f2f0f7"), (25, "#cbc9e2"), (50, "#9e9ac8"), (75, "#756bb1"), (100, "#54278f")]
CHOROPLETH_ALPHA = 170

VIEW_WIDTH_PX, VIEW_HEIGHT_PX = 1200, 720   # used to choose the initial zoom


def _text(value) -> str:
    return MISSING if is_missing(value) else str(value)


def choropleth_color(rate) -> list[int]:
    """RGBA of a start rate on CHOROPLETH_STOPS (linear between stops, clamped to 0–100); grey when None."""
    if rate is None or pd.isna(rate):
        return [200, 200, 200, 90]
    x = min(max(float(rate), 0.0), 100.0)
    for (x0, c0), (x1, c1) in zip(CHOROPLETH_STOPS, CHOROPLETH_STOPS[1:]):
        if x <= x1:
            f = (x - x0) / (x1 - x0) if x1 > x0 else 0
            a, b = hex_to_rgb(c0), hex_to_rgb(c1)
            return [round(a[i] + (b[i] - a[i]) * f) for i in range(3)] + [CHOROPLETH_ALPHA]
    return hex_to_rgb(CHOROPLETH_STOPS[-1][1]) + [CHOROPLETH_ALPHA]


def choropleth_legend() -> list[dict]:
    """Legend entries for the choropleth: label ("0%", "25%", …) and hex colour."""
    return [{"label": f"{x}%", "color": c} for x, c in CHOROPLETH_STOPS]


def _plain(series: pd.Series) -> pd.Series:
    """A text column with "—" for missing values."""
    return series.astype(object).map(_text)


def _money_text(series: pd.Series) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    return pd.Series(fmt_wan_many(values.to_numpy()), index=series.index)


def community_records(frame: pd.DataFrame) -> list[dict]:
    """The points of the map, one record per community that has coordinates: community_id (for selections),
    lon, lat, color, and `tooltip`, the plain text the tooltip shows (name; district · street; 状态; 投资;
    下一节点, one per line). Text is as written: community_deck makes it inert for deck.gl. Vectorised: 220,000
    communities take about a second."""
    if frame is None or len(frame) == 0:
        return []
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    mask = lon.notna() & lat.notna()
    f = frame[mask]
    if len(f) == 0:
        return []
    groups = status_group(f["node_reached"]).astype(str)
    node_text = f["status"].astype("string") if "status" in f.columns else pd.Series(pd.NA, index=f.index, dtype="string")
    status = groups.where(node_text.isna() | (node_text == groups), groups + "（" + node_text.fillna("") + "）")
    nxt = next_due_node(f)
    dates = nxt["next_node_planned"]
    date_text = {d: fmt_date_cn(d) for d in dates.dropna().unique()}
    planned_text = dates.map(date_text).fillna("")
    next_text = nxt["next_node"].astype("string").fillna("—")
    next_text = next_text.where(planned_text == "", next_text + "（计划" + planned_text + "）")
    zero = pd.Series(float("nan"), index=f.index)
    investment = ("完成" + _money_text(f.get("completed_investment_wan", zero)) + " / 计划"
                  + _money_text(f.get("planned_investment_wan", zero)))
    colors = {g: status_color(g, 235) for g in groups.unique()}
    tooltip = (_plain(f["name"]) + "\n" + _plain(f["district"]) + " · " + _plain(f["street"])
               + "\n状态：" + status + "\n投资：" + investment + "\n下一节点：" + next_text)
    out = pd.DataFrame({
        "community_id": _plain(f["community_id"]),
        "lon": lon[mask].round(6),
        "lat": lat[mask].round(6),
        "color": groups.map(colors),
        "tooltip": tooltip.astype(object),
    })
    keys = list(out.columns)
    return [dict(zip(keys, row)) for row in zip(*(out[k].tolist() for k in keys))]


def district_clusters(frame: pd.DataFrame) -> pd.DataFrame:
    """The map of a selection too large to draw point by point (a national programme): one row per district with
    communities that have coordinates — district, lon and lat (the mean of its communities' coordinates, so a
    cluster sits where its communities are), communities, started and start_rate (%)."""
    from loaders.schema import STARTED_NODE

    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    # grouped as Arrow text: as Python strings, 280,000 names took five times the whole grouping
    district = frame["district"].astype("string")
    keep = (lon.notna() & lat.notna() & district.notna()).to_numpy()
    work = pd.DataFrame({"district": district[keep].reset_index(drop=True), "lon": lon.to_numpy()[keep],
                         "lat": lat.to_numpy()[keep],
                         "started": (frame["node_reached"].to_numpy()[keep] >= STARTED_NODE).astype("int64")})
    out = work.groupby("district", sort=False).agg(lon=("lon", "mean"), lat=("lat", "mean"),
                                                   communities=("started", "size"), started=("started", "sum"))
    out["start_rate"] = out["started"] / out["communities"] * 100
    return out.reset_index()


CLUSTER_HINTS = {"district": "在「区市」中选择后显示各小区", "city": "在侧栏「城市」中选择后显示各区市"}


def cluster_records(clusters: pd.DataFrame, unit: str = "district") -> list[dict]:
    """The district (unit "city": city) circles: lon, lat, radius (pixels, by the square root of the count, so
    the area reads as the number), color (the start rate on the choropleth ramp) and the plain-text tooltip."""
    if clusters is None or len(clusters) == 0:
        return []
    largest = float(clusters["communities"].max())
    return [{"district": _text(r.district), "lon": round(float(r.lon), 6), "lat": round(float(r.lat), 6),
             "radius": round(8 + 22 * math.sqrt(r.communities / largest), 1),
             "color": choropleth_color(r.start_rate)[:3] + [220],
             "tooltip": f"{_text(r.district)}\n小区：{int(r.communities):,}个\n已开工：{int(r.started):,}个"
                        f"（开工率{fmt_pct(r.start_rate)}）\n{CLUSTER_HINTS[unit]}"}
            for r in clusters.itertuples()]


def _load_geojson(boundaries) -> dict | None:
    if boundaries is None:
        return None
    if isinstance(boundaries, (str, Path)):
        with open(boundaries, encoding="utf-8") as fh:
            return json.load(fh)
    if hasattr(boundaries, "to_json") and hasattr(boundaries, "geometry"):   # a GeoDataFrame
        return json.loads(boundaries.to_crs(4326).to_json() if boundaries.crs else boundaries.to_json())
    if hasattr(boundaries, "__geo_interface__"):
        return dict(boundaries.__geo_interface__)
    return boundaries


def _label_point(geometry: dict) -> tuple[float, float] | None:
    try:
        from shapely.geometry import shape

        pt = shape(geometry).representative_point()
        return float(pt.x), float(pt.y)
    except Exception:  # no shapely or a broken geometry: the bbox centre
        bounds = _coords_bounds(geometry.get("coordinates", []))
        return None if bounds is None else ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)


def _coords_bounds(coords) -> tuple[float, float, float, float] | None:
    xs, ys = [], []

    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        elif isinstance(c, (list, tuple)):
            for part in c:
                walk(part)

    walk(coords)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _round_coords(coords, digits: int = 5):
    """Coordinates to 5 decimals (about 1 m): the deck JSON stays small and the map looks the same."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_round_coords(c, digits) for c in coords]


def _simplify(geometry: dict, tolerance_deg: float) -> dict:
    """A boundary simplified to `tolerance_deg` (topology kept); unchanged without shapely or at 0."""
    if not tolerance_deg:
        return geometry
    try:
        from shapely.geometry import mapping, shape

        simple = shape(geometry).simplify(tolerance_deg, preserve_topology=True)
        return json.loads(json.dumps(mapping(simple)))   # tuples -> lists
    except Exception:
        return geometry


def _features(geojson: dict | None, name_field: str, simplify_deg: float = 0.0) -> list[dict]:
    """Boundary features with only the district name kept, simplified and rounded to keep the deck
    small: Streamlit sends the whole deck JSON, pretty-printed, on every rerun."""
    if not geojson:
        return []
    feats = geojson.get("features", []) if geojson.get("type") == "FeatureCollection" else [geojson]
    out = []
    for feat in feats:
        if not feat.get("geometry"):
            continue
        name = (feat.get("properties") or {}).get(name_field)
        geometry = _simplify(feat["geometry"], simplify_deg)
        geometry = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
        out.append({"type": "Feature", "geometry": geometry, "properties": {"name": _text(name)}})
    return out


def fit_view(lons, lats, width_px: int = VIEW_WIDTH_PX, height_px: int = VIEW_HEIGHT_PX,
             padding: float = 0.1) -> pdk.ViewState:
    """A ViewState centred on the points' bounding box at the zoom that fits it into width×height pixels."""
    lons = [float(x) for x in lons]
    lats = [float(y) for y in lats]
    if not lons:
        return pdk.ViewState(longitude=120.38, latitude=36.07, zoom=8.5)   # Qingdao when there is nothing
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)

    def merc_y(lat):
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max((east - west) / 360.0, 1e-6) * (1 + 2 * padding)
    dy = max(abs(merc_y(north) - merc_y(south)) / (2 * math.pi), 1e-6) * (1 + 2 * padding)
    zoom = min(math.log2(width_px / 512.0 / dx), math.log2(height_px / 512.0 / dy))
    zoom = max(1.0, min(zoom, 16.0))
    center_y = (merc_y(north) + merc_y(south)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(center_y)) - math.pi / 2)
    return pdk.ViewState(longitude=round((west + east) / 2, 6), latitude=round(center_lat, 6),
                         zoom=round(zoom, 2), pitch=0, bearing=0)


def _tile_bounds(x: int, y: int, z: int) -> list[float]:
    n = 2 ** z

    def lat(yy):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return [x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)]


def tile_layers(tile_url: str, bbox: tuple[float, float, float, float], zoom: int, max_tiles: int = 64) -> list:
    """Raster tiles of `tile_url` ({z}/{x}/{y} template) covering bbox at one zoom, as BitmapLayers.
    (pydeck cannot pass TileLayer its JavaScript renderSubLayers, so a TileLayer would draw nothing; fixed
    BitmapLayers at the view's zoom work in Streamlit with no custom JS. The zoom is lowered until at most
    max_tiles tiles cover the bbox.)"""
    west, south, east, north = bbox
    z = int(max(0, min(18, zoom)))
    while True:
        n = 2 ** z
        x0 = int((west + 180) / 360 * n)
        x1 = int((east + 180) / 360 * n)

        def ty(lat):
            r = math.radians(max(min(lat, 85.0), -85.0))
            return int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)

        y0, y1 = ty(north), ty(south)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles or z == 0:
            break
        z -= 1
    layers = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            url = tile_url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
            layers.append(pdk.Layer("BitmapLayer", id=f"{TILE_LAYER_PREFIX}-{z}-{x}-{y}", image=url,
                                    bounds=_tile_bounds(x, y, z), pickable=False))
    return layers


class CommunityDeck(pdk.Deck):
    """A pdk.Deck that serialises itself once: st.pydeck_chart calls to_json() on every rerun, and a cached
    deck (ui.data.map_deck) never changes after it is built. Build it completely before the first to_json()."""

    def to_json(self) -> str:
        text = self.__dict__.get("_json_text")
        if text is None:
            text = super().to_json()
            self._json_text = text
        return text


def community_deck(frame: pd.DataFrame, boundaries_geojson=None, *, choropleth: pd.DataFrame | None = None,
                   tile_url: str = "", theme: str = "light", name_field: str = "name", height: int = 720,
                   point_radius_m: float = 120, simplify_deg: float = 0.0008,
                   view_px: tuple[int, int] = (VIEW_WIDTH_PX, VIEW_HEIGHT_PX),
                   clusters: pd.DataFrame | None = None, city_outlines=None) -> pdk.Deck:
    """The map deck. Layers, bottom to top:
    optional raster tiles (ids "basemap-tile-z-x-y", only when tile_url is set), the district boundaries
    ("district-boundaries", filled and outlined), optionally the start-rate choropleth ("district-start-rate",
    when `choropleth` is a district_progress frame), the communities ("communities": ScatterplotLayer,
    pickable, data = community_records(frame) — one per row with lon/lat), and the district names
    ("district-labels": TextLayer with a CJK font and character_set "auto"; with the start rate under the name
    when the choropleth is on).
    `boundaries_geojson`: a FeatureCollection dict, a path to one, or a GeoDataFrame (WGS-84); boundaries are
    simplified to `simplify_deg` degrees (0.0008° ≈ 80 m, under a pixel at city zoom; 0 keeps them as they are).
    The initial view fits the boundaries of the districts that have points, and the points (every boundary when
    there is no point) into `view_px` (width, height) pixels, the size the map is drawn at. Tooltip:
    {"text": TOOLTIP_TEXT}; every layer's data through deck_data; map_provider=None and no map_style argument
    (JSON mapStyle "__MAP_STYLE__"), so Streamlit draws no
    base map and fetches nothing from a map service.
    `clusters` (a district_clusters frame): the selection is too large for points, so instead of the communities
    layer the deck has one circle per district ("district-clusters": ScatterplotLayer, cluster_records), and
    `frame` is not drawn.
    `city_outlines` (a province's view of several cities: geodata.city_boundaries, in any form boundaries take):
    each city's outline over the district boundaries ("city-boundaries"), the labels name the cities, and the
    clusters (then one per city, their `district` column holding the city) say to choose a city.
    """
    check_theme(theme)
    colors = deck_palette(theme)
    cities = _features(_load_geojson(city_outlines), "name", simplify_deg) if city_outlines is not None else []
    circles = cluster_records(clusters, "city" if cities else "district") if clusters is not None else None
    records = community_records(frame) if circles is None else circles
    features = _features(_load_geojson(boundaries_geojson), name_field, simplify_deg)
    rates = {}
    if choropleth is not None and len(choropleth):
        rates = {_text(d): r for d, r in zip(choropleth["district"], choropleth["start_rate"])}

    layers = []
    bounds = _coords_bounds([f["geometry"]["coordinates"] for f in features]) if features else None
    # The view frames what is shown: the whole boundary of every district that has a point (all of them when
    # nothing is filtered), with the points, at the size the map is drawn (view_px), so no district is cropped
    # and a filtered district keeps its outline instead of filling the view.
    lons, lats = [r["lon"] for r in records], [r["lat"] for r in records]
    if circles is not None:
        shown = {r["district"] for r in circles}
    else:
        shown = {_text(d) for d in frame["district"].dropna()} if records and "district" in frame.columns else set()
    framed = [f["geometry"]["coordinates"] for f in features + cities if f["properties"]["name"] in shown]
    frame_bounds = _coords_bounds(framed) if framed else (bounds if not records else None)
    if frame_bounds:
        lons, lats = lons + [frame_bounds[0], frame_bounds[2]], lats + [frame_bounds[1], frame_bounds[3]]
    view = fit_view(lons, lats, *view_px, padding=0.03)
    if tile_url:
        tb = bounds or (view.longitude - 0.5, view.latitude - 0.5, view.longitude + 0.5, view.latitude + 0.5)
        layers += tile_layers(tile_url, tb, int(round(view.zoom)) + 1)

    if features:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id=BOUNDARY_LAYER_ID, data={"type": "FeatureCollection", "features": features},
            filled=not tile_url, stroked=True, get_fill_color=colors["boundary_fill"],
            get_line_color=colors["boundary_line"], line_width_units="'pixels'", get_line_width=1.5,
            pickable=False,
        ))
        if rates:
            choro = [{**f, "properties": {**f["properties"], "fill": choropleth_color(rates.get(f["properties"]["name"]))}}
                     for f in features]
            layers.append(pdk.Layer(
                "GeoJsonLayer", id=CHOROPLETH_LAYER_ID, data={"type": "FeatureCollection", "features": choro},
                filled=True, stroked=True, get_fill_color="properties.fill", get_line_color=colors["boundary_line"],
                line_width_units="'pixels'", get_line_width=1.5, pickable=False,
            ))

    if cities:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id=CITY_LAYER_ID, data={"type": "FeatureCollection", "features": cities},
            filled=False, stroked=True, get_line_color=colors["label"], line_width_units="'pixels'",
            get_line_width=3, pickable=False,
        ))

    if circles is not None:
        layers.append(pdk.Layer(
            "ScatterplotLayer", id=CLUSTER_LAYER_ID, data=circles, get_position=["lon", "lat"],
            get_fill_color="color", get_radius="radius", radius_units="'pixels'", stroked=True,
            get_line_color=colors["point_outline"], line_width_min_pixels=1, pickable=True, auto_highlight=True,
        ))
    else:
        layers.append(pdk.Layer(
            "ScatterplotLayer", id=COMMUNITY_LAYER_ID, data=records, get_position=["lon", "lat"],
            get_fill_color="color", get_radius=point_radius_m, radius_units="'meters'", radius_min_pixels=5,
            radius_max_pixels=16, stroked=True, get_line_color=colors["point_outline"], line_width_min_pixels=1,
            pickable=True, auto_highlight=True,
        ))

    if features:
        labels = []
        for f in cities or features:      # a province's view names its cities, not their many districts
            pt = _label_point(f["geometry"])
            if pt is None:
                continue
            text = f["properties"]["name"]
            if rates and text in rates:
                text = f"{text}\n{fmt_pct(rates[text])}"
            labels.append({"position": [round(pt[0], 6), round(pt[1], 6)], "label": text})
        layers.append(pdk.Layer(
            "TextLayer", id=LABEL_LAYER_ID, data=labels, get_position="position", get_text="label",
            get_size=15, size_units="'pixels'", get_color=colors["label"], font_family=f"'{DECK_FONT_FAMILY}'",
            character_set="'auto'", font_weight=600, background=True, get_background_color=colors["label_background"],
            background_padding=[4, 2], get_text_anchor="'middle'", get_alignment_baseline="'center'",
            pickable=False,
        ))

    for layer in layers:
        layer.data = deck_data(layer.data)
    tooltip = {"text": TOOLTIP_TEXT,
               "style": {"backgroundColor": colors["tooltip_bg"], "color": colors["tooltip_text"],
                         "border": f"1px solid {colors['tooltip_border']}", "fontFamily": DECK_FONT_FAMILY,
                         "fontSize": "14px", "lineHeight": "1.5", "whiteSpace": "pre-line"}}
    # No map_style argument on purpose: pydeck then writes its "__MAP_STYLE__" sentinel, which Streamlit reads
    # as "no base map". An explicit map_style=None leaves mapStyle out of the JSON, and Streamlit (1.67) then
    # fills in a Carto style and fetches it from basemaps.cartocdn.com.
    return CommunityDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip, height=height)


def deck_layer(deck: pdk.Deck, layer_id: str):
    """The layer of `deck` with this id (None if absent)."""
    return next((layer for layer in deck.layers if getattr(layer, "id", None) == layer_id), None)
