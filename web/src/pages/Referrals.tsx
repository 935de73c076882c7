import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { loadNeeds } from '../api/reference';
import { CLIENT_ROLES } from '../api/session';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { Tabs } from '../components/Tabs';
import { graphql } from '../gql';
import type { ReferralListQuery, ReferralSide, ReferralStatus } from '../gql/graphql';
import { formatDateTime } from '../lib/followUps';
import { groupByPhase, type Need } from '../lib/needs';
import { STATUSES, STATUS_LABELS, urgencyLabel, waitingCounts, waitingSentence, type Count } from '../lib/referrals';

const ReferralList = graphql(`
  query ReferralList($filter: ReferralsFilter, $first: Int) {
    referrals(filter: $filter, first: $first) {
      id
      status
      urgency
      need { code label }
      needCode
      provider { id name }
      senderOrganization { id name }
      recipientOrganization { id name }
      sharedFields
      sentAt
      createdAt
    }
    referralCounts { side status count }
  }
`);

/** Most referrals listed at once (the API's page size allows 200). */
const PAGE = 100;

type Tab = 'received' | 'sent';
const SIDES: Record<Tab, ReferralSide> = { received: 'RECIPIENT', sent: 'SENDER' };

export function ReferralsPage() {
  return (
    <Gate title="Referrals" roles={CLIENT_ROLES} what="see referrals">
      {() => <ReferralLists />}
    </Gate>
  );
}

function ReferralLists() {
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'sent' ? 'sent' : 'received';
  const status = (STATUSES as string[]).includes(params.get('status') ?? '') ? (params.get('status') as ReferralStatus) : '';
  const need = params.get('need') ?? '';
  const [data, setData] = useState<ReferralListQuery | null>(null);
  const [error, setError] = useState('');
  const [needs, setNeeds] = useState<Need[]>([]);

  useEffect(() => {
    loadNeeds().then(setNeeds, () => undefined);
  }, []);
  useEffect(() => {
    setData(null);
    gql(ReferralList, { filter: { side: SIDES[tab], statuses: status ? [status] : null, needCode: need || null }, first: PAGE }).then(setData, (e) =>
      setError(errorSentence(e, 'see referrals')),
    );
  }, [tab, status, need]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const waiting = waitingCounts((data?.referralCounts ?? []) as Count[]);
  const list = data?.referrals ?? [];
  const statuses = STATUSES.filter((s) => tab === 'sent' || s !== 'DRAFT');

  return (
    <Page title="Referrals">
      <p>Referrals your organization received and sent. Open one to answer it, follow it, or see its timeline. Clients’ names show only on a referral’s own page.</p>
      <Tabs
        label="Referrals"
        selected={tab}
        onSelect={(t) => update({ tab: t === 'sent' ? 'sent' : '', status: '' })}
        tabs={[
          { key: 'received', label: 'Received', description: data ? waitingSentence(waiting.received) : undefined },
          { key: 'sent', label: 'Sent', description: data ? waitingSentence(waiting.sent) : undefined },
        ]}
      >
        <div className="filters-row">
          <div className="field">
            <label htmlFor="filter-status">Status</label>
            <select id="filter-status" value={status} onChange={(e) => update({ status: e.target.value })}>
              <option value="">Any status</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="filter-need">Need</label>
            <select id="filter-need" value={need} onChange={(e) => update({ need: e.target.value })}>
              <option value="">Any need</option>
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
        </div>
        {data && (
          <ul className="waiting" aria-label="Waiting on someone">
            {(tab === 'received' ? waiting.received : waiting.sent).map((w) => (
              <li key={w.status}>
                <button type="button" className="link-button" onClick={() => update({ status: w.status })}>
                  {w.count} {w.label}
                </button>
              </li>
            ))}
          </ul>
        )}
        <ErrorMessage>{error}</ErrorMessage>
        {!data && !error && <p role="status">Loading…</p>}
        {data && list.length === 0 && <p>No referrals {tab === 'received' ? 'received' : 'sent'}{status || need ? ' match these filters' : ' yet'}.</p>}
        {list.length > 0 && (
          <div className="table-scroll">
            <table className="referral-table">
              <caption className="visually-hidden">{tab === 'received' ? 'Referrals received' : 'Referrals sent'}</caption>
              <thead>
                <tr>
                  <th scope="col">Need</th>
                  <th scope="col">Status</th>
                  <th scope="col">Urgency</th>
                  <th scope="col">{tab === 'received' ? 'From' : 'To'}</th>
                  <th scope="col">Personal data</th>
                  <th scope="col">{tab === 'received' ? 'Received' : 'Sent'}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.id} data-status={r.status}>
                    <th scope="row">
                      <Link to={`/referrals/${r.id}`}>{r.need?.label ?? r.needCode}</Link>
                    </th>
                    <td>{STATUS_LABELS[r.status]}</td>
                    <td>{urgencyLabel(r.urgency)}</td>
                    <td>{tab === 'received' ? r.senderOrganization?.name ?? '—' : `${r.provider?.name ?? '—'}`}</td>
                    <td>{r.sharedFields.length ? 'Shared with consent' : 'None'}</td>
                    <td>{r.sentAt ? formatDateTime(r.sentAt) : `Draft, ${formatDateTime(r.createdAt)}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.length === PAGE && <p className="hint">The newest {PAGE} are shown; narrow them with the filters.</p>}
      </Tabs>
    </Page>
  );
}
