import L from 'leaflet';
import { useEffect, useRef } from 'react';
import type { CountyFeatures } from '../api/reference';
import { createMap, label } from './leaflet';

/** How one county is drawn: its status code, the words for it and its fill colour. */
export interface Shade {
  status: string;
  label: string;
  color: string;
}

/** The choropleth: every county coloured by its status for one need (the gap status, or
 *  room now). Each shape carries its name and status for assistive technology
 *  (`role="img"`, `aria-label`) and `data-fips`/`data-status`; a click opens the county's
 *  page. */
export function GapMap({ counties, shades, title, onOpen, onDrawn }: {
  counties: CountyFeatures;
  shades: Map<string, Shade>;
  /** The map's accessible name, e.g. "Counties by gap status". */
  title: string;
  onOpen: (fips: string) => void;
  onDrawn?: () => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.GeoJSON | null>(null);
  const open = useRef(onOpen);
  open.current = onOpen;

  useEffect(() => {
    if (!container.current) return;
    const m = createMap(container.current, title);
    map.current = m;
    layer.current = L.geoJSON(counties, {
      style: { color: '#ffffff', weight: 0.8, fillOpacity: 1 },
      onEachFeature: (feature, l) => {
        l.on('click', () => open.current(feature.properties.fips));
        l.bindTooltip(`${feature.properties.name} County`, { sticky: true });
      },
    }).addTo(m);
    return () => {
      m.remove();
      map.current = null;
    };
  }, [counties, title]);

  useEffect(() => {
    const geo = layer.current;
    if (!geo) return;
    geo.eachLayer((l) => {
      const path = l as L.Path & { feature: { properties: { fips: string; name: string } } };
      const { fips, name } = path.feature.properties;
      const shade = shades.get(fips);
      path.setStyle({ fillColor: shade?.color ?? '#d0d4da' });
      label(path, {
        role: 'img',
        'aria-label': `${name} County: ${shade ? shade.label : 'no data'}`,
        'data-fips': fips,
        'data-status': shade?.status ?? '',
      });
    });
    onDrawn?.();
  }, [shades, title, onDrawn]);

  return <div ref={container} className="map gap-map" />;
}
