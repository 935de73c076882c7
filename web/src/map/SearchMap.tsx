import L from 'leaflet';
import { useEffect, useRef } from 'react';
import type { CountyFeatures } from '../api/reference';
import type { Near } from '../lib/places';
import { countyOutlines, createMap, label } from './leaflet';

export interface MapLocation {
  providerId: string;
  providerName: string;
  confidential: boolean;
  latitude?: number | null;
  longitude?: number | null;
  countyFips: string;
  countyName: string;
}

/** Results on the map: a dot per location with coordinates; a confidential location
 *  only as its county, shaded. */
export function SearchMap({ counties, locations, near, label: mapLabel, onDrawn }: {
  counties: CountyFeatures | null;
  locations: MapLocation[];
  near: Near | null;
  label: string;
  onDrawn?: () => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const results = useRef<L.LayerGroup | null>(null);
  const areas = useRef<L.LayerGroup | null>(null);

  useEffect(() => {
    if (!container.current) return;
    map.current = createMap(container.current, mapLabel);
    // Confidential counties under the dots.
    areas.current = L.layerGroup().addTo(map.current);
    results.current = L.layerGroup().addTo(map.current);
    return () => {
      map.current?.remove();
      map.current = null;
    };
  }, [mapLabel]);

  useEffect(() => {
    if (!map.current || !counties) return;
    const outlines = countyOutlines(counties).addTo(map.current);
    outlines.bringToBack();
    return () => {
      outlines.remove();
    };
  }, [counties]);

  useEffect(() => {
    const m = map.current;
    const group = results.current;
    const shades = areas.current;
    if (!m || !group || !shades) return;
    group.clearLayers();
    shades.clearLayers();
    const points: L.LatLng[] = [];
    const shaded = new Map<string, string[]>();
    for (const loc of locations) {
      if (loc.latitude != null && loc.longitude != null) {
        const at = L.latLng(loc.latitude, loc.longitude);
        points.push(at);
        const dot = L.circleMarker(at, { radius: 7, color: '#ffffff', weight: 2, fillColor: '#1d3557', fillOpacity: 1 })
          .bindTooltip(loc.providerName)
          .addTo(group);
        label(dot, { role: 'img', 'aria-label': loc.providerName });
      } else if (loc.confidential) {
        shaded.set(loc.countyFips, [...(shaded.get(loc.countyFips) ?? []), loc.providerName]);
      }
    }
    if (counties) {
      for (const [fips, names] of shaded) {
        const feature = counties.features.find((f) => f.properties.fips === fips);
        if (!feature) continue;
        const county = feature.properties.name;
        const shape = L.geoJSON(feature, {
          style: { color: '#6a3d9a', weight: 2, dashArray: '4 3', fillColor: '#cab2d6', fillOpacity: 0.5 },
        })
          .bindTooltip(`Confidential location in ${county} County: ${names.join(', ')}`)
          .addTo(shades);
        shape.eachLayer((layer) => {
          label(layer as L.Path, { role: 'img', 'aria-label': `Confidential location in ${county} County: ${names.join(', ')}` });
        });
        const bounds = shape.getBounds();
        points.push(bounds.getNorthEast(), bounds.getSouthWest());
      }
    }
    if (near) {
      const here = L.circleMarker([near.lat, near.lon], { radius: 9, color: '#e63946', weight: 3, fill: false, interactive: false }).addTo(group);
      label(here, { role: 'img', 'aria-label': `Searched from ${near.label}` });
      points.push(L.latLng(near.lat, near.lon));
    }
    // Dots above the shaded counties (SVG draws in the order shapes were added).
    group.eachLayer((l) => (l as L.Path).bringToFront());
    if (points.length > 1) m.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 12, animate: false });
    else if (points.length === 1) m.setView(points[0]!, 11, { animate: false });
    onDrawn?.();
  }, [locations, near, counties, onDrawn]);

  return <div ref={container} className="map" />;
}
