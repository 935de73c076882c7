"""Small geometry helpers over seed-data/nc-counties.geojson, shared by the seed-data scripts.

Pure Python (no GIS packages) so the scripts run anywhere python3 does.
"""
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COUNTIES_PATH = ROOT / "seed-data" / "nc-counties.geojson"


def _ring_contains(ring, lon, lat):
    """Even-odd ray casting for one linear ring of [lon, lat] pairs."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _multipolygon_contains(coords, lon, lat):
    for polygon in coords:
        outer, holes = polygon[0], polygon[1:]
        if _ring_contains(outer, lon, lat) and not any(_ring_contains(h, lon, lat) for h in holes):
            return True
    return False


class Counties:
    """North Carolina's counties with point-in-polygon lookup and rough centroids."""

    def __init__(self, path=COUNTIES_PATH):
        data = json.loads(Path(path).read_text())
        self.features = data["features"]
        self.names = {f["properties"]["fips"]: f["properties"]["name"] for f in self.features}
        self.centroids = {}
        for f in self.features:
            pts = [p for poly in f["geometry"]["coordinates"] for p in poly[0]]
            self.centroids[f["properties"]["fips"]] = (
                sum(p[1] for p in pts) / len(pts),
                sum(p[0] for p in pts) / len(pts),
            )

    def county_at(self, lat, lon):
        for f in self.features:
            if _multipolygon_contains(f["geometry"]["coordinates"], lon, lat):
                return f["properties"]["fips"]
        return None


def haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
