"""loaders.coords against published and independently computed values."""
import numpy as np
import pandas as pd
import pytest

from loaders.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    normalize_crs,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Published in the README/test of wandergis/coordtransform (the reference JavaScript implementation)
# for the input (116.404, 39.915) near Tiananmen.
TIANANMEN = (116.404, 39.915)
PUBLISHED_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
PUBLISHED_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
PUBLISHED_BD_TO_GCJ_CLOSED_FORM = (116.39762729119315, 39.90865673957631)
PUBLISHED_GCJ_TO_WGS_ONE_STEP = (116.39775550083061, 39.91359571849836)

# Computed with the independent Rust implementation geocoordinates-rs 0.14.2 (PyPI), Qingdao points.
QINGDAO_WGS = (120.38, 36.07)
RUST_WGS_TO_GCJ = (120.38513223789063, 36.07027463887014)
RUST_GCJ_TO_BD = (120.38643631564291, 36.07617769967855)      # input GCJ (120.38, 36.07)
RUST_GCJ_TO_WGS = (120.37487088967451, 36.069730567391346)    # input GCJ (120.38, 36.07)
RUST_BD_TO_GCJ = (120.37358566911657, 36.06372756967869)      # input BD (120.38, 36.07)


def _pair(result):
    return float(result[0]), float(result[1])


def test_wgs_to_gcj_matches_published_pair():
    assert _pair(wgs84_to_gcj02(*TIANANMEN)) == pytest.approx(PUBLISHED_WGS_TO_GCJ, abs=1e-9)


def test_gcj_to_bd_matches_published_pair():
    assert _pair(gcj02_to_bd09(*TIANANMEN)) == pytest.approx(PUBLISHED_GCJ_TO_BD, abs=1e-9)


def test_bd_to_gcj_within_a_few_cm_of_published_closed_form():
    got = _pair(bd09_to_gcj02(*TIANANMEN))
    # Ours is refined, so it differs from the closed form by centimetres, not metres.
    d = float(haversine_m(*got, *PUBLISHED_BD_TO_GCJ_CLOSED_FORM))
    assert d < 0.2
    assert got == pytest.approx((116.39762708785732, 39.908656339477155), abs=1e-9)


def test_gcj_to_wgs_iterative_is_better_than_one_step():
    got = _pair(gcj02_to_wgs84(*TIANANMEN))
    back = _pair(wgs84_to_gcj02(*got))
    assert float(haversine_m(*back, *TIANANMEN)) < 0.001
    # the classic one-step inverse (published value) is about 6 cm off at this point...
    one_step_err = float(haversine_m(*wgs84_to_gcj02(*PUBLISHED_GCJ_TO_WGS_ONE_STEP), *TIANANMEN))
    assert 0.03 < one_step_err < 0.1
    # ...and up to metres in the Qingdao box, where the iteration stays below a millimetre
    rng = np.random.default_rng(5)
    gx, gy = rng.uniform(119.5, 121.1, 5000), rng.uniform(35.5, 37.2, 5000)
    fx, fy = wgs84_to_gcj02(gx, gy)
    one_x, one_y = 2 * gx - fx, 2 * gy - fy
    assert haversine_m(gx, gy, *wgs84_to_gcj02(one_x, one_y)).max() > 1.0
    assert haversine_m(gx, gy, *wgs84_to_gcj02(*gcj02_to_wgs84(gx, gy))).max() < 0.001


def test_qingdao_values_match_independent_rust_implementation():
    assert _pair(wgs84_to_gcj02(*QINGDAO_WGS)) == pytest.approx(RUST_WGS_TO_GCJ, abs=1e-9)
    assert _pair(gcj02_to_bd09(*QINGDAO_WGS)) == pytest.approx(RUST_GCJ_TO_BD, abs=1e-9)
    assert _pair(gcj02_to_wgs84(*QINGDAO_WGS)) == pytest.approx(RUST_GCJ_TO_WGS, abs=1e-9)
    assert _pair(bd09_to_gcj02(*QINGDAO_WGS)) == pytest.approx(RUST_BD_TO_GCJ, abs=1e-9)


def test_offset_in_qingdao_is_about_460_m_east():
    gx, gy = wgs84_to_gcj02(*QINGDAO_WGS)
    d = float(haversine_m(*QINGDAO_WGS, gx, gy))
    assert 440 < d < 480
    assert gx > QINGDAO_WGS[0]  # the shift is mostly eastward here


def test_round_trips_within_one_metre_over_china():
    rng = np.random.default_rng(7)
    lon = rng.uniform(74, 134, 20000)
    lat = rng.uniform(18, 53, 20000)
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.01
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.01
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.01
    back = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *back).max() < 0.01


def test_qingdao_round_trips_to_the_millimetre():
    rng = np.random.default_rng(1)
    lon = rng.uniform(119.5, 121.1, 5000)
    lat = rng.uniform(35.5, 37.2, 5000)
    w = to_wgs84(*wgs84_to_bd09(lon, lat), "bd09")
    assert haversine_m(lon, lat, *w).max() < 0.001
    w = to_wgs84(*wgs84_to_gcj02(lon, lat), "gcj02")
    assert haversine_m(lon, lat, *w).max() < 0.001


def test_bd09_is_about_1_km_from_wgs_in_qingdao():
    bx, by = wgs84_to_bd09(*QINGDAO_WGS)
    d = float(haversine_m(*QINGDAO_WGS, bx, by))
    assert 900 < d < 1300


def test_outside_china_not_shifted_by_gcj():
    lon = np.array([2.3522, -74.006, 139.6917])   # Paris, New York, Tokyo
    lat = np.array([48.8566, 40.7128, 35.6895])
    assert out_of_china(lon, lat).tolist() == [True, True, True]
    gx, gy = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(gx, lon)
    np.testing.assert_array_equal(gy, lat)
    wx, wy = gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(wx, lon)
    np.testing.assert_array_equal(wy, lat)
    assert out_of_china(120.38, 36.07).item() is False


def test_nan_passes_through_and_other_points_convert():
    lon = np.array([120.38, np.nan, 120.40, 120.41])
    lat = np.array([36.07, 36.08, np.nan, 36.09])
    for crs in ("wgs84", "gcj02", "bd09"):
        x, y = to_wgs84(lon, lat, crs)
        assert np.isnan(x[1]) and np.isnan(y[1])
        assert np.isnan(x[2]) and np.isnan(y[2])
        assert np.isfinite(x[[0, 3]]).all() and np.isfinite(y[[0, 3]]).all()
    x, y = to_wgs84(lon, lat, "gcj02")
    assert (float(x[0]), float(y[0])) == pytest.approx(RUST_GCJ_TO_WGS, abs=1e-9)


def test_arrays_series_and_scalars():
    s_lon = pd.Series([120.38, 120.38])
    s_lat = pd.Series([36.07, 36.07])
    x, y = to_wgs84(s_lon, s_lat, "gcj02")
    assert isinstance(x, np.ndarray) and x.shape == (2,)
    assert x[0] == x[1] == pytest.approx(RUST_GCJ_TO_WGS[0], abs=1e-9)
    x, y = to_wgs84([[120.38]], [[36.07]], "GCJ-02")
    assert x.shape == (1, 1)
    x, y = gcj02_to_wgs84(120.38, 36.07)
    assert np.ndim(x) == 0
    with pytest.raises(ValueError):
        wgs84_to_gcj02([1.0, 2.0], [1.0])


def test_point_result_does_not_depend_on_batch():
    alone = gcj02_to_wgs84(np.array([120.38]), np.array([36.07]))
    rng = np.random.default_rng(3)
    lon = np.concatenate([[120.38], rng.uniform(74, 134, 1000)])
    lat = np.concatenate([[36.07], rng.uniform(18, 53, 1000)])
    batch = gcj02_to_wgs84(lon, lat)
    assert batch[0][0] == alone[0][0] and batch[1][0] == alone[1][0]


def test_wgs84_passthrough_copies():
    lon = np.array([120.38])
    x, _ = to_wgs84(lon, np.array([36.07]), "wgs84")
    x[0] = 0
    assert lon[0] == 120.38


@pytest.mark.parametrize("spelling,expected", [
    ("GCJ-02", "gcj02"), ("gcj02", "gcj02"), ("高德", "gcj02"), ("火星坐标系", "gcj02"),
    ("BD-09", "bd09"), ("百度", "bd09"), ("bd09ll", "bd09"),
    ("WGS-84", "wgs84"), ("WGS84", "wgs84"), ("GPS", "wgs84"), ("CGCS2000", "wgs84"),
])
def test_crs_spellings(spelling, expected):
    assert normalize_crs(spelling) == expected


def test_unknown_crs_raises_chinese_message():
    with pytest.raises(ValueError, match="不支持的坐标系"):
        to_wgs84([1.0], [1.0], "utm50")


def test_haversine_known_distance():
    # one degree of latitude is about 111.2 km on the mean sphere
    assert float(haversine_m(120.0, 36.0, 120.0, 37.0)) == pytest.approx(111195, abs=5)


def test_coordinates_without_the_geo_helper_are_an_error(tmp_path, monkeypatch):
    """Without loaders.geodata the points cannot be converted or checked: never stored as if WGS-84."""
    import sys as _sys
    from pathlib import Path

    _sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
    import ledger_builders as lb
    from loaders.reader import read_ledger

    import loaders
    import loaders.geodata  # noqa: F401 - loaded, as in any process that read a ledger before

    monkeypatch.setitem(_sys.modules, "loaders.geodata", None)      # import raises ImportError
    monkeypatch.delattr(loaders, "geodata")
    r = read_ledger(lb.write_xlsx(tmp_path / "市北区.xlsx", {"市北区": lb.standard_sheet()}))
    assert not r.ok
    assert [e.message[:11] for e in r.errors] == ["坐标换算模块无法加载（"]
