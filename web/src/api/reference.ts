// Reference data fetched once per page load: the need matrix (from the API), county
// boundaries and the place gazetteer (static files built from ../seed-data).
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import countiesUrl from '../../../seed-data/nc-counties.geojson?url';
import placesUrl from '../../../seed-data/nc-places.json?url';
import { graphql } from '../gql';
import type { Gazetteer } from '../lib/places';
import type { Need } from '../lib/needs';
import { gql } from './client';

const NeedsQuery = graphql(`
  query NeedCategories {
    needCategories { code label phase position }
  }
`);

export type CountyFeatures = FeatureCollection<Polygon | MultiPolygon, { fips: string; name: string }>;

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | null = null;
  return () => {
    promise ??= load().catch((e) => {
      promise = null;
      throw e;
    });
    return promise;
  };
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export const loadNeeds = once(async (): Promise<Need[]> => (await gql(NeedsQuery)).needCategories);
export const loadCounties = once(() => json<CountyFeatures>(countiesUrl));
export const loadPlaces = once(() => json<Gazetteer>(placesUrl));
