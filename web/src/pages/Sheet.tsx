import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { ErrorMessage, Page } from '../components/Page';
import { useSheet } from '../components/useSheet';
import { graphql } from '../gql';
import type { SheetProviderQuery } from '../gql/graphql';
import { groupByPhase } from '../lib/needs';
import { phonesInOrder, printableLocation } from '../lib/sheet';

const SheetProvider = graphql(`
  query SheetProvider($id: ID!) {
    provider(id: $id) {
      id
      name
      website
      phones { number label twentyFourHour }
      services { id name open24h needs { code label phase position } }
      locations { id confidential name address { street city state postalCode } county { fips name } }
    }
  }
`);

type SheetEntry = NonNullable<SheetProviderQuery['provider']>;

/** One printable page for a client: the providers the advocate ticked, with phones
 *  (24-hour lines first), what they help with and where, but never where a
 *  confidential location is. */
export function SheetPage() {
  const sheet = useSheet();
  const [entries, setEntries] = useState<SheetEntry[] | null>(null);
  const [error, setError] = useState('');
  const key = sheet.ids.join(',');

  useEffect(() => {
    const ids = key ? key.split(',') : [];
    Promise.all(ids.map((id) => gql(SheetProvider, { id }).then((d) => d.provider))).then(
      (list) => setEntries(list.filter((p): p is SheetEntry => Boolean(p))),
      (e) => setError(errorSentence(e, 'make the sheet')),
    );
  }, [key]);

  return (
    <Page title="Printable sheet" heading="Places that can help">
      <div className="no-print">
        <p>
          Ticked providers appear here on one page to print or save for a client. Confidential addresses are never printed.
        </p>
        <p>
          <button type="button" onClick={() => window.print()} disabled={!entries?.length}>
            Print this sheet
          </button>{' '}
          <button type="button" className="secondary" onClick={sheet.clear} disabled={!sheet.ids.length}>
            Clear the sheet
          </button>{' '}
          <Link to="/">Back to search</Link>
        </p>
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      {entries && entries.length === 0 && <p>No provider is ticked yet. Search, then tick “Add to printable sheet” on the ones to hand out.</p>}
      <ol className="sheet" aria-label="Providers on the sheet">
        {(entries ?? []).map((p) => (
          <li key={p.id} className="sheet-entry">
            <h2>{p.name}</h2>
            <ul className="phones">
              {phonesInOrder(p.phones).map((ph) => (
                <li key={ph.number}>
                  {ph.twentyFourHour ? '24-hour line' : ph.label || 'Phone'}: <strong>{ph.number}</strong>
                </li>
              ))}
            </ul>
            <p>
              Helps with:{' '}
              {groupByPhase([...new Map(p.services.flatMap((s) => s.needs).map((n) => [n.code, n])).values()])
                .flatMap((g) => g.items.map((n) => n.label))
                .join('; ')}
            </p>
            <ul className="places">
              {p.locations.map((l) => (
                <li key={l.id}>{printableLocation(l)}</li>
              ))}
            </ul>
            {p.website && <p>{p.website}</p>}
          </li>
        ))}
      </ol>
    </Page>
  );
}
