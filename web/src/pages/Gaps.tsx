import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { loadCounties, loadNeeds, type CountyFeatures } from '../api/reference';
import { useSession } from '../api/session';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { GapMatrixQuery, RoomNowMapQuery } from '../gql/graphql';
import { GAP_STATUSES, countByStatus, statusInfo } from '../lib/gaps';
import { groupByPhase, type Need } from '../lib/needs';
import { ROOM_STATUSES, countByRoomStatus, freshnessSentence, roomStatusInfo } from '../lib/roomNow';
import { GapMap, type Shade } from '../map/GapMap';

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

const RoomNowMap = graphql(`
  query RoomNowMap($need: String!) {
    capacityRoomNow(need: $need) { countyFips countyName providerCount withRoomNow status }
    capacityUnitKinds { code name staleAfterMinutes }
  }
`);

type Cell = GapMatrixQuery['gapMatrix'][number];
type RoomNow = RoomNowMapQuery;
/** The map's two views: the FUTURES gap status, or who has room now. */
type View = 'status' | 'room';

const DEFAULT_NEED = 'acute.housing';
/** Performance measure for `scripts/bench-web.sh`: page opened → 100 counties drawn. */
export const GAP_MAP_MEASURE = 'lantern:gap-map';

let matrixCache: Promise<Cell[]> | null = null;

export function GapsPage() {
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const need = params.get('need') ?? DEFAULT_NEED;
  const view: View = params.get('view') === 'room' ? 'room' : 'status';
  const [room, setRoom] = useState<{ need: string; asOf: Date; data: RoomNow } | null>(null);
  const [roomReload, setRoomReload] = useState(0);
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

  // Room now is read fresh each time it is shown (figures age by the minute).
  useEffect(() => {
    if (!me || view !== 'room') return;
    let current = true;
    gql(RoomNowMap, { need }).then(
      (data) => current && setRoom({ need, asOf: new Date(), data }),
      (e) => current && setError(errorSentence(e, 'see who has room now')),
    );
    return () => {
      current = false;
    };
  }, [me, view, need, roomReload]);

  const rows = useMemo(() => (cells ?? []).filter((c) => c.need.code === need).sort((a, b) => a.county.name.localeCompare(b.county.name)), [cells, need]);
  const roomRows = useMemo(() => (room?.need === need ? room.data.capacityRoomNow : []), [room, need]);
  const shades = useMemo(() => {
    if (view === 'room') return new Map<string, Shade>(roomRows.map((r) => [r.countyFips, roomStatusInfo(r.status)]));
    return new Map<string, Shade>(rows.map((c) => [c.county.fips, statusInfo(c.status)]));
  }, [view, rows, roomRows]);
  const counts = useMemo(() => countByStatus(rows.map((r) => r.status)), [rows]);
  const roomCounts = useMemo(() => countByRoomStatus(roomRows.map((r) => r.status)), [roomRows]);
  const setView = (v: View) => setParams(v === 'room' ? { need, view: 'room' } : { need });
  const needLabel = needs.find((n) => n.code === need)?.label ?? need;
  const onDrawn = useCallback(() => {
    if (measured.current || shades.size === 0) return;
    measured.current = true;
    requestAnimationFrame(() => performance.measure(GAP_MAP_MEASURE));
  }, [shades]);

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
      <p>
        For one need at a time, each county’s standing across the network: is there a provider, a partner, a partner trained on human trafficking?
        Or, shown as room now: where no provider of the need has a fresh figure with room tonight.
      </p>
      <div className="field">
        <label htmlFor="gap-need">Need</label>
        <select id="gap-need" value={need} onChange={(e) => setParams(view === 'room' ? { need: e.target.value, view } : { need: e.target.value })}>
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
      <fieldset className="field view-choice">
        <legend>Show</legend>
        <label>
          <input type="radio" name="gap-view" value="status" checked={view === 'status'} onChange={() => setView('status')} /> Gap status
        </label>{' '}
        <label>
          <input type="radio" name="gap-view" value="room" checked={view === 'room'} onChange={() => setView('room')} /> Room now
        </label>
      </fieldset>
      <ErrorMessage>{error}</ErrorMessage>
      <div className="gaps-layout">
        <section className="map-panel" aria-label="Map">
          {counties && (view === 'room' ? roomRows.length > 0 : cells) ? (
            <GapMap
              counties={counties}
              shades={shades}
              title={view === 'room' ? `Counties by room now for ${needLabel}` : 'Counties by gap status'}
              onOpen={(fips) => navigate(`/gaps/${fips}`)}
              onDrawn={onDrawn}
            />
          ) : (
            <p role="status">Loading the counties…</p>
          )}
        </section>
        {view === 'room' ? (
          <section aria-labelledby="legend-heading" className="legend">
            <h2 id="legend-heading">Legend</h2>
            <p className="freshness" aria-live="polite">
              {room ? freshnessSentence(room.data.capacityUnitKinds, room.asOf) : 'Reading the figures…'}
            </p>
            <p>
              <button type="button" onClick={() => setRoomReload((r) => r + 1)}>Read the figures again</button>
            </p>
            <ul>
              {ROOM_STATUSES.map((s) => (
                <li key={s.status}>
                  <span className={`swatch swatch-room-${s.status}`} aria-hidden="true" />
                  <strong>{s.label}</strong> <code>{s.status}</code> — {roomCounts[s.status]} count{roomCounts[s.status] === 1 ? 'y' : 'ies'}
                  <br />
                  <span className="hint">{s.meaning}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : (
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
        )}
      </div>
      {view === 'room' ? (
        <section aria-labelledby="table-heading">
          <h2 id="table-heading">Room now for “{needLabel}”</h2>
          <table className="county-table">
            <caption className="visually-hidden">Providers with room now in every county for {needLabel}</caption>
            <thead>
              <tr>
                <th scope="col">County</th>
                <th scope="col">Room now</th>
                <th scope="col">Providers</th>
                <th scope="col">With room now</th>
              </tr>
            </thead>
            <tbody>
              {roomRows.map((r) => (
                <tr key={r.countyFips} data-status={r.status}>
                  <th scope="row">
                    <Link to={`/gaps/${r.countyFips}`}>{r.countyName} County</Link>
                  </th>
                  <td>{roomStatusInfo(r.status).label}</td>
                  <td>{r.providerCount}</td>
                  <td>{r.withRoomNow}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : (
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
      )}
    </Page>
  );
}
