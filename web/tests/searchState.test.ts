import { describe, expect, it } from 'vitest';
import { DEFAULT_WITHIN, EMPTY_SEARCH, formatMiles, hasSearch, searchFilter, searchFromParams, searchToParams, type SearchState } from '../src/lib/searchState';

describe('search state in the URL', () => {
  it('round-trips every field', () => {
    const state: SearchState = {
      need: 'acute.housing',
      near: 'Raleigh',
      within: 10,
      language: 'es',
      populations: ['MINORS', 'LGBTQ'],
      open24h: true,
      htTrained: true,
      hasActiveMou: true,
      vettedFor: ['HOTLINE', 'SHELTER_HOUSING'],
      hasRoom: true,
    };
    const params = searchToParams(state);
    expect(params.toString()).toBe('need=acute.housing&near=Raleigh&within=10&lang=es&pop=MINORS&pop=LGBTQ&open24h=1&ht=1&mou=1&vetted=HOTLINE&vetted=SHELTER_HOUSING&room=1');
    expect(searchFilter(state, null).hasCapacity).toBe(true);
    expect(searchFilter({ ...state, hasRoom: false }, null).hasCapacity).toBeUndefined();
    expect(searchFromParams(new URLSearchParams(params.toString()))).toEqual(state);
  });

  it('leaves defaults out of the URL', () => {
    expect(searchToParams(EMPTY_SEARCH).toString()).toBe('');
    expect(searchToParams({ ...EMPTY_SEARCH, within: null }).toString()).toBe('within=any');
    expect(searchFromParams(new URLSearchParams('')).within).toBe(DEFAULT_WITHIN);
  });

  it('drops what is malformed instead of sending it', () => {
    const s = searchFromParams(new URLSearchParams('need=DROP TABLE&within=7&lang=spanish&pop=ALIENS&pop=MINORS&pop=MINORS&open24h=yes&vetted=BEST&vetted=shelter'));
    expect(s).toEqual({ ...EMPTY_SEARCH, populations: ['MINORS'] });
  });

  it('knows when there is a search to run', () => {
    expect(hasSearch(EMPTY_SEARCH)).toBe(false);
    expect(hasSearch({ ...EMPTY_SEARCH, need: 'acute.housing' })).toBe(true);
    expect(hasSearch({ ...EMPTY_SEARCH, near: '  ' })).toBe(false);
  });
});

describe('the API filter', () => {
  const state = { ...EMPTY_SEARCH, need: 'acute.housing', within: 25, language: 'es', open24h: true };

  it('searches around a town within the distance, in kilometres', () => {
    const f = searchFilter(state, { kind: 'town', lat: 35.77, lon: -78.64, label: 'Raleigh', fips: '37183' });
    expect(f).toEqual({ needs: ['acute.housing'], languages: ['es'], open24h: true, near: { lat: 35.77, lon: -78.64 }, radiusKm: 40.234 });
  });

  it('searches a county (located in or serving it) from its seat, with no radius', () => {
    const f = searchFilter(state, { kind: 'county', lat: 35.77, lon: -78.64, label: 'Wake County', fips: '37183', seat: 'Raleigh' });
    expect(f.county).toBe('37183');
    expect(f.radiusKm).toBeUndefined();
    expect(f.near).toEqual({ lat: 35.77, lon: -78.64 });
  });

  it('sends no false flags and no radius without a place', () => {
    const f = searchFilter({ ...EMPTY_SEARCH, need: 'acute.housing' }, null);
    expect(f).toEqual({ needs: ['acute.housing'] });
  });
});

describe('distances', () => {
  it('reads in miles', () => {
    expect(formatMiles(1.609344)).toBe('1.0 mi');
    expect(formatMiles(40.2336)).toBe('25 mi');
    expect(formatMiles(19, true)).toBe('about 12 mi');
  });
});
