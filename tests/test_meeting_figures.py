"""Figure builders of the weekly meeting (issue 12), on tiny in-memory frames."""
from __future__ import annotations

import pandas as pd

from figures.theme import category_colors, palette


def _luminance(color: str) -> float:
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_series_colour_stands_off_the_dark_paper():
    paper = _luminance(palette("dark")["paper"])
    assert all(_luminance(c) - paper > 0.2 for c in category_colors("dark")), category_colors("dark")
    assert category_colors("light")[7] == "#000000"        # black stays on white paper


def test_the_eighth_district_is_not_black_on_black():
    from figures.trends import weekly_investment_figure
    from loaders.config import district_names

    names = district_names()
    rows = [(d, name, v) for d in ("2022-05-20", "2022-05-27") for name, v in zip(names, range(10, 20))]
    series = pd.DataFrame(rows, columns=["report_date", "district", "completed_investment_wan"])
    series["report_date"] = pd.to_datetime(series["report_date"])
    series["planned_investment_wan"] = 100.0
    series["weekly_increment_wan"] = series.groupby("district")["completed_investment_wan"].diff()
    fig = weekly_investment_figure(series, theme="dark")
    jiaozhou = next(t for t in fig.data if t.name == "胶州市")
    assert _luminance(jiaozhou.marker.color) > 0.5


def test_programme_figure_draws_each_batch_the_sum_and_the_plan():
    from figures.trends import programme_trend_figure

    frame = pd.DataFrame({
        "report_date": pd.to_datetime(["2022-04-30", "2022-04-30", "2022-05-31", "2022-05-31"]),
        "batch_year": [2022, 2023, 2022, 2023], "completed_investment_wan": [70000.0, 0.0, 80000.0, 500.0],
        "planned_investment_wan": [300000.0, 500000.0, 300000.0, 500000.0]})
    fig = programme_trend_figure(frame)
    names = [t.name for t in fig.data]
    assert names == ["计划投资（合计）", "2022年度", "2023年度", "2022—2023年度合计"]
    assert list(fig.data[3].y) == [7.0, 8.05] and list(fig.data[0].y) == [80.0, 80.0]
    assert fig.layout.annotations[0].text.startswith("8.1亿元")


def _viewport(view, width_px: int, height_px: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) that a deck.gl ViewState shows in width × height pixels."""
    import math

    scale = 512 * 2 ** view.zoom
    half_lon = width_px / 2 / scale * 360

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    def lat(y):
        return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)

    cy, half_y = merc(view.latitude), height_px / 2 / scale * 2 * math.pi
    return view.longitude - half_lon, lat(cy - half_y), view.longitude + half_lon, lat(cy + half_y)


def _bounds(features) -> tuple[float, float, float, float]:
    from figures.map import _coords_bounds

    return _coords_bounds([f["geometry"]["coordinates"] for f in features])


def _contains(outer, inner) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def test_the_map_frames_every_district_it_shows_at_the_size_it_is_drawn():
    from figures.map import _features, community_deck
    from loaders.geodata import boundaries_geojson, load_boundaries

    from loaders.schema import conform

    geojson = boundaries_geojson(load_boundaries())
    features = _features(geojson, "name")
    frame = conform(pd.DataFrame({"community_id": ["A", "B"], "name": ["甲", "乙"], "district": ["市南区", "市北区"],
                                  "lon": [120.38, 120.36], "lat": [36.07, 36.09], "node_reached": [6, 2]}))
    # a few central points: the overview (600 × 520) still frames those districts whole
    deck = community_deck(frame, geojson, view_px=(600, 520))
    shown = _viewport(deck.initial_view_state, 600, 520)
    assert _contains(shown, _bounds([f for f in features if f["properties"]["name"] in ("市南区", "市北区")]))
    # every district has a point: all of the city, 莱西市 and 黄岛区 included
    everywhere = conform(pd.DataFrame([{"community_id": f["properties"]["name"], "name": "x",
                                        "district": f["properties"]["name"], "lon": lon, "lat": lat, "node_reached": 6}
                                       for f in features for lon, lat in [_label(f)]]))
    deck = community_deck(everywhere, geojson, view_px=(600, 520))
    assert _contains(_viewport(deck.initial_view_state, 600, 520), _bounds(features))
    # one district filtered: its whole outline, and not the whole city
    one = everywhere[everywhere["district"] == "市北区"]
    view = community_deck(one, geojson, view_px=(900, 640)).initial_view_state
    outline = _bounds([f for f in features if f["properties"]["name"] == "市北区"])
    assert _contains(_viewport(view, 900, 640), outline)
    assert not _contains(_viewport(view, 900, 640), _bounds(features))


def _label(feature):
    from figures.map import _label_point

    return _label_point(feature["geometry"])


def test_the_big_screen_lists_four_laggards_and_counts_the_rest():
    """Six districts behind schedule did not fit the screen's column (it scrolled): four rows and a count."""
    from metrics.progress import district_progress
    from test_metrics_support import ledger
    from ui.bigscreen import laggards, laggards_html

    names = ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区"]
    rows = [dict(district=n, node=6 if k < i else 2, plan_start="2022-04-01")
            for i, n in enumerate(names) for k in range(10)]           # 市南区 0/10 … 即墨区 6/10, all red
    shown, more = laggards(district_progress(ledger(rows), "2022-05-31",
                                             {"district_schedule": {"yellow_behind": 10.0, "red_behind": 30.0}}))
    assert shown["district"].tolist() == ["市南区", "市北区", "黄岛区", "崂山区"] and more == 3
    html = laggards_html(shown, more=more)
    assert html.count("<tr>") == 5 and "另有3个区市进度滞后" in html
    assert "另有" not in laggards_html(shown)
