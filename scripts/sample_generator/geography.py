"""Points inside the district polygons (a margin from the border), near each community's street."""
from __future__ import annotations

from sample_generator.story import GEOJSON


def load_inner_polygons(margin_m: float = 400.0) -> dict:
    import geopandas as gpd

    g = gpd.read_file(GEOJSON)
    metric = g.to_crs("EPSG:32651")
    inner = metric.buffer(-margin_m).to_crs("EPSG:4326")
    from shapely.prepared import prep

    return {name: (geom, prep(geom)) for name, geom in zip(g["name"], inner)}


def sample_point(rng, poly, street_centre, district_centre) -> tuple[float, float]:
    from shapely.geometry import Point

    geom, prepared = poly
    for centre, sx, sy, tries in ((street_centre, 0.007, 0.005, 200), (district_centre, 0.02, 0.015, 400)):
        for _ in range(tries):
            x = centre[0] + rng.normal(0, sx)
            y = centre[1] + rng.normal(0, sy)
            if prepared.contains(Point(x, y)):
                return round(x, 6), round(y, 6)
    minx, miny, maxx, maxy = geom.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prepared.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
