import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { loadCounties, loadNeeds, type CountyFeatures } from '../api/reference';
import { useSession } from '../api/session';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { GapMatrixQuery, GapStatus } from '../gql/graphql';
import { GAP_STATUSES, countByStatus, statusInfo } from '../lib/gaps';
import { groupByPhase, type Need } from '../lib/needs';
import { GapMap } from '../map/GapMap';

const GapMatrix = graphql(`
  query GapMatrix {
    gapMatrix {
      county { fips name }
      need { code }
      providerCount
      status
    }
  }
`);

type Cell = GapMatrixQuery['gapMatrix'][number];

const DEFAULT_NEED = 'acute.housing';
/** Performance measure for `scripts/bench-web.sh`: page opened → 100 counties drawn. */
export const GAP_MAP_MEASURE = 'lantern:gap-map';

let matrixCache: Promise<Cell[]> | null = null;

export function GapsPage() {
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const need = params.get('need') ?? DEFAULT_NEED;
  const [needs, setNeeds] = useState<Need[]>([]);
  const [cells, setCells] = useState<Cell[] | null>(null);
  const [counties, setCounties] = useState<CountyFeatures | null>(null);
  const [error, setError] = useState('');
  const measured = useRef(false);

  useEffect(() => {
    if (!me) return;
    loadNeeds().then(setNeeds, (e) => setError(errorSentence(e, 'load the needs')));
    loadCounties().then(setCounties, () => setError('The county map could not be loaded. Reload the page to try again.'));
    matrixCache ??= gql(GapMatrix).then((d) => d.gapMatrix);
    matrixCache.then(setCells, (e) => {
      matrixCache = null;
      setError(errorSentence(e, 'see county gaps'));
    });
  }, [me]);

  const rows = useMemo(() => (cells ?? []).filter((c) => c.need.code === need).sort((a, b) => a.county.name.localeCompare(b.county.name)), [cells, need]);
  const status = useMemo(() => new Map<string, GapStatus>(rows.map((c) => [c.county.fips, c.status])), [rows]);
  const counts = useMemo(() => countByStatus(rows.map((r) => r.status)), [rows]);
  const needLabel = needs.find((n) => n.code === need)?.label ?? need;
  const onDrawn = useCallback(() => {
    if (measured.current || status.size === 0) return;
    measured.current = true;
    requestAnimationFrame(() => performance.measure(GAP_MAP_MEASURE));
  }, [status]);

  if (me === undefined) return <Page title="County gaps"><p role="status">Loading…</p></Page>;
  if (me === null) {
    return (
      <Page title="County gaps">
        <p>County gaps are for network members. <Link to="/login?next=%2Fgaps">Sign in</Link> to see them.</p>
      </Page>
    );
  }

  return (
    <Page title="County gaps">
      <p>For one need at a time, each county’s standing across the network: is there a provider, a partner, a partner trained on human trafficking?</p>
      <div className="field">
        <label htmlFor="gap-need">Need</label>
        <select id="gap-need" value={need} onChange={(e) => setParams({ need: e.target.value })}>
          {groupByPhase(needs).map((g) => (
            <optgroup key={g.phase} label={g.title}>
              {g.items.map((n) => (
                <option key={n.code} value={n.code}>
                  {n.label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      <div className="gaps-layout">
        <section className="map-panel" aria-label="Map">
          {counties && cells ? (
            <GapMap counties={counties} status={status} needLabel={needLabel} onOpen={(fips) => navigate(`/gaps/${fips}`)} onDrawn={onDrawn} />
          ) : (
            <p role="status">Loading the counties…</p>
          )}
        </section>
        <section aria-labelledby="legend-heading" className="legend">
          <h2 id="legend-heading">Legend</h2>
          <ul>
            {GAP_STATUSES.map((s) => (
              <li key={s.status}>
                <span className={`swatch swatch-${s.status}`} aria-hidden="true" />
                <strong>{s.label}</strong> <code>{s.status}</code> — {counts[s.status]} count{counts[s.status] === 1 ? 'y' : 'ies'}
                <br />
                <span className="hint">{s.meaning}</span>
              </li>
            ))}
          </ul>
          <h2>Downloads</h2>
          <p>
            Every county and need: <a href="/exports/gap-matrix.csv" download>CSV (spreadsheet)</a> ·{' '}
            <a href="/exports/gap-matrix.geojson" download>GeoJSON (for mapping tools)</a>
          </p>
        </section>
      </div>
      <section aria-labelledby="table-heading">
        <h2 id="table-heading">Counties for “{needLabel}”</h2>
        <table className="county-table">
          <caption className="visually-hidden">Gap status of every county for {needLabel}</caption>
          <thead>
            <tr>
              <th scope="col">County</th>
              <th scope="col">Status</th>
              <th scope="col">Providers</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.county.fips} data-status={r.status}>
                <th scope="row">
                  <Link to={`/gaps/${r.county.fips}`}>{r.county.name} County</Link>
                </th>
                <td>{statusInfo(r.status).label}</td>
                <td>{r.providerCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
