// Leaflet over North Carolina's county boundaries: SVG shapes, no background tiles, no
// images, nothing from another origin.
import L from 'leaflet';
import type { CountyFeatures } from '../api/reference';

export const NC_BOUNDS = L.latLngBounds([33.75, -84.4], [36.65, -75.4]);

/** A map in `container`, showing the whole state. */
export function createMap(container: HTMLElement, label: string): L.Map {
  const map = L.map(container, {
    attributionControl: false,
    zoomSnap: 0.25,
    minZoom: 5,
    maxZoom: 15,
    maxBounds: NC_BOUNDS.pad(0.5),
    renderer: L.svg({ padding: 0.2 }),
  });
  map.fitBounds(NC_BOUNDS);
  container.setAttribute('role', 'group');
  container.setAttribute('aria-label', `${label}. Arrow keys move the view; plus and minus zoom.`);
  return map;
}

/** Sets attributes on a layer's SVG element (exists once the layer is on a map). */
export function label(layer: L.Path, attributes: Record<string, string>): void {
  const element = layer.getElement();
  if (!element) return;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
}

/** County outlines as a quiet background layer. */
export function countyOutlines(counties: CountyFeatures): L.GeoJSON {
  return L.geoJSON(counties, {
    interactive: false,
    style: { color: '#8a94a6', weight: 0.8, fillColor: '#f4f5f7', fillOpacity: 1 },
  });
}
