"""Coordinate conversion between WGS-84, GCJ-02 (AMap/Tencent) and BD-09 (Baidu), vectorised with numpy.

The project keeps WGS-84 inside and converts at the edges (docs/geodata.md). The formulas are the
well-known public reconstruction of the GCJ-02 offset (Krasovsky 1940 ellipsoid constants) and of Baidu's
BD-09 rotation. No maintained, numpy-vectorised library for this exists on PyPI (see docs/geodata.md),
so this module implements them directly; every function takes scalars or arrays (lists, numpy arrays,
pandas Series) and returns a pair of float64 numpy arrays (0-d for scalar input).

Rules:
- NaN passes through (a NaN in either lon or lat gives NaN in both outputs).
- Points outside China (the standard rectangular out_of_china rule: lon outside 72.004..137.8347,
  lat outside 0.8293..55.8271) are not shifted by the GCJ-02 step. BD-09 <-> GCJ-02 applies everywhere,
  as Baidu does.
- wgs84_to_gcj02 is exact (it *is* the definition). gcj02_to_wgs84 inverts it by fixed-point iteration;
  the residual (distance between wgs84_to_gcj02(result) and the input) is below 1e-6 m after a few
  iterations inside China — far below the ~1 m the ledgers need (tests/test_coords.py checks < 0.01 m).
"""
from __future__ import annotations

import numpy as np

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

CRS_NAMES = ("wgs84", "gcj02", "bd09")

_MAX_ITER = 30
_TOL_DEG = 1e-12  # ~0.1 micrometre: stop iterating once every point moved less than this


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype="float64")
    y = np.asarray(lat, dtype="float64")
    if x.shape != y.shape:
        raise ValueError(f"lon and lat shapes differ: {x.shape} vs {y.shape}")
    return x, y


def out_of_china(lon, lat) -> np.ndarray:
    """True where the point lies outside the rectangle in which GCJ-02 is applied (NaN counts as outside)."""
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        inside = (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)
    return ~inside


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 point (x, y); zero outside China."""
    dlat = _transform_lat(x - 105.0, y - 35.0)
    dlon = _transform_lon(x - 105.0, y - 35.0)
    radlat = y / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(x, y)
    dlon = np.where(outside, 0.0, dlon)
    dlat = np.where(outside, 0.0, dlat)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 -> GCJ-02 (exact: this is the definition of the offset)."""
    x, y = _as_arrays(lon, lat)
    with np.errstate(invalid="ignore"):
        dlon, dlat = _gcj_delta(x, y)
        gx, gy = x + dlon, y + dlat
    nan = np.isnan(x) | np.isnan(y)
    return np.where(nan, np.nan, gx), np.where(nan, np.nan, gy)


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> WGS-84 by fixed-point iteration w <- w - (gcj(w) - g).

    Converges in 3-5 steps inside China; residual below 1e-6 m (see module docstring). Points that are
    outside China as GCJ-02 input are returned unchanged.
    """
    gx, gy = _as_arrays(lon, lat)
    nan = np.isnan(gx) | np.isnan(gy)
    outside = out_of_china(gx, gy)
    with np.errstate(invalid="ignore"):
        dlon, dlat = _gcj_delta(gx, gy)
        wx, wy = gx - dlon, gy - dlat  # the classic one-step inverse (a few metres off)
        wx, wy = np.atleast_1d(wx).copy(), np.atleast_1d(wy).copy()
        tx, ty = np.atleast_1d(gx), np.atleast_1d(gy)
        # Each point stops once its own step is below the tolerance, so its result never depends on the
        # other points of the batch (shared boundary vertices convert identically in every file).
        active = ~np.atleast_1d(nan | outside)
        for _ in range(_MAX_ITER):
            if not active.any():
                break
            cx, cy = wgs84_to_gcj02(wx[active], wy[active])
            ex, ey = cx - tx[active], cy - ty[active]
            wx[active] -= ex
            wy[active] -= ey
            still = (np.abs(ex) >= _TOL_DEG) | (np.abs(ey) >= _TOL_DEG)
            active[np.flatnonzero(active)[~still]] = False
        wx, wy = wx.reshape(gx.shape), wy.reshape(gy.shape)
    wx = np.where(outside, gx, wx)
    wy = np.where(outside, gy, wy)
    return np.where(nan, np.nan, wx), np.where(nan, np.nan, wy)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09 (Baidu's published-by-reverse-engineering rotation and offset)."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_closed(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = x - 0.0065
    y = y - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 -> GCJ-02: the usual closed-form inverse (off by up to ~0.2 m), then refined by three
    fixed-point steps against gcj02_to_bd09 (residual below 1e-6 m)."""
    bx, by = _as_arrays(lon, lat)
    gx, gy = _bd09_to_gcj02_closed(bx, by)
    for _ in range(3):  # a fixed count keeps every point's result independent of the batch
        cx, cy = gcj02_to_bd09(gx, gy)
        gx, gy = gx - (cx - bx), gy - (cy - by)
    return gx, gy


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def normalize_crs(crs: str | None) -> str:
    """Map the spellings ledgers use (GCJ-02, 高德, 百度, BD09, WGS84, GPS...) to wgs84 / gcj02 / bd09."""
    if crs is None:
        raise ValueError("坐标系为空")
    key = str(crs).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {
        "wgs84": "wgs84", "wgs": "wgs84", "gps": "wgs84", "epsg4326": "wgs84", "cgcs2000": "wgs84",
        "天地图": "wgs84", "国际坐标": "wgs84",
        "gcj02": "gcj02", "gcj": "gcj02", "gcj2": "gcj02", "高德": "gcj02", "腾讯": "gcj02",
        "火星坐标": "gcj02", "火星坐标系": "gcj02", "amap": "gcj02", "gaode": "gcj02",
        "bd09": "bd09", "bd": "bd09", "bd09ll": "bd09", "百度": "bd09", "baidu": "bd09",
    }
    if key in aliases:
        return aliases[key]
    raise ValueError(f"不支持的坐标系：{crs}（可用：WGS-84、GCJ-02、BD-09）")


def to_wgs84(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert arrays in coordinate system `crs` ("wgs84" | "gcj02" | "bd09", or a common alias) to WGS-84."""
    name = normalize_crs(crs)
    if name == "wgs84":
        x, y = _as_arrays(lon, lat)
        nan = np.isnan(x) | np.isnan(y)
        return np.where(nan, np.nan, x), np.where(nan, np.nan, y)
    if name == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    return bd09_to_wgs84(lon, lat)


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (mean Earth radius 6,371,008.8 m)."""
    lon1, lat1 = _as_arrays(lon1, lat1)
    lon2, lat2 = _as_arrays(lon2, lat2)
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
