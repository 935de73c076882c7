// Derives seed-data/nc-counties.geojson (North Carolina's 100 counties) from the
// Census cartographic-boundary TopoJSON shipped in the npm package us-atlas@3.
// Run: (cd scripts/seed-data && npm ci && node derive-counties.mjs)
// The unprojected counties-10m.json is used on purpose: the *-albers files are
// projected to screen pixels, not longitude/latitude.
import { readFileSync, writeFileSync } from "node:fs";
import { feature } from "topojson-client";

const NC_STATE_FIPS = "37";
const topology = JSON.parse(
  readFileSync(new URL("./node_modules/us-atlas/counties-10m.json", import.meta.url)),
);
const counties = feature(topology, topology.objects.counties).features
  .filter((f) => String(f.id).startsWith(NC_STATE_FIPS))
  .map((f) => ({
    type: "Feature",
    properties: { fips: String(f.id), name: f.properties.name },
    // Always a MultiPolygon so the database column has one geometry type.
    geometry: f.geometry.type === "MultiPolygon"
      ? f.geometry
      : { type: "MultiPolygon", coordinates: [f.geometry.coordinates] },
  }))
  .sort((a, b) => a.properties.fips.localeCompare(b.properties.fips));

if (counties.length !== 100) throw new Error(`expected 100 NC counties, got ${counties.length}`);
const out = {
  type: "FeatureCollection",
  source: "US Census Bureau cartographic boundaries via npm us-atlas@3.0.1 counties-10m.json",
  features: counties,
};
writeFileSync(new URL("../../seed-data/nc-counties.geojson", import.meta.url), JSON.stringify(out) + "\n");
console.log(`wrote ${counties.length} counties`);
