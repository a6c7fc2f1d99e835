"""loaders.geodata on the shipped Qingdao boundaries and on tiny in-memory polygons."""
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from loaders import config
from loaders.geodata import (
    boundaries_geojson,
    district_of_points,
    inside_city_bbox,
    load_boundaries,
    looks_swapped,
    points_outside_district,
)

OFFICIAL = ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]

# WGS-84 points well inside each district (not near any border).
INSIDE = {
    "市南区": (120.38, 36.07),      # near 五四广场 / 香港中路
    "市北区": (120.37, 36.09),
    "李沧区": (120.43, 36.16),
    "崂山区": (120.47, 36.11),
    "城阳区": (120.40, 36.30),
    "黄岛区": (120.10, 35.90),
    "即墨区": (120.45, 36.39),
    "胶州市": (120.00, 36.28),
    "平度市": (119.96, 36.78),
    "莱西市": (120.52, 36.89),
}
AT_SEA = (120.50, 35.90)      # Yellow Sea south of 崂山
BEIJING = (116.404, 39.915)


@pytest.fixture(scope="module")
def qingdao():
    return load_boundaries()


@pytest.fixture
def squares():
    """Two 1x1 degree squares side by side: A = [0,1]x[0,1], B = [1,2]x[0,1]."""
    return gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)


def test_file_has_exactly_the_ten_official_names(qingdao):
    assert sorted(qingdao["name"]) == sorted(OFFICIAL)
    assert sorted(qingdao["name"]) == sorted(config.district_names())
    assert list(qingdao["adcode"]) == ["370202", "370203", "370211", "370212", "370213", "370214", "370215",
                                       "370281", "370283", "370285"]
    assert qingdao.crs.to_epsg() == 4326
    assert list(qingdao.columns) == ["name", "adcode", "geometry"]
    assert qingdao.is_valid.all()


def test_file_is_small_and_inside_the_city_bbox(qingdao):
    size = config.boundaries_path().stat().st_size
    assert size < 300_000
    minx, miny, maxx, maxy = qingdao.total_bounds
    bb = config.city_bbox()
    assert bb["min_lon"] <= minx and maxx <= bb["max_lon"]
    assert bb["min_lat"] <= miny and maxy <= bb["max_lat"]


def test_districts_do_not_overlap(qingdao):
    g = qingdao.to_crs(32651).geometry.values
    overlap = sum(shapely.intersection(g[i], g[j]).area for i in range(10) for j in range(i + 1, 10))
    assert overlap < 1.0  # square metres: a clean coverage
    # 市南区 is about 30 km² of land
    assert 25e6 < qingdao.to_crs(32651).geometry[qingdao["name"] == "市南区"].area.iloc[0] < 40e6


def test_points_map_to_their_district(qingdao):
    names = list(INSIDE)
    lon = [INSIDE[n][0] for n in names]
    lat = [INSIDE[n][1] for n in names]
    got = district_of_points(lon, lat, qingdao)
    assert list(got) == names


def test_point_at_sea_in_beijing_and_nan_map_to_none(qingdao):
    got = district_of_points([AT_SEA[0], BEIJING[0], np.nan, 120.38],
                             [AT_SEA[1], BEIJING[1], 36.07, np.nan], qingdao)
    assert list(got) == [None, None, None, None]


def test_default_boundaries_come_from_settings():
    got = district_of_points(pd.Series([120.38]), pd.Series([36.07]))
    assert got.tolist() == ["市南区"]


def test_converted_gcj_point_lands_in_its_district(qingdao):
    # A point picked on AMap (GCJ-02) near 五四广场, converted to WGS-84 first.
    from loaders.coords import gcj02_to_wgs84
    lon, lat = gcj02_to_wgs84(120.38, 36.07)
    assert district_of_points([float(lon)], [float(lat)], qingdao).tolist() == ["市南区"]


def test_points_outside_their_district(qingdao):
    lon = [120.38, 120.38, 116.404, np.nan, 120.38, 120.38]
    lat = [36.07, 36.07, 39.915, 36.07, 36.07, 36.07]
    districts = ["市南区", "李沧区", "市南区", "市南区", "四方区", None]
    got = points_outside_district(lon, lat, districts, qingdao)
    # right district / wrong district / far away / no coordinates / unknown name / no name
    assert got.tolist() == [False, True, True, False, False, False]


def test_points_outside_district_with_pandas_na(squares):
    districts = pd.Series(["A", pd.NA, "B"], dtype="string")
    got = points_outside_district([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], districts, squares)
    assert got.tolist() == [False, False, True]


def test_district_of_points_on_tiny_squares(squares):
    got = district_of_points([0.5, 1.5, 2.5, 1.0], [0.5, 0.5, 0.5, 0.5], squares)
    # a point on the shared edge goes to the first polygon holding it
    assert got.tolist() == ["A", "B", None, "A"]


def test_inside_city_bbox_and_swapped():
    lon = np.array([120.38, 36.07, 116.404, np.nan, 121.5])
    lat = np.array([36.07, 120.38, 39.915, 36.07, 36.0])
    assert inside_city_bbox(lon, lat).tolist() == [True, False, False, False, False]
    assert looks_swapped(lon, lat).tolist() == [False, True, False, False, False]


def test_custom_file_and_name_field(tmp_path):
    path = tmp_path / "other_city.geojson"
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"NAME_CN": "甲区", "code": 1},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
            {"type": "Feature", "properties": {"NAME_CN": "乙区", "code": 2},
             "geometry": {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]}},
            # a second part of 乙区 in another feature: merged into one row
            {"type": "Feature", "properties": {"NAME_CN": "乙区", "code": 2},
             "geometry": {"type": "Polygon", "coordinates": [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]}},
        ],
    }
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    b = load_boundaries(path, "NAME_CN")
    assert list(b.columns) == ["name", "geometry"]
    assert sorted(b["name"]) == ["乙区", "甲区"]
    assert district_of_points([0.5, 5.5, 3.0], [0.5, 5.5, 3.0], b).tolist() == ["甲区", "乙区", None]
    with pytest.raises(ValueError, match="NAME"):
        load_boundaries(path, "name_zh")


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_boundaries(tmp_path / "nope.geojson")


def test_load_is_cached_but_returns_copies():
    a = load_boundaries()
    a.loc[0, "name"] = "changed"
    b = load_boundaries()
    assert b.loc[0, "name"] == "市南区"


def test_boundaries_geojson_is_plain_json(qingdao):
    gj = boundaries_geojson(qingdao)
    assert gj["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in gj["features"]] == list(qingdao["name"])
    assert gj["features"][0]["properties"]["adcode"] == "370202"
    assert gj["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    json.dumps(gj)  # serialisable as is
    assert boundaries_geojson()["features"][0]["properties"]["name"] == "市南区"


def test_city_boundaries_dissolve_each_citys_districts_into_one_outline():
    import geopandas as gpd
    from shapely.geometry import box

    from loaders.geodata import city_boundaries

    districts = gpd.GeoDataFrame({"name": ["甲区", "乙区", "丙区", "无主区"]},
                                 geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6), box(9, 9, 10, 10)],
                                 crs=4326)
    cities = city_boundaries(districts, {"甲区": "东市", "乙区": "东市", "丙区": "西市"})
    outline = dict(zip(cities["name"], cities.geometry))
    assert sorted(outline) == ["东市", "西市"]
    assert outline["东市"].equals(box(0, 0, 2, 1)) and outline["西市"].equals(box(5, 5, 6, 6))
    assert cities.crs.to_epsg() == 4326
