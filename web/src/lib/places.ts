// "Near": a town or county name, or "lat, lon". Resolved against a gazetteer shipped with
// the app (seed-data/nc-places.json), so no outside service learns what is searched.

export interface CountyPlace {
  fips: string;
  name: string;
  seat: string;
  lat: number;
  lon: number;
}

export interface Gazetteer {
  counties: CountyPlace[];
  /** [name, fips, lat, lon, population] */
  towns: [string, string, number, number, number][];
}

export type Near =
  | { kind: 'point'; lat: number; lon: number; label: string }
  | { kind: 'town'; lat: number; lon: number; label: string; fips: string }
  | { kind: 'county'; lat: number; lon: number; label: string; fips: string; seat: string };

export type NearResult = { ok: true; near: Near } | { ok: false; message: string; suggestions: string[] };

const COORDS = /^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$/;

/** Lower case, no punctuation, no "county", no state suffix. */
export function normalizePlace(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/\b(north carolina|nc)\s*$/, '')
    .replace(/\bcounty\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function countyLabel(name: string): string {
  return `${name} County`;
}

/** Reads what a person typed in "Near". */
export function parseNear(text: string, places: Gazetteer | null): NearResult {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, message: 'Type a town, a county, or a latitude and longitude.', suggestions: [] };
  const coords = COORDS.exec(trimmed);
  if (coords) {
    const lat = Number(coords[1]);
    const lon = Number(coords[2]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      return {
        ok: false,
        message: 'That latitude or longitude is out of range. Latitude comes first, for example 35.78, -78.64.',
        suggestions: [],
      };
    }
    return { ok: true, near: { kind: 'point', lat, lon, label: `${lat.toFixed(4)}, ${lon.toFixed(4)}` } };
  }
  if (!places) return { ok: false, message: 'The list of places is still loading. Try again in a moment.', suggestions: [] };
  const key = normalizePlace(trimmed);
  const saysCounty = /\bcounty\b/i.test(trimmed);
  const county = places.counties.find((c) => normalizePlace(c.name) === key);
  const towns = places.towns.filter((t) => normalizePlace(t[0]) === key).sort((a, b) => b[4] - a[4]);
  const town = towns[0];
  if (county && (saysCounty || !town)) {
    return {
      ok: true,
      near: { kind: 'county', lat: county.lat, lon: county.lon, label: countyLabel(county.name), fips: county.fips, seat: county.seat },
    };
  }
  if (town) {
    const countyName = places.counties.find((c) => c.fips === town[1])?.name;
    const label = countyName ? `${town[0]} (${countyLabel(countyName)})` : town[0];
    return { ok: true, near: { kind: 'town', lat: town[2], lon: town[3], label, fips: town[1] } };
  }
  return {
    ok: false,
    message: `We don't know a North Carolina town or county called "${trimmed}". Check the spelling, or pick one of the suggestions.`,
    suggestions: suggestPlaces(trimmed, places),
  };
}

/** Up to `limit` place names starting with what was typed (counties first, then the
 *  largest towns). */
export function suggestPlaces(text: string, places: Gazetteer, limit = 6): string[] {
  const key = normalizePlace(text);
  if (!key) return [];
  const counties = places.counties.filter((c) => normalizePlace(c.name).startsWith(key)).map((c) => countyLabel(c.name));
  const towns = places.towns
    .filter((t) => normalizePlace(t[0]).startsWith(key))
    .sort((a, b) => b[4] - a[4])
    .map((t) => t[0]);
  return [...new Set([...counties, ...towns])].slice(0, limit);
}

/** A position as the "Near" field shows it (about 100 m: enough to search, not to track). */
export function formatPosition(lat: number, lon: number): string {
  return `${lat.toFixed(3)}, ${lon.toFixed(3)}`;
}

/** "Wake County", "Wake and Orange counties", "Wake, Orange and Durham counties". */
export function countyList(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique.length ? `${unique[0]} County` : '';
  return `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]} counties`;
}
