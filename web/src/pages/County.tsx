import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { useSession } from '../api/session';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { CountyDemandQuery, CountyProvidersQuery, CountyWorksheetQuery } from '../gql/graphql';
import { demandCount, ofTotal, statusInfo } from '../lib/gaps';
import { groupByPhase } from '../lib/needs';
import { describePeriod, periodKey, publishedPeriods } from '../lib/periods';
import { describeMonth, hoursText, monthsOf } from '../lib/roomNow';
import { searchToParams, EMPTY_SEARCH } from '../lib/searchState';

const Worksheet = graphql(`
  query CountyWorksheet($fips: String!) {
    county(fips: $fips) { fips name }
    countyWorksheet(fips: $fips) {
      communityNeeds
      capacities
      gaps
      howToFill
      version
      updatedAt
      team
      needs {
        need { code label phase position }
        providerCount
        withContact
        withActiveMou
        htTrained
        status
      }
      actionItems {
        id
        goal
        actionSteps
        organizationsEngaged { organization responsibilities }
        timeline
        nextSteps
        resourcesNeeded
      }
      history { actionItemId fields editedAt }
    }
  }
`);

const Demand = graphql(`
  query CountyDemand($period: ReportingPeriodInput!) {
    countyDemand(period: $period) { countyFips needCode sent declinedNoCapacity neverPlaced }
  }
`);

const CountyProviders = graphql(`
  query CountyProviders($fips: String!, $after: String) {
    searchProviders(filter: { county: $fips }, first: 100, after: $after) {
      nodes { provider { id name services { needs { code } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** Most providers listed by name in one cell; the rest are a link to the search. */
const NAMES_PER_NEED = 3;
/** Pages of 100 read for the names (a county with more lists the first ones). */
const PROVIDER_PAGES = 3;

/** Provider names per need code, from the providers located in or serving the county. */
export function namesByNeed(providers: { id: string; name: string; services: { needs: { code: string }[] }[] }[]): Map<string, { id: string; name: string }[]> {
  const byNeed = new Map<string, { id: string; name: string }[]>();
  for (const p of providers) {
    const codes = new Set(p.services.flatMap((s) => s.needs.map((n) => n.code)));
    for (const code of codes) byNeed.set(code, [...(byNeed.get(code) ?? []), { id: p.id, name: p.name }]);
  }
  return byNeed;
}

async function loadCountyProviders(fips: string) {
  const all: CountyProvidersQuery['searchProviders']['nodes'][number]['provider'][] = [];
  let after: string | null = null;
  for (let page = 0; page < PROVIDER_PAGES; page++) {
    const data: CountyProvidersQuery = await gql(CountyProviders, { fips, after });
    all.push(...data.searchProviders.nodes.map((n) => n.provider));
    if (!data.searchProviders.pageInfo.hasNextPage) break;
    after = data.searchProviders.pageInfo.endCursor ?? null;
  }
  return namesByNeed(all);
}

const SaveWorksheet = graphql(`
  mutation SaveCountyWorksheet($fips: String!, $version: Int!, $input: CountyWorksheetInput!) {
    updateCountyWorksheet(fips: $fips, version: $version, input: $input) {
      communityNeeds
      capacities
      gaps
      howToFill
      version
      updatedAt
    }
  }
`);

const AddActionItem = graphql(`
  mutation AddActionItem($fips: String!, $input: ActionItemInput!) {
    createActionItem(fips: $fips, input: $input) { id }
  }
`);

// The period's hours without available emergency housing, and a quarter's months (every
// county comes back; this page keeps its own).
const HousingGaps = graphql(`
  query CountyHousingGaps($period: ReportingPeriodInput!, $m1: ReportingPeriodInput!, $m2: ReportingPeriodInput!, $m3: ReportingPeriodInput!, $byMonth: Boolean!) {
    period: emergencyHousingGaps(period: $period) { countyFips hoursInPeriod hoursWithoutRoom }
    m1: emergencyHousingGaps(period: $m1) @include(if: $byMonth) { countyFips hoursInPeriod hoursWithoutRoom }
    m2: emergencyHousingGaps(period: $m2) @include(if: $byMonth) { countyFips hoursInPeriod hoursWithoutRoom }
    m3: emergencyHousingGaps(period: $m3) @include(if: $byMonth) { countyFips hoursInPeriod hoursWithoutRoom }
  }
`);

/** One line of the hours table: the period or one of its months. */
interface HoursRow {
  label: string;
  hoursInPeriod: number;
  hoursWithoutRoom: number | null | undefined;
}

type Sheet = CountyWorksheetQuery['countyWorksheet'];
type DemandCell = CountyDemandQuery['countyDemand'][number];

const NARRATIVE = [
  { key: 'communityNeeds', label: 'Community needs' },
  { key: 'capacities', label: 'Capacities and strengths' },
  { key: 'gaps', label: 'Gaps' },
  { key: 'howToFill', label: 'How to fill the gaps' },
] as const;
type NarrativeKey = (typeof NARRATIVE)[number]['key'];

export function CountyPage() {
  const { fips = '' } = useParams();
  const { me } = useSession();
  const [county, setCounty] = useState<{ fips: string; name: string } | null | undefined>(undefined);
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const [demand, setDemand] = useState<DemandCell[] | null>(null);
  const [error, setError] = useState('');
  const [demandError, setDemandError] = useState('');
  const [hours, setHours] = useState<HoursRow[] | null>(null);
  const [reload, setReload] = useState(0);
  const periods = useMemo(() => publishedPeriods(new Date()), []);
  const [periodChoice, setPeriodChoice] = useState(() => periodKey(periods[0]));
  const period = periods.find((p) => periodKey(p) === periodChoice) ?? periods[0];
  const [saved, setSaved] = useState(false);
  const [names, setNames] = useState<Map<string, { id: string; name: string }[]> | null>(null);

  useEffect(() => {
    if (!me) return;
    gql(Worksheet, { fips }).then(
      (d) => {
        setCounty(d.county ?? null);
        setSheet(d.countyWorksheet);
      },
      (e) => setError(errorSentence(e, 'see this county')),
    );
    loadCountyProviders(fips).then(setNames, () => setNames(null));
  }, [fips, me, reload]);

  useEffect(() => {
    if (!me) return;
    setDemand(null);
    setDemandError('');
    gql(Demand, { period }).then(
      (d) => setDemand(d.countyDemand.filter((c) => c.countyFips === fips)),
      (e) => setDemandError(errorSentence(e, 'see referral demand')),
    );
    setHours(null);
    const months = monthsOf(period);
    const month = (i: number) => months[i] ?? period;
    gql(HousingGaps, { period, m1: month(0), m2: month(1), m3: month(2), byMonth: months.length === 3 }).then(
      (d) => {
        const mine = (list: typeof d.period | null | undefined) => list?.find((c) => c.countyFips === fips);
        const rows: HoursRow[] = [];
        const whole = mine(d.period);
        if (whole) rows.push({ label: describePeriod(period), ...whole });
        [d.m1, d.m2, d.m3].forEach((list, i) => {
          const m = mine(list);
          if (m && months[i]) rows.push({ label: describeMonth(months[i]), ...m });
        });
        setHours(rows);
      },
      (e) => setDemandError(errorSentence(e, 'see hours without emergency housing')),
    );
  }, [fips, me, period, reload]);

  if (me === undefined) return <Page title="County"><p role="status">Loading…</p></Page>;
  if (me === null) {
    return (
      <Page title="County">
        <p>County worksheets are for network members. <Link to={`/login?next=${encodeURIComponent(`/gaps/${fips}`)}`}>Sign in</Link> to see them.</p>
      </Page>
    );
  }
  if (error) return <Page title="County"><ErrorMessage>{error}</ErrorMessage><p><Link to="/gaps">Back to the gap map</Link></p></Page>;
  if (county === null) return <Page title="County not found"><p>There is no North Carolina county with the code {fips}.</p><p><Link to="/gaps">Back to the gap map</Link></p></Page>;
  if (!county || !sheet) return <Page title="County"><p role="status">Loading…</p></Page>;

  const name = `${county.name} County`;
  const canEdit = me.role === 'NETWORK_ADMIN' || sheet.team.includes(me.organizationId);
  const groups = groupByPhase(sheet.needs.map((c) => ({ ...c, phase: c.need.phase, position: c.need.position })));
  const searchLink = (code: string) => `/?${searchToParams({ ...EMPTY_SEARCH, need: code, near: name }).toString()}`;

  return (
    <Page title={name} heading={`${name}: resource assessment`}>
      <p><Link to="/gaps">Back to the gap map</Link></p>
      <section aria-labelledby="assessment-heading">
        <h2 id="assessment-heading">Anti-human trafficking resources assessment</h2>
        <p className="hint">The FUTURES matrix for {name}, live from the network’s records.</p>
        <div className="table-scroll">
          <table className="assessment">
            <caption className="visually-hidden">Needs in {name}: who can meet them, contacts, partners, training and status</caption>
            <thead>
              <tr>
                <th scope="col">Need</th>
                <th scope="col">Who can meet it?</th>
                <th scope="col">Have a contact?</th>
                <th scope="col">Partner with them?</th>
                <th scope="col">Trained on HT?</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            {groups.map((g) => (
              <tbody key={g.phase}>
                <tr className="phase-row">
                  <th scope="colgroup" colSpan={6}>
                    {g.title}
                  </th>
                </tr>
                {g.items.map((c) => (
                  <tr key={c.need.code} data-need={c.need.code} data-status={c.status}>
                    <th scope="row">{c.need.label}</th>
                    <td>
                      {c.providerCount === 0 ? (
                        'No provider'
                      ) : (
                        <WhoCanMeetIt names={names?.get(c.need.code) ?? []} count={c.providerCount} href={searchLink(c.need.code)} />
                      )}
                    </td>
                    <td>{ofTotal(c.withContact, c.providerCount)}</td>
                    <td>{ofTotal(c.withActiveMou, c.providerCount)}</td>
                    <td>{ofTotal(c.htTrained, c.providerCount)}</td>
                    <td className={`status status-${c.status}`}>{statusInfo(c.status).label}</td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      </section>
      <WorksheetForm
        key={sheet.version}
        fips={fips}
        name={name}
        sheet={sheet}
        canEdit={canEdit}
        saved={saved}
        onSaved={() => {
          setSaved(true);
          setReload((r) => r + 1);
        }}
      />
      <ActionItems fips={fips} sheet={sheet} canEdit={canEdit} onAdded={() => setReload((r) => r + 1)} />
      <section aria-labelledby="demand-heading">
        <h2 id="demand-heading">Referral demand, {describePeriod(period)}</h2>
        <p>
          Figures are published for whole quarters and years, 30 days after the period ends, and never
          change afterwards. Counts from 1 to 4 — and figures that would reveal one — are withheld so no
          survivor can be singled out.
        </p>
        <label htmlFor="demand-period">Period</label>{' '}
        <select id="demand-period" value={periodChoice} onChange={(e) => setPeriodChoice(e.target.value)}>
          {periods.map((p) => (
            <option key={periodKey(p)} value={periodKey(p)}>
              {describePeriod(p)}
            </option>
          ))}
        </select>
        <ErrorMessage>{demandError}</ErrorMessage>
        {demand && <DemandTable cells={demand} sheet={sheet} />}
        <h3 id="housing-hours-heading">Hours without available emergency housing</h3>
        <p>
          Hours in which no emergency-housing provider located in or serving the county had a fresh figure with
          room — counted from the capacity history, published like referral demand, small counts withheld.
        </p>
        {hours && <HoursTable rows={hours} />}
      </section>
      {sheet.history.length > 0 && (
        <section aria-labelledby="history-heading">
          <h2 id="history-heading">Edit history</h2>
          <ul>
            {sheet.history.slice(0, 20).map((h, i) => (
              <li key={i}>
                {new Date(h.editedAt).toLocaleString()}: {h.actionItemId ? 'action item' : 'worksheet'} ({h.fields.join(', ')})
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

function WhoCanMeetIt({ names, count, href }: { names: { id: string; name: string }[]; count: number; href: string }) {
  const shown = names.slice(0, NAMES_PER_NEED);
  const rest = count - shown.length;
  return (
    <>
      {shown.map((p, i) => (
        <span key={p.id}>
          {i > 0 && '; '}
          <Link to={`/providers/${p.id}`}>{p.name}</Link>
        </span>
      ))}
      {rest > 0 && (
        <>
          {shown.length > 0 && '; '}
          <Link to={href}>{shown.length > 0 ? `${rest} more` : `${count} provider${count === 1 ? '' : 's'}`}</Link>
        </>
      )}
    </>
  );
}

function WorksheetForm({ fips, name, sheet, canEdit, saved, onSaved }: { fips: string; name: string; sheet: Sheet; canEdit: boolean; saved: boolean; onSaved: () => void }) {
  const [values, setValues] = useState<Record<NarrativeKey, string>>(() => ({
    communityNeeds: sheet.communityNeeds ?? '',
    capacities: sheet.capacities ?? '',
    gaps: sheet.gaps ?? '',
    howToFill: sheet.howToFill ?? '',
  }));
  // The form is drawn anew from each saved version, so "Saved." comes from the page.
  const [message, setMessage] = useState(saved ? 'Saved.' : '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    setMessage('');
    try {
      await gql(SaveWorksheet, { fips, version: sheet.version, input: values });
      setMessage('Saved.');
      onSaved();
    } catch (e) {
      setError(errorSentence(e, `edit ${name}'s worksheet`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="worksheet-heading">
      <h2 id="worksheet-heading">County worksheet</h2>
      {!canEdit && (
        <p className="notice">
          Only the organizations on {name}’s team can edit this worksheet. If yours should be on it, ask your network administrator.
        </p>
      )}
      <form onSubmit={save}>
        {NARRATIVE.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`ws-${f.key}`}>{f.label}</label>
            <textarea id={`ws-${f.key}`} rows={4} value={values[f.key]} readOnly={!canEdit} onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))} />
          </div>
        ))}
        <ErrorMessage>{error}</ErrorMessage>
        {message && <p role="status" className="success">{message}</p>}
        {canEdit && (
          <button type="submit" disabled={busy}>
            Save the worksheet
          </button>
        )}
      </form>
    </section>
  );
}

function ActionItems({ fips, sheet, canEdit, onAdded }: { fips: string; sheet: Sheet; canEdit: boolean; onAdded: () => void }) {
  const empty = { goal: '', actionSteps: '', organization: '', responsibilities: '', timeline: '', nextSteps: '', resourcesNeeded: '' };
  const [draft, setDraft] = useState(empty);
  const [error, setError] = useState('');
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    if (!draft.goal.trim()) {
      setError('Write the goal of the action item.');
      return;
    }
    const { organization, responsibilities, ...rest } = draft;
    try {
      await gql(AddActionItem, {
        fips,
        input: { ...rest, organizationsEngaged: organization.trim() ? [{ organization, responsibilities }] : [] },
      });
      setDraft(empty);
      onAdded();
    } catch (e) {
      setError(errorSentence(e, 'add an action item'));
    }
  };
  const field = (key: keyof typeof empty, text: string) => (
    <div className="field">
      <label htmlFor={`ai-${key}`}>{text}</label>
      <input id={`ai-${key}`} type="text" value={draft[key]} onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))} />
    </div>
  );
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Action items</h2>
      {sheet.actionItems.length === 0 ? (
        <p>No action items yet.</p>
      ) : (
        <ol>
          {sheet.actionItems.map((a) => (
            <li key={a.id}>
              <strong>{a.goal}</strong>
              {a.actionSteps && <p>Steps: {a.actionSteps}</p>}
              {a.organizationsEngaged.length > 0 && (
                <p>Engaged: {a.organizationsEngaged.map((o) => `${o.organization} (${o.responsibilities})`).join('; ')}</p>
              )}
              {a.timeline && <p>Timeline: {a.timeline}</p>}
              {a.nextSteps && <p>Next steps: {a.nextSteps}</p>}
              {a.resourcesNeeded && <p>Resources needed: {a.resourcesNeeded}</p>}
            </li>
          ))}
        </ol>
      )}
      {canEdit && (
        <form onSubmit={add} className="action-form">
          <h3>Add an action item</h3>
          {field('goal', 'Goal')}
          {field('actionSteps', 'Action steps')}
          {field('organization', 'Organization engaged')}
          {field('responsibilities', 'Its responsibilities')}
          {field('timeline', 'Timeline')}
          {field('nextSteps', 'Next steps')}
          {field('resourcesNeeded', 'Resources needed')}
          <ErrorMessage>{error}</ErrorMessage>
          <button type="submit">Add the action item</button>
        </form>
      )}
    </section>
  );
}

function HoursTable({ rows }: { rows: HoursRow[] }) {
  if (rows.length === 0) return <p>No hours are published for this county and period.</p>;
  return (
    <table aria-labelledby="housing-hours-heading">
      <thead>
        <tr>
          <th scope="col">Period</th>
          <th scope="col">Hours without room</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            <td>{hoursText(r.hoursWithoutRoom, r.hoursInPeriod)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DemandTable({ cells, sheet }: { cells: DemandCell[]; sheet: Sheet }) {
  const labels = new Map(sheet.needs.map((c) => [c.need.code, c.need.label]));
  const order = new Map(sheet.needs.map((c) => [c.need.code, c.need.position]));
  const rows = cells.filter((c) => c.sent !== 0).sort((a, b) => (order.get(a.needCode) ?? 0) - (order.get(b.needCode) ?? 0));
  if (rows.length === 0) return <p>No referral figures are published for this county and period.</p>;
  return (
    <table>
      <caption className="visually-hidden">Referrals by need</caption>
      <thead>
        <tr>
          <th scope="col">Need</th>
          <th scope="col">Referrals sent</th>
          <th scope="col">Declined: no capacity</th>
          <th scope="col">Never placed</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={c.needCode}>
            <th scope="row">{labels.get(c.needCode) ?? c.needCode}</th>
            <td>{demandCount(c.sent)}</td>
            <td>{demandCount(c.declinedNoCapacity)}</td>
            <td>{demandCount(c.neverPlaced)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
