// The search lives in the URL (`/?need=acute.housing&near=Raleigh&within=25…`), so a
// search can be bookmarked, shared and reloaded. Defaults are left out of the URL.
import type { Population, ProviderFilter, StandardServiceArea } from '../gql/graphql';
import { AREAS } from './standards';
import type { Near } from './places';

export interface SearchState {
  /** Need-category code, or '' for any need. */
  need: string;
  /** What was typed in "Near". */
  near: string;
  /** Miles from a town or point; null for any distance. Ignored for a county. */
  within: number | null;
  /** ISO 639 code, or '' for any language. */
  language: string;
  populations: Population[];
  open24h: boolean;
  htTrained: boolean;
  hasActiveMou: boolean;
  /** Service areas of the Standards of Service the provider must be vetted for (all of them). */
  vettedFor: StandardServiceArea[];
  /** Only providers with room now (a fresh figure, a unit free and not held). */
  hasRoom: boolean;
}

export const DISTANCE_CHOICES = [5, 10, 25, 50, 100] as const;
export const DEFAULT_WITHIN = 25;
export const KM_PER_MILE = 1.609344;

export const POPULATIONS: { value: Population; label: string }[] = [
  { value: 'ADULTS', label: 'Adults' },
  { value: 'MINORS', label: 'Minors (under 18)' },
  { value: 'FOREIGN_BORN', label: 'Foreign-born people' },
  { value: 'MEN_AND_BOYS', label: 'Men and boys' },
  { value: 'LGBTQ', label: 'LGBTQ+ people' },
  { value: 'PEOPLE_WITH_DISABILITIES', label: 'People with disabilities' },
];

export const EMPTY_SEARCH: SearchState = {
  need: '',
  near: '',
  within: DEFAULT_WITHIN,
  language: '',
  populations: [],
  open24h: false,
  htTrained: false,
  hasActiveMou: false,
  vettedFor: [],
  hasRoom: false,
};

const NEED_CODE = /^[a-z_]+\.[a-z0-9_]+$/;
const LANGUAGE_CODE = /^[a-z]{2,3}$/;

function flag(params: URLSearchParams, name: string): boolean {
  return params.get(name) === '1';
}

/** The search a URL's query string describes; anything malformed is dropped. */
export function searchFromParams(params: URLSearchParams): SearchState {
  const need = params.get('need') ?? '';
  const language = params.get('lang') ?? '';
  const withinRaw = params.get('within');
  let within: number | null = DEFAULT_WITHIN;
  if (withinRaw === 'any') within = null;
  else if (withinRaw !== null && (DISTANCE_CHOICES as readonly number[]).includes(Number(withinRaw))) within = Number(withinRaw);
  const known = new Set(POPULATIONS.map((p) => p.value));
  const populations = params
    .getAll('pop')
    .filter((p): p is Population => known.has(p as Population))
    .filter((p, i, all) => all.indexOf(p) === i);
  return {
    need: NEED_CODE.test(need) ? need : '',
    near: (params.get('near') ?? '').slice(0, 200),
    within,
    language: LANGUAGE_CODE.test(language) ? language : '',
    populations,
    open24h: flag(params, 'open24h'),
    htTrained: flag(params, 'ht'),
    hasActiveMou: flag(params, 'mou'),
    vettedFor: AREAS.filter((a) => params.getAll('vetted').includes(a)),
    hasRoom: flag(params, 'room'),
  };
}

/** The query string for a search (defaults omitted, stable order). */
export function searchToParams(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.need) params.set('need', state.need);
  if (state.near.trim()) params.set('near', state.near.trim());
  if (state.within === null) params.set('within', 'any');
  else if (state.within !== DEFAULT_WITHIN) params.set('within', String(state.within));
  if (state.language) params.set('lang', state.language);
  for (const p of state.populations) params.append('pop', p);
  if (state.open24h) params.set('open24h', '1');
  if (state.htTrained) params.set('ht', '1');
  if (state.hasActiveMou) params.set('mou', '1');
  for (const a of state.vettedFor) params.append('vetted', a);
  if (state.hasRoom) params.set('room', '1');
  return params;
}

/** Whether the URL asks for a search at all (else the page shows the empty form). */
export function hasSearch(state: SearchState): boolean {
  return Boolean(state.need || state.near.trim());
}

/** The API filter for a search once "Near" is resolved. A county searches the county
 *  (providers located in or serving it) ranked from its seat; a town or a point
 *  searches around it within the chosen distance. */
export function searchFilter(state: SearchState, near: Near | null): ProviderFilter {
  const filter: ProviderFilter = {};
  if (state.need) filter.needs = [state.need];
  if (state.language) filter.languages = [state.language];
  if (state.populations.length) filter.populations = state.populations;
  if (state.open24h) filter.open24h = true;
  if (state.htTrained) filter.htTrained = true;
  if (state.hasActiveMou) filter.hasActiveMou = true;
  if (state.vettedFor.length) filter.vettedFor = state.vettedFor;
  if (state.hasRoom) filter.hasCapacity = true;
  if (near) {
    filter.near = { lat: near.lat, lon: near.lon };
    if (near.kind === 'county') filter.county = near.fips;
    else if (state.within !== null) filter.radiusKm = Math.round(state.within * KM_PER_MILE * 1000) / 1000;
  }
  return filter;
}

/** A distance in miles as people in North Carolina read it. */
export function formatMiles(km: number, approximate = false): string {
  const miles = km / KM_PER_MILE;
  const text = miles < 10 ? miles.toFixed(1) : String(Math.round(miles));
  return `${approximate ? 'about ' : ''}${text} mi`;
}
