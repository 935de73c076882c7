import L from 'leaflet';
import { useEffect, useRef } from 'react';
import type { CountyFeatures } from '../api/reference';
import type { GapStatus } from '../gql/graphql';
import { statusInfo } from '../lib/gaps';
import { createMap, label } from './leaflet';

/** The choropleth: every county coloured by its gap status for one need. Each shape
 *  carries its name and status for assistive technology (`role="img"`, `aria-label`)
 *  and `data-fips`/`data-status`; a click opens the county's page. */
export function GapMap({ counties, status, needLabel, onOpen, onDrawn }: {
  counties: CountyFeatures;
  status: Map<string, GapStatus>;
  needLabel: string;
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
    const m = createMap(container.current, 'Counties by gap status');
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
  }, [counties]);

  useEffect(() => {
    const geo = layer.current;
    if (!geo) return;
    geo.eachLayer((l) => {
      const path = l as L.Path & { feature: { properties: { fips: string; name: string } } };
      const { fips, name } = path.feature.properties;
      const s = status.get(fips);
      const info = s ? statusInfo(s) : null;
      path.setStyle({ fillColor: info?.color ?? '#d0d4da' });
      label(path, {
        role: 'img',
        'aria-label': `${name} County: ${info ? info.label : 'no data'}`,
        'data-fips': fips,
        'data-status': s ?? '',
      });
    });
    onDrawn?.();
  }, [status, needLabel, onDrawn]);

  return <div ref={container} className="map gap-map" />;
}
