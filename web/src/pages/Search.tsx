import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { loadCounties, loadNeeds, loadPlaces, type CountyFeatures } from '../api/reference';
import { NeedPicker } from '../components/NeedPicker';
import { ErrorMessage, Page } from '../components/Page';
import { useSheet } from '../components/useSheet';
import { graphql } from '../gql';
import type { SearchQuery } from '../gql/graphql';
import { LANGUAGES } from '../lib/languages';
import type { Need } from '../lib/needs';
import { countyList, formatPosition, parseNear, type Gazetteer, type Near } from '../lib/places';
import { phonesInOrder } from '../lib/sheet';
import {
  DISTANCE_CHOICES,
  POPULATIONS,
  formatMiles,
  hasSearch,
  searchFilter,
  searchFromParams,
  searchToParams,
  type SearchState,
} from '../lib/searchState';
import { SearchMap, type MapLocation } from '../map/SearchMap';
import { AREAS, AREA_NAMES, areaList } from '../lib/standards';
import { figureLine } from '../lib/capacity';

const Search = graphql(`
  query Search($filter: ProviderFilter!, $first: Int!, $after: String) {
    searchProviders(filter: $filter, first: $first, after: $after) {
      nodes {
        distanceKm
        distanceApproximate
        serviceAreaMatch
        provider {
          id
          name
          htTrained
          hasActiveMou
          vettedServiceAreas { area }
          phones { number label twentyFourHour }
          services { id name open24h needs { code label } capacity { unitCode unitName state availableNow maximum ageSeconds exact } }
          locations { id confidential latitude longitude county { fips name } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

type Hit = SearchQuery['searchProviders']['nodes'][number];

const PAGE_SIZE = 20;
/** Performance marks for `scripts/bench-web.sh`: Search pressed → results drawn. */
const START_MARK = 'lantern:search-start';
export const SEARCH_MEASURE = 'lantern:search';

export function SearchPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const urlState = useMemo(() => searchFromParams(params), [params]);
  const [form, setForm] = useState<SearchState>(urlState);
  const [needs, setNeeds] = useState<Need[]>([]);
  const [places, setPlaces] = useState<Gazetteer | null>(null);
  const [counties, setCounties] = useState<CountyFeatures | null>(null);
  const [loadError, setLoadError] = useState('');
  const [nearError, setNearError] = useState<{ message: string; suggestions: string[] } | null>(null);
  const [near, setNear] = useState<Near | null>(null);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState('');
  const [geoMessage, setGeoMessage] = useState('');
  const [rerun, setRerun] = useState(0);
  const sheet = useSheet();
  const generation = useRef(0);
  const drawnGeneration = useRef(-1);

  useEffect(() => setForm(urlState), [urlState]);
  useEffect(() => {
    loadNeeds().then(setNeeds, (e) => setLoadError(errorSentence(e, 'load the list of needs')));
    loadPlaces().then(setPlaces, () => setLoadError('The list of places could not be loaded. Reload the page to try again.'));
    loadCounties().then(setCounties, () => setLoadError('The county map could not be loaded. Reload the page to try again.'));
  }, []);

  // Run the search the URL describes (after a Search, a shared link or a reload).
  useEffect(() => {
    if (!hasSearch(urlState)) {
      setHits(null);
      setNear(null);
      return;
    }
    let resolved: Near | null = null;
    if (urlState.near.trim()) {
      if (!places && !/\d/.test(urlState.near)) return; // wait for the gazetteer
      const result = parseNear(urlState.near, places);
      if (!result.ok) {
        setNearError({ message: result.message, suggestions: result.suggestions });
        setHits(null);
        return;
      }
      resolved = result.near;
    }
    setNearError(null);
    setNear(resolved);
    const mine = ++generation.current;
    setSearching(true);
    setSearchError('');
    gql(Search, { filter: searchFilter(urlState, resolved), first: PAGE_SIZE })
      .then((data) => {
        if (mine !== generation.current) return;
        setHits(data.searchProviders.nodes);
        setNext(data.searchProviders.pageInfo.hasNextPage ? data.searchProviders.pageInfo.endCursor ?? null : null);
      })
      .catch((e) => {
        if (mine !== generation.current) return;
        setHits(null);
        setSearchError(errorSentence(e, 'search'));
      })
      .finally(() => {
        if (mine === generation.current) setSearching(false);
      });
  }, [urlState, places, rerun]);

  const more = async () => {
    if (!next) return;
    const mine = generation.current;
    try {
      const data = await gql(Search, { filter: searchFilter(urlState, near), first: PAGE_SIZE, after: next });
      if (mine !== generation.current) return;
      setHits((old) => [...(old ?? []), ...data.searchProviders.nodes]);
      setNext(data.searchProviders.pageInfo.hasNextPage ? data.searchProviders.pageInfo.endCursor ?? null : null);
    } catch (e) {
      setSearchError(errorSentence(e, 'load more results'));
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    performance.clearMarks(START_MARK);
    performance.mark(START_MARK);
    const query = searchToParams(form).toString();
    if (query === window.location.search.replace(/^\?/, '')) setRerun((r) => r + 1);
    else navigate({ pathname: '/', search: query });
  };

  const useMyLocation = () => {
    setGeoMessage('Finding your location…');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setGeoMessage('');
        setForm((f) => ({ ...f, near: formatPosition(pos.coords.latitude, pos.coords.longitude) }));
      },
      () => setGeoMessage('Your browser did not share your location. Type a town or county instead.'),
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  };

  const mapLocations = useMemo<MapLocation[]>(
    () =>
      (hits ?? []).flatMap((h) =>
        h.provider.locations.map((l) => ({
          providerId: h.provider.id,
          providerName: h.provider.name,
          confidential: l.confidential,
          latitude: l.latitude,
          longitude: l.longitude,
          countyFips: l.county.fips,
          countyName: l.county.name,
        })),
      ),
    [hits],
  );

  // Search → results drawn: measured once the list and the map show this generation.
  const onDrawn = useCallback(() => {
    if (hits === null || drawnGeneration.current === generation.current) return;
    drawnGeneration.current = generation.current;
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(START_MARK).length) {
        performance.measure(SEARCH_MEASURE, START_MARK);
        performance.clearMarks(START_MARK);
      }
    });
  }, [hits]);

  const set = <K extends keyof SearchState>(key: K, value: SearchState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const nearIsCounty = near?.kind === 'county';
  const filtersActive = form.language || form.populations.length || form.open24h || form.htTrained || form.hasActiveMou || form.vettedFor.length || form.hasRoom;

  return (
    <Page title="Find help">
      <form className="search-form" onSubmit={submit} role="search" aria-label="Find help">
        <NeedPicker needs={needs} value={form.need} onChange={(code) => set('need', code)} />
        <div className="field">
          <label htmlFor="near">Near</label>
          <input
            id="near"
            type="text"
            autoComplete="off"
            placeholder="Town, county, or latitude, longitude"
            aria-describedby="near-hint"
            value={form.near}
            onChange={(e) => set('near', e.target.value)}
          />
          <p id="near-hint" className="hint">
            A North Carolina town or county (“Raleigh”, “Wake County”), or a position like 35.78, -78.64.
          </p>
          {'geolocation' in navigator && (
            <button type="button" className="secondary" onClick={useMyLocation}>
              Use my location
            </button>
          )}
          {geoMessage && <p className="hint" role="status">{geoMessage}</p>}
        </div>
        <div className="field">
          <label htmlFor="within">Distance</label>
          <select id="within" value={form.within ?? 'any'} onChange={(e) => set('within', e.target.value === 'any' ? null : Number(e.target.value))}>
            {DISTANCE_CHOICES.map((d) => (
              <option key={d} value={d}>
                Within {d} miles
              </option>
            ))}
            <option value="any">Any distance</option>
          </select>
        </div>
        <details className="filters" open={Boolean(filtersActive) || undefined}>
          <summary>More filters</summary>
          <div className="field">
            <label htmlFor="language">Language</label>
            <select id="language" value={form.language} onChange={(e) => set('language', e.target.value)}>
              <option value="">Any language</option>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <fieldset className="field">
            <legend>Serves</legend>
            {POPULATIONS.map((p) => (
              <div className="check" key={p.value}>
                <input
                  type="checkbox"
                  id={`pop-${p.value}`}
                  checked={form.populations.includes(p.value)}
                  onChange={(e) => set('populations', e.target.checked ? [...form.populations, p.value] : form.populations.filter((x) => x !== p.value))}
                />
                <label htmlFor={`pop-${p.value}`}>{p.label}</label>
              </div>
            ))}
          </fieldset>
          <fieldset className="field">
            <legend>Only providers that</legend>
            <div className="check">
              <input type="checkbox" id="open24h" checked={form.open24h} onChange={(e) => set('open24h', e.target.checked)} />
              <label htmlFor="open24h">Are open 24 hours</label>
            </div>
            <div className="check">
              <input type="checkbox" id="ht" checked={form.htTrained} onChange={(e) => set('htTrained', e.target.checked)} />
              <label htmlFor="ht">Are trained on human trafficking</label>
            </div>
            <div className="check">
              <input type="checkbox" id="mou" checked={form.hasActiveMou} onChange={(e) => set('hasActiveMou', e.target.checked)} />
              <label htmlFor="mou">Have an MOU with the network</label>
            </div>
            <div className="check">
              <input type="checkbox" id="room" checked={form.hasRoom} onChange={(e) => set('hasRoom', e.target.checked)} />
              <label htmlFor="room">Have room now</label>
            </div>
          </fieldset>
          <fieldset className="field">
            <legend>Vetted under the NC Standards of Service for</legend>
            {AREAS.map((a) => (
              <div className="check" key={a}>
                <input
                  type="checkbox"
                  id={`vetted-${a}`}
                  checked={form.vettedFor.includes(a)}
                  onChange={(e) => set('vettedFor', e.target.checked ? [...form.vettedFor, a] : form.vettedFor.filter((x) => x !== a))}
                />
                <label htmlFor={`vetted-${a}`}>{AREA_NAMES[a]}</label>
              </div>
            ))}
          </fieldset>
        </details>
        <button type="submit">Search</button>
      </form>
      <ErrorMessage>{loadError}</ErrorMessage>
      {nearError && (
        <div className="error" role="alert">
          <p>{nearError.message}</p>
          {nearError.suggestions.length > 0 && (
            <ul className="suggestions" aria-label="Places you may mean">
              {nearError.suggestions.map((s) => (
                <li key={s}>
                  <button type="button" className="link-button" onClick={() => navigate({ search: searchToParams({ ...urlState, near: s }).toString() })}>
                    {s}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ErrorMessage>{searchError}</ErrorMessage>
      <div className="results-layout">
        <section className="results" aria-labelledby="results-heading" aria-busy={searching}>
          <h2 id="results-heading">Results</h2>
          <p role="status" className="summary">
            {searching
              ? 'Searching…'
              : hits === null
                ? 'Choose a need, a place, or both, then press Search.'
                : summary(hits.length, Boolean(next), near, urlState.within)}
          </p>
          <ol aria-labelledby="results-heading" className="result-list">
            {(hits ?? []).map((hit) => (
              <ResultItem key={hit.provider.id} hit={hit} need={urlState.need} within={nearIsCounty ? null : urlState.within} near={near} onSheet={sheet.ids.includes(hit.provider.id)} setSheet={(on) => sheet.set(hit.provider.id, on)} />
            ))}
          </ol>
          {next && (
            <button type="button" className="secondary" onClick={more}>
              Show more results
            </button>
          )}
          {sheet.ids.length > 0 && (
            <p>
              <Link to="/sheet">Print a sheet of the {sheet.ids.length} provider{sheet.ids.length === 1 ? '' : 's'} you ticked</Link>
            </p>
          )}
        </section>
        <section className="map-panel" aria-label="Map">
          <SearchMap counties={counties} locations={mapLocations} near={near} label="Results by place" onDrawn={onDrawn} />
          <p className="hint">Dots are providers; a shaded county is a confidential location, shown only as its county.</p>
        </section>
      </div>
    </Page>
  );
}

function summary(count: number, more: boolean, near: Near | null, within: number | null): string {
  if (count === 0) return 'No provider matches this search. Try a longer distance, another need, or fewer filters.';
  const n = `${count}${more ? '+' : ''} provider${count === 1 && !more ? '' : 's'}`;
  if (!near) return `${n}, by name.`;
  if (near.kind === 'county') return `${n} located in or serving ${near.label}, nearest to ${near.seat} first.`;
  return `${n} ${within === null ? '' : `within ${within} miles `}of ${near.label}, nearest first.`;
}

function ResultItem({ hit, need, within, near, onSheet, setSheet }: { hit: Hit; need: string; within: number | null; near: Near | null; onSheet: boolean; setSheet: (on: boolean) => void }) {
  const p = hit.provider;
  const phones = phonesInOrder(p.phones);
  const matching = p.services.filter((s) => !need || s.needs.some((n) => n.code === need));
  const confidential = p.locations.filter((l) => l.confidential);
  const open = p.locations.filter((l) => !l.confidential);
  const checkbox = `sheet-${p.id}`;
  return (
    <li className="result">
      <h3>
        <Link to={`/providers/${p.id}`}>{p.name}</Link>
      </h3>
      <p className="distance">
        {hit.serviceAreaMatch ? (
          <span className="badge area">Serves {near?.kind === 'point' ? 'this county' : 'the area'}: no office {within === null ? 'nearby' : `within ${within} miles`}</span>
        ) : hit.distanceKm != null ? (
          hit.distanceApproximate ? (
            <span>{formatMiles(hit.distanceKm, true)}, to the county of a confidential location</span>
          ) : (
            <span>{formatMiles(hit.distanceKm)} away</span>
          )
        ) : null}
      </p>
      {phones[0] && (
        <p>
          {phones[0].twentyFourHour ? '24-hour line' : phones[0].label || 'Phone'}: <a href={`tel:${phones[0].number.replace(/[^\d+]/g, '')}`}>{phones[0].number}</a>
        </p>
      )}
      {matching.length > 0 && <p className="services">{matching.map((s) => s.name + (s.open24h ? ' (24 hours)' : '')).join(' · ')}</p>}
      {matching.some((s) => s.capacity.length > 0) && (
        <ul className="capacity" aria-label="Capacity">
          {matching.flatMap((s) => s.capacity.map((c) => <li key={`${s.id}-${c.unitCode}`}>{figureLine(c)}</li>))}
        </ul>
      )}
      <p className="where">
        {open.length > 0 && countyList(open.map((l) => l.county.name))}
        {open.length > 0 && confidential.length > 0 && '; '}
        {confidential.length > 0 && `Confidential location in ${countyList(confidential.map((l) => l.county.name))}`}
      </p>
      <p className="flags">
        {p.htTrained && <span className="badge">Trained on HT</span>}
        {p.hasActiveMou && <span className="badge">MOU in force</span>}
        {p.vettedServiceAreas.length > 0 && <span className="badge">Vetted: {areaList(p.vettedServiceAreas.map((v) => v.area))}</span>}
      </p>
      <div className="check">
        <input type="checkbox" id={checkbox} checked={onSheet} onChange={(e) => setSheet(e.target.checked)} />
        <label htmlFor={checkbox}>Add to printable sheet</label>
      </div>
    </li>
  );
}
