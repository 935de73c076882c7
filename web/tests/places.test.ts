import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countyList, normalizePlace, parseNear, suggestPlaces, type Gazetteer } from '../src/lib/places';

const places = JSON.parse(readFileSync(new URL('../../seed-data/nc-places.json', import.meta.url), 'utf8')) as Gazetteer;

describe('parseNear', () => {
  it('reads "lat, lon" in several spellings', () => {
    for (const text of ['35.7796, -78.6382', '35.7796,-78.6382', ' 35.7796 -78.6382 ', '35.7796; -78.6382']) {
      const r = parseNear(text, places);
      expect(r.ok && r.near).toMatchObject({ kind: 'point', lat: 35.7796, lon: -78.6382 });
    }
  });

  it('refuses coordinates out of range and says which comes first', () => {
    const r = parseNear('135, -78', places);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/Latitude comes first/);
  });

  it('finds a town whatever the case, with its county', () => {
    const r = parseNear('raleigh', places);
    expect(r.ok && r.near).toMatchObject({ kind: 'town', fips: '37183', label: 'Raleigh (Wake County)' });
    const withState = parseNear('Raleigh, NC', places);
    expect(withState.ok && withState.near.kind).toBe('town');
  });

  it('finds a county by name, with or without the word County, from its seat', () => {
    const r = parseNear('Wake County', places);
    expect(r.ok && r.near).toMatchObject({ kind: 'county', fips: '37183', seat: 'Raleigh', label: 'Wake County' });
    const bare = parseNear('wake', places);
    expect(bare.ok && bare.near.kind).toBe('county');
  });

  it('prefers the town when a town and a county share a name, unless "County" is typed', () => {
    const town = parseNear('Wilson', places);
    expect(town.ok && town.near.kind).toBe('town');
    const county = parseNear('Wilson County', places);
    expect(county.ok && county.near.kind).toBe('county');
  });

  it('takes the larger of two towns with one name', () => {
    const r = parseNear('Franklin', places);
    expect(r.ok && r.near.kind).toBe('town');
    const franklins = places.towns.filter((t) => t[0] === 'Franklin').sort((a, b) => b[4] - a[4]);
    expect(r.ok && r.near.kind !== 'point' && 'fips' in r.near && r.near.fips).toBe(franklins[0]![1]);
  });

  it('says what it does not know and suggests places', () => {
    const r = parseNear('Rale', places);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.suggestions).toContain('Raleigh');
    expect(parseNear('  ', places).ok).toBe(false);
  });

  it('asks to wait while the gazetteer loads, but reads coordinates at once', () => {
    expect(parseNear('Raleigh', null).ok).toBe(false);
    expect(parseNear('35.1, -79.2', null).ok).toBe(true);
  });
});

describe('place helpers', () => {
  it('normalizes names', () => {
    expect(normalizePlace('  Winston-Salem, North Carolina ')).toBe('winston salem');
    expect(normalizePlace('New Hanover County, NC')).toBe('new hanover');
  });
  it('suggests counties first', () => {
    expect(suggestPlaces('wa', places)[0]).toMatch(/County$/);
  });
  it('lists counties in plain English', () => {
    expect(countyList(['Wake'])).toBe('Wake County');
    expect(countyList(['Wake', 'Orange', 'Wake'])).toBe('Wake and Orange counties');
    expect(countyList(['Wake', 'Orange', 'Durham'])).toBe('Wake, Orange and Durham counties');
  });
  it('ships all 100 counties', () => {
    expect(places.counties).toHaveLength(100);
    expect(new Set(places.counties.map((c) => c.fips)).size).toBe(100);
  });
});
