"""District boundaries and point-in-district checks (pure functions, no streamlit).

The boundary file is a GeoJSON named in config/settings.toml ([geodata] boundaries, name_field); by default
sample_data/geo/qingdao_districts.geojson (WGS-84, see docs/geodata.md). All coordinates here are WGS-84
(lon, lat); every function takes scalars, lists, numpy arrays or pandas Series and is vectorised.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders import config


@lru_cache(maxsize=8)
def _read_boundaries(path: str, name_field: str, mtime_ns: int) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    if name_field not in gdf.columns:
        fields = "、".join(str(c) for c in gdf.columns if c != "geometry")
        raise ValueError(f"边界文件 {path} 中没有名称字段“{name_field}”（现有字段：{fields}）")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    gdf["name"] = gdf[name_field].astype("string").str.strip()
    gdf = gdf[gdf["name"].notna() & (gdf["name"] != "")]
    keep = ["name"] + (["adcode"] if "adcode" in gdf.columns else [])
    if gdf["name"].duplicated().any():
        # Some files split one district into several features: one row per district.
        gdf = gdf[keep + ["geometry"]].dissolve(by="name", as_index=False, aggfunc="first", sort=False)
    out = gpd.GeoDataFrame(gdf[keep].reset_index(drop=True), geometry=gdf.geometry.values, crs=4326)
    out["name"] = out["name"].astype(str)
    if "adcode" in out.columns:
        out["adcode"] = out["adcode"].map(lambda v: None if pd.isna(v) else str(v).split(".")[0])
    geoms = out.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(geoms[invalid])
    return out


def load_boundaries(path: str | Path | None = None, name_field: str | None = None) -> gpd.GeoDataFrame:
    """District polygons as a GeoDataFrame in EPSG:4326 with columns name, adcode (when the file has it), geometry.

    Defaults come from settings ([geodata] boundaries, name_field); at province level the default is every
    city's boundary file together. The read is cached per path, name field and file modification time; the
    caller gets its own copy.
    """
    paths = [Path(path)] if path is not None else config.boundary_files()
    field = name_field or config.boundaries_name_field()
    frames = []
    for p in (p.resolve() for p in paths):
        if not p.exists():
            raise FileNotFoundError(f"找不到行政区边界文件：{p}")
        frames.append(_read_boundaries(str(p), field, p.stat().st_mtime_ns))
    if len(frames) == 1:
        return frames[0].copy()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)


def _coordinate_array(v) -> np.ndarray:
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return np.ravel(v).astype("float64", copy=False)      # the reader's arrays: no pandas round trip
    return np.asarray(pd.to_numeric(pd.Series(np.ravel(v)), errors="coerce"), dtype="float64")


def _xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _coordinate_array(lon), _coordinate_array(lat)
    if x.shape != y.shape:
        raise ValueError(f"lon and lat lengths differ: {x.shape} vs {y.shape}")
    return x, y


def _in_geometry(geom, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Vectorised point-in-polygon (boundary counts as inside); only points inside the bbox are tested."""
    hit = np.zeros(x.shape, dtype=bool)
    if geom is None or geom.is_empty or x.size == 0:
        return hit
    minx, miny, maxx, maxy = geom.bounds
    with np.errstate(invalid="ignore"):
        cand = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
    if cand.size:
        shapely.prepare(geom)
        hit[cand] = shapely.intersects_xy(geom, x[cand], y[cand])
    return hit


def district_of_points(lon, lat, boundaries: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """The district name for each point (object array), None where the point is in no district or invalid."""
    b = load_boundaries() if boundaries is None else boundaries
    x, y = _xy(lon, lat)
    result = np.full(x.shape, None, dtype=object)
    todo = np.isfinite(x) & np.isfinite(y)
    for name, geom in zip(b["name"], b.geometry):
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        hit = _in_geometry(geom, x[idx], y[idx])
        result[idx[hit]] = str(name)
        todo[idx[hit]] = False
    return result


def points_outside_district(lon, lat, districts, boundaries: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """True where a point with valid coordinates lies outside the polygon of its own stated district.

    Points without coordinates, and districts whose name is not in the boundary file, are never flagged.
    """
    b = load_boundaries() if boundaries is None else boundaries
    x, y = _xy(lon, lat)
    # a few districts over many rows: each distinct name trimmed once
    codes, written = pd.factorize(pd.Series(np.ravel(np.asarray(districts, dtype=object))).astype("string"))
    trimmed, stated = pd.factorize(pd.Series(written, dtype="string").str.strip())
    codes = np.where(codes >= 0, trimmed[np.maximum(codes, 0)] if len(trimmed) else -1, -1)
    if len(codes) != x.size:
        raise ValueError(f"districts has {len(codes)} values for {x.size} points")
    valid = np.isfinite(x) & np.isfinite(y)
    flagged = np.zeros(x.shape, dtype=bool)
    geoms = dict(zip(b["name"].astype(str), b.geometry))
    for code, name in enumerate(stated):
        geom = geoms.get(str(name))
        if geom is None:
            continue
        idx = np.flatnonzero(valid & (codes == code))
        if idx.size:
            flagged[idx] = ~_in_geometry(geom, x[idx], y[idx])
    return flagged


def inside_city_bbox(lon, lat) -> np.ndarray:
    """True where the point is inside the city's bounding box (config/districts.toml [bbox]); NaN -> False."""
    bb = config.city_bbox()
    x, y = _xy(lon, lat)
    with np.errstate(invalid="ignore"):
        return (x >= bb["min_lon"]) & (x <= bb["max_lon"]) & (y >= bb["min_lat"]) & (y <= bb["max_lat"])


def looks_swapped(lon, lat) -> np.ndarray:
    """True where (lon, lat) is outside the city box but the swapped pair (lat, lon) would be inside it."""
    return inside_city_bbox(lat, lon) & ~inside_city_bbox(lon, lat)


def city_boundaries(boundaries: gpd.GeoDataFrame, cities: dict[str, str]) -> gpd.GeoDataFrame:
    """A province's city outlines: the district polygons of each city (`cities`: district -> city, as
    config.district_cities) dissolved into one, columns name (the city) and geometry; districts no city holds
    are left out."""
    named = boundaries.assign(city=boundaries["name"].map(cities))
    named = named[named["city"].notna()]
    merged = named.dissolve(by="city", sort=False).reset_index()
    return gpd.GeoDataFrame({"name": merged["city"]}, geometry=merged.geometry.values, crs=boundaries.crs or 4326)


def boundaries_geojson(boundaries: gpd.GeoDataFrame | None = None) -> dict:
    """The boundaries as a plain GeoJSON FeatureCollection dict (properties name, adcode) for pydeck layers."""
    b = load_boundaries() if boundaries is None else boundaries
    cols = [c for c in ("name", "adcode") if c in b.columns]
    gdf = gpd.GeoDataFrame(b[cols].copy(), geometry=b.geometry.values, crs=b.crs or 4326)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return json.loads(gdf.to_json(drop_id=True))
