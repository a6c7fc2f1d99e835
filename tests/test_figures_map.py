import json

import pandas as pd

from figures.map import (
    BOUNDARY_LAYER_ID, CHOROPLETH_LAYER_ID, COMMUNITY_LAYER_ID, LABEL_LAYER_ID, choropleth_color, community_deck,
    community_records, deck_layer, fit_view,
)
from metrics.progress import district_progress
from test_metrics_support import ledger

XSS = "<img src=x onerror=alert(1)>"

SQUARES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "市南区"},
     "geometry": {"type": "Polygon", "coordinates": [[[120.3, 36.0], [120.4, 36.0], [120.4, 36.1], [120.3, 36.1],
                                                      [120.3, 36.0]]]}},
    {"type": "Feature", "properties": {"name": "市北区"},
     "geometry": {"type": "Polygon", "coordinates": [[[120.3, 36.1], [120.4, 36.1], [120.4, 36.2], [120.3, 36.2],
                                                      [120.3, 36.1]]]}},
]}


def _frame(n=5):
    rows = [dict(name=f"小区{i}", district="市南区" if i % 2 else "市北区", node=i % 9, lon=120.31 + i * 0.01,
                 lat=36.05 + i * 0.01, plan_start="2022-06-01") for i in range(n)]
    return ledger(rows)


def test_community_layer_holds_every_row_with_coordinates():
    deck = community_deck(_frame(7), SQUARES)
    layer = deck_layer(deck, COMMUNITY_LAYER_ID)
    assert layer.type == "ScatterplotLayer" and layer.pickable is True
    assert len(layer.data) == 7
    spec = json.loads(deck.to_json())
    points = [l for l in spec["layers"] if l["id"] == COMMUNITY_LAYER_ID][0]
    assert len(points["data"]) == 7
    assert points["data"][0]["lon"] == 120.31 and points["data"][0]["lat"] == 36.05


def test_rows_without_coordinates_are_left_out():
    f = _frame(3)
    f.loc[1, "lon"] = None
    assert len(deck_layer(community_deck(f, SQUARES), COMMUNITY_LAYER_ID).data) == 2


def test_offline_deck_no_map_provider_no_style():
    spec = json.loads(community_deck(_frame(), SQUARES).to_json())
    # pydeck's sentinel: Streamlit draws no base map for it. A missing mapStyle would make Streamlit (1.67)
    # fetch a Carto style, so the key must be present with exactly this value.
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec
    text = json.dumps(spec)
    assert "cartocdn" not in text and "mapbox" not in text


def test_tooltip_is_plain_text_as_written():
    # A "text" tooltip is shown with innerText: markup from data stays text, and is not escaped by hand (Streamlit
    # escapes "html" tooltip values itself, which showed "&lt;" and "&quot;" on screen).
    f = ledger([dict(name=XSS, district="市南区", street="<script>x</script>", node=6, lon=120.35, lat=36.05)])
    deck = community_deck(f, SQUARES)
    assert deck._tooltip["text"] == "{tooltip}" and "html" not in deck._tooltip
    rec = deck_layer(deck, COMMUNITY_LAYER_ID).data[0]
    assert rec["tooltip"].splitlines() == [XSS, "市南区 · <script>x</script>", "状态：施工中（开工）",
                                           "投资：完成0.0万元 / 计划100.0万元", "下一节点：完工"]


def test_deck_expressions_in_data_stay_text():
    f = ledger([dict(name="@@=alert(8)", community_id="@@#GL.ONE", district="市南区", street="@@=lon", node=6,
                     lon=120.35, lat=36.05)])
    spec = json.loads(community_deck(f, SQUARES).to_json())
    data = [layer for layer in spec["layers"] if layer["id"] == COMMUNITY_LAYER_ID][0]["data"]
    strings = [v for rec in data for v in rec.values() if isinstance(v, str)]
    assert strings and not any(v.startswith("@@") for v in strings)
    assert data[0]["tooltip"] == "\u2060@@=alert(8)\n市南区 · @@=lon\n状态：施工中（开工）\n投资：完成0.0万元 / 计划100.0万元\n下一节点：完工"
    from ui.maps import selected_community

    class Event:
        selection = {"objects": {COMMUNITY_LAYER_ID: [data[0]]}}

    assert selected_community(Event()) == "@@#GL.ONE"


def test_boundaries_labels_and_choropleth():
    f = _frame()
    plain = community_deck(f, SQUARES)
    assert [l.id for l in plain.layers] == [BOUNDARY_LAYER_ID, COMMUNITY_LAYER_ID, LABEL_LAYER_ID]
    labels = deck_layer(plain, LABEL_LAYER_ID)
    assert labels.type == "TextLayer"
    spec = json.loads(plain.to_json())
    text_layer = [l for l in spec["layers"] if l["id"] == LABEL_LAYER_ID][0]
    assert text_layer["characterSet"] == "auto"
    assert "Noto Sans CJK SC" in text_layer["fontFamily"] and not text_layer["fontFamily"].startswith("@@=")
    assert sorted(d["label"] for d in text_layer["data"]) == ["市北区", "市南区"]
    progress = district_progress(f, "2022-05-31")
    choro = community_deck(f, SQUARES, choropleth=progress)
    layer = deck_layer(choro, CHOROPLETH_LAYER_ID)
    assert layer is not None
    fills = {feat["properties"]["name"]: feat["properties"]["fill"] for feat in layer.data["features"]}
    rates = dict(zip(progress["district"], progress["start_rate"]))
    assert fills == {d: choropleth_color(r) for d, r in rates.items()}
    assert sorted(d["label"] for d in deck_layer(choro, LABEL_LAYER_ID).data) == ["市北区\n0.0%", "市南区\n0.0%"]


def test_tiles_only_when_configured():
    assert not any(l.id.startswith("basemap-tile") for l in community_deck(_frame(), SQUARES).layers)
    tiled = community_deck(_frame(), SQUARES, tile_url="http://tiles.local/{z}/{x}/{y}.png")
    tiles = [l for l in tiled.layers if l.id.startswith("basemap-tile")]
    assert 1 <= len(tiles) <= 64 and tiles[0].type == "BitmapLayer"
    assert tiled.layers.index(tiles[0]) == 0


def test_choropleth_colour_ramp():
    assert choropleth_color(0) == [242, 240, 247, 170]
    assert choropleth_color(100) == [84, 39, 143, 170]
    assert choropleth_color(150) == choropleth_color(100)
    assert choropleth_color(None)[3] == 90


def test_view_fits_points_else_boundaries():
    # the points' districts (市南区 and 市北区) are framed whole, not just the points
    v = community_deck(_frame(3), SQUARES).initial_view_state
    assert abs(v.longitude - 120.35) < 1e-6 and abs(v.latitude - 36.1) < 0.01 and 10 < v.zoom < 11.5
    empty = community_deck(ledger([]), SQUARES).initial_view_state
    assert abs(empty.longitude - 120.35) < 1e-6 and abs(empty.latitude - 36.1) < 0.01
    assert len(deck_layer(community_deck(ledger([]), SQUARES), COMMUNITY_LAYER_ID).data) == 0
    assert fit_view([], []).zoom == 8.5
    assert community_records(None) == []


def test_a_selection_too_large_for_points_is_one_circle_per_district():
    from figures.map import CLUSTER_LAYER_ID, district_clusters

    f = _frame(9)
    f.loc[2, "lon"] = None
    clusters = district_clusters(f)
    by_name = clusters.set_index("district")
    # 市南区: odd i (1, 3, 5, 7); 市北区: even i with coordinates (0, 4, 6, 8); node = i, started from node 6
    assert by_name.loc["市南区", "communities"] == 4 and by_name.loc["市南区", "started"] == 1
    assert by_name.loc["市北区", "communities"] == 4 and by_name.loc["市北区", "started"] == 2
    assert by_name.loc["市北区", "start_rate"] == 50.0
    assert round(by_name.loc["市南区", "lon"], 6) == round(120.31 + 0.04, 6)   # mean of 1, 3, 5, 7
    deck = community_deck(f, SQUARES, clusters=clusters)
    assert deck_layer(deck, COMMUNITY_LAYER_ID) is None
    circles = deck_layer(deck, CLUSTER_LAYER_ID)
    assert circles.type == "ScatterplotLayer" and len(circles.data) == 2
    rec = {r["district"]: r for r in circles.data}["市北区"]
    assert rec["tooltip"].splitlines() == ["市北区", "小区：4个", "已开工：2个（开工率50.0%）", "在「区市」中选择后显示各小区"]
    assert rec["radius"] == 30.0 and rec["color"] == choropleth_color(50.0)[:3] + [220]
    spec = json.loads(deck.to_json())
    assert [layer["id"] for layer in spec["layers"]] == [BOUNDARY_LAYER_ID, CLUSTER_LAYER_ID, LABEL_LAYER_ID]


def test_the_map_pages_draw_districts_beyond_the_point_limit_and_points_once_a_district_is_picked(monkeypatch):
    from ui import data
    from ui.maps import count_note

    frame = _frame(9)
    monkeypatch.setattr(data, "map_communities", lambda *args: frame)
    monkeypatch.setattr(data, "boundaries_geojson", lambda: SQUARES)
    monkeypatch.setattr(data, "MAP_POINT_LIMIT", 5)
    args = ("v", "2022-06-30", (2022,), ())
    counts = data.map_counts.__wrapped__(*args)
    assert counts == {"selected": 9, "located": 9, "drawn": 0, "clustered": True}
    assert count_note(counts) == ("符合条件9个小区，数量较多，按区市汇总显示（圆点越大小区越多，颜色为开工率）。"
                                  "在上方「区市」中选择区市后显示各小区。")
    deck = data.map_deck.__wrapped__(*args)
    assert len(deck_layer(deck, "district-clusters").data) == 2 and deck_layer(deck, COMMUNITY_LAYER_ID) is None
    picked = data.map_deck.__wrapped__(*args, (), ("市南区",))
    assert deck_layer(picked, "district-clusters") is None
    assert len(deck_layer(picked, COMMUNITY_LAYER_ID).data) == 9     # map_communities is stubbed: no filtering
    assert data.map_counts.__wrapped__(*args, (), ("市南区",))["clustered"] is False


def test_city_clusters_say_to_choose_a_city():
    import pandas as pd

    from figures.map import CLUSTER_HINTS, cluster_records

    clusters = pd.DataFrame({"district": ["青岛市"], "lon": [120.4], "lat": [36.1], "communities": [300],
                             "started": [150], "start_rate": [50.0]})
    assert cluster_records(clusters, "city")[0]["tooltip"].endswith(CLUSTER_HINTS["city"])
    assert cluster_records(clusters)[0]["tooltip"].endswith("在「区市」中选择后显示各小区")
