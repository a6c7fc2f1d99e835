"""Coordinates. Read as written (decimal, 度分秒, "lon,lat" in one cell) with each row's coordinate
system (header hint, 坐标系 column, option, settings), then swapped pairs, points outside the city or their
district named, and everything converted to WGS-84."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders import config, headers, values
from loaders.reader.model import Options


CRS_LABEL = {"wgs84": "WGS-84", "gcj02": "GCJ-02（高德/腾讯）", "bd09": "BD-09（百度）"}


def fmt_degrees(x: float) -> str:
    """A coordinate as the clerk can find it in the cell: six decimals (about 0.1 m), no trailing zeros."""
    return f"{x:.6f}".rstrip("0").rstrip(".") if np.isfinite(x) else ""


def coordinates_raw(t, opts: Options) -> None:
    """t.out lon / lat as written and _crs per row (t: loaders.reader.fields.Table)."""
    raw, out, n = t.raw, t.out, t.n
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if "lon" in raw and "lat" in raw:
        lon, _, bad1 = values.numbers(raw["lon"], codes=t.codes["lon"])
        lat, _, bad2 = values.numbers(raw["lat"], codes=t.codes["lat"])
        for v, bad, fld in ((lon, bad1, "lon"), (lat, bad2, "lat")):   # 120°22′30″, E120.38, 东经120.38
            if bad.any():
                idx = np.flatnonzero(bad)
                got = values.degrees(raw[fld][idx])
                ok = ~np.isnan(got)
                v[idx[ok]] = got[ok]
                bad[idx[ok]] = False
        t.issues("warning", "lon", bad1, "经度应为数字（如120.38），无法识别，已忽略该点。")
        t.issues("warning", "lat", bad2, "纬度应为数字（如36.07），无法识别，已忽略该点。")
    if "lonlat" in raw:
        txt = values.text(raw["lonlat"]).fillna("")
        parts = txt.str.normalize("NFKC").str.extract(
            r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,，;；\s/]\s*([+-]?\d+(?:\.\d+)?)\s*$")
        x = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64")
        y = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype="float64")
        use = t.present["lonlat"]
        lon = np.where(use, x, lon)
        lat = np.where(use, y, lat)
        bad = (txt != "").to_numpy() & np.isnan(x) & use
        t.issues("warning", "lonlat", bad, "经纬度应写成“经度,纬度”（如120.38,36.07），无法识别，已忽略该点。")
    out["lon"], out["lat"] = lon, lat
    # coordinate system per row: header hint, then 坐标系 column, then option, then settings default
    fallback = opts.crs or config.default_crs()

    def hint(p):
        for fld in ("lon", "lat", "lonlat"):
            if fld in p.cols and p.cols[fld][0].spec.crs:
                return p.cols[fld][0].spec.crs
        return None

    hints = t.per_part(hint)
    crs = np.where(pd.isna(hints), fallback, hints).astype(object)
    if "crs" in raw:
        txt = values.text(raw["crs"])
        uniq = {u: headers.crs_from_text(u) for u in pd.unique(txt.dropna())}
        mapped = txt.map(uniq).to_numpy(dtype=object)
        use = pd.isna(hints) & t.present["crs"]
        unknown = txt.notna().to_numpy() & pd.isna(mapped) & use
        t.issues("warning", "crs", unknown,
                 f"无法识别的坐标系（应为高德/GCJ-02、百度/BD-09或WGS-84），按{CRS_LABEL.get(fallback, fallback)}处理。")
        crs = np.where(use & ~pd.isna(mapped), mapped, crs)
    t.out["_crs"] = crs
    t.coord_header = np.where(t.present.get("lon", np.zeros(n, bool)), t.header.get("lon", np.full(n, None)),
                              t.header.get("lonlat", np.full(n, None))) if ("lon" in raw or "lonlat" in raw) else None


class _LazyPoints:
    """'lon, lat' as written, formatted only for the rows that get a message."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray) -> None:
        self.lon, self.lat = lon.copy(), lat.copy()

    def __getitem__(self, i) -> str:
        return f"{fmt_degrees(self.lon[i])}, {fmt_degrees(self.lat[i])}"


def coordinates_final(t) -> None:
    """Swapped pairs, points outside the city or district named; lon / lat converted to WGS-84."""
    out = t.out
    lon, lat = out.get("lon"), out.get("lat")
    if lon is None or "_crs" not in out:
        return
    has = ~np.isnan(lon) & ~np.isnan(lat)
    if not has.any():
        return
    try:
        from loaders import coords, geodata
    except ImportError as exc:
        # stored as written they would pass for WGS-84 (GCJ-02 points unconverted): the file is refused
        t.rep.error(t.parts[0].sheet, None, None, None,
                    f"坐标换算模块无法加载（{exc.name or exc}），无法把坐标换算为WGS-84并核对所属区市，本文件未读取。"
                    "请系统管理员检查安装（requirements.txt 中的 geopandas、shapely）。")
        return
    lon, lat = lon.copy(), lat.copy()
    hdr = t.coord_header
    shown = _LazyPoints(lon, lat)
    swapped = has & np.asarray(geodata.looks_swapped(lon, lat), dtype=bool)
    bb = config.city_bbox()
    t.issues("warning", "lon", swapped,
             f"经度和纬度似乎填反了（{config.area_name()}的经度约为{(bb['min_lon'] + bb['max_lon']) / 2:.0f}，"
             f"纬度约为{(bb['min_lat'] + bb['max_lat']) / 2:.0f}），已按互换后处理，请核对。", header=hdr, value=shown)
    lon[swapped], lat[swapped] = lat[swapped], lon[swapped]
    x = np.full(len(lon), np.nan)
    y = np.full(len(lon), np.nan)
    crs = out["_crs"]
    for c in pd.unique(crs):
        m = has & (crs == c)
        if m.any():
            x[m], y[m] = coords.to_wgs84(lon[m], lat[m], c)
    inside = np.asarray(geodata.inside_city_bbox(x, y), dtype=bool)
    t.issues("warning", "lon", has & ~inside, f"坐标不在{config.area_name()}范围内，请核对经纬度。", header=hdr, value=shown)
    try:
        outside = np.asarray(geodata.points_outside_district(x, y, out["district"]), dtype=bool) & has & inside
    except Exception as exc:  # noqa: BLE001 - a deployment's boundary file is broken: say so, keep the rest
        reason = str(exc) if re.search(r"[\u4e00-\u9fff]", str(exc)) else "行政区边界文件无法读取"
        t.rep.warn(t.parts[0].sheet, None, None, None,
                   f"未核对坐标是否在所属区市范围内：{reason}。请系统管理员检查配置 [geodata]（config/settings.toml）。")
        outside = np.zeros(len(x), dtype=bool)
    if outside.any():
        msg = np.full(t.n, None, dtype=object)
        msg[outside] = [f"坐标不在{d}范围内，请核对经纬度或所属区市。" for d in out["district"][outside]]
        t.issues("warning", "lon", outside, msg, header=hdr, value=shown)
    out["lon"], out["lat"] = x, y
