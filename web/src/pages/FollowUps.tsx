import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { gql } from '../api/client';
import { ApiError, errorSentence } from '../api/errors';
import { CLIENT_ROLES, type Me } from '../api/session';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { FollowUpFieldsFragment, StaleReferralsQuery } from '../gql/graphql';
import { changesBetween, changesSentence } from '../lib/forms';
import { DUE_WITHIN_DAYS, dueHorizon, formatDateTime, splitDue, toLocalInput } from '../lib/followUps';
import { STATUS_LABELS } from '../lib/referrals';

graphql(`
  fragment FollowUpFields on FollowUp {
    id
    dueAt
    overdue
    assignedTo
    version
    referral {
      id
      status
      sentAt
      need { label }
      needCode
      provider { name }
    }
  }
`);

const OrganizationDue = graphql(`
  query OrganizationFollowUps($before: DateTime!) {
    dueFollowUps(dueBefore: $before) { ...FollowUpFields }
    me { organization { members { role user { id displayName active } } } }
  }
`);

const MyDue = graphql(`
  query MyFollowUpsPage($before: DateTime!) {
    myFollowUps(dueBefore: $before) { ...FollowUpFields }
    me { organization { members { role user { id displayName active } } } }
  }
`);

const Stale = graphql(`
  query StaleReferrals($days: Int!) {
    referrals(filter: { side: SENDER, noOutcomeAfterDays: $days }, first: 100) {
      id
      status
      sentAt
      need { label }
      needCode
      provider { name }
    }
  }
`);

const Assign = graphql(`
  mutation AssignFollowUp($id: ID!, $version: Int!, $userId: ID) {
    assignFollowUp(id: $id, version: $version, userId: $userId) { id }
  }
`);

const Complete = graphql(`
  mutation CompleteFollowUp($id: ID!, $version: Int!, $outcome: FollowUpOutcomeInput!) {
    completeFollowUp(id: $id, version: $version, outcome: $outcome) { id }
  }
`);

const Reschedule = graphql(`
  mutation RescheduleFollowUp($id: ID!, $version: Int!, $dueAt: DateTime!) {
    rescheduleFollowUp(id: $id, version: $version, dueAt: $dueAt) { id }
  }
`);

type FollowUp = FollowUpFieldsFragment;
type Person = { id: string; name: string };

export function FollowUpsPage() {
  return (
    <Gate title="Follow-ups" roles={CLIENT_ROLES} what="see follow-ups">
      {(me) => <FollowUpsView me={me} />}
    </Gate>
  );
}

function FollowUpsView({ me }: { me: Me }) {
  const coordinator = me.role === 'COORDINATOR';
  const [list, setList] = useState<FollowUp[] | null>(null);
  const [people, setPeople] = useState<Person[]>([]);
  const [error, setError] = useState('');
  const [notices, setNotices] = useState<Record<string, string>>({});
  const [days, setDays] = useState(7);
  const [stale, setStale] = useState<StaleReferralsQuery['referrals'] | null>(null);
  const now = useMemo(() => new Date(), [list]); // eslint-disable-line react-hooks/exhaustive-deps

  const load = useCallback(async () => {
    const before = dueHorizon(new Date()).toISOString();
    try {
      const d = coordinator ? await gql(OrganizationDue, { before }) : await gql(MyDue, { before });
      const items = 'dueFollowUps' in d ? d.dueFollowUps : d.myFollowUps;
      setList(items);
      setPeople(
        (d.me.organization?.members ?? [])
          .filter((m) => CLIENT_ROLES.includes(m.role) && m.user.active)
          .map((m) => ({ id: m.user.id, name: m.user.displayName })),
      );
      return items;
    } catch (e) {
      setError(errorSentence(e, 'see follow-ups'));
      return null;
    }
  }, [coordinator]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    gql(Stale, { days }).then(
      (d) => setStale(d.referrals),
      (e) => setError(errorSentence(e, 'see referrals without an outcome')),
    );
  }, [days, list]);

  /** Runs a change; on a version conflict shows what the other person changed. */
  const act = async (f: FollowUp, run: () => Promise<unknown>, done: string) => {
    setNotices((n) => ({ ...n, [f.id]: '' }));
    try {
      await run();
      const fresh = await load();
      if (fresh && !fresh.some((x) => x.id === f.id)) setNotices((n) => ({ ...n, '': done }));
      else setNotices((n) => ({ ...n, [f.id]: done }));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'CONFLICT') {
        const fresh = await load();
        const latest = fresh?.find((x) => x.id === f.id);
        const name = (id: string | null | undefined) => people.find((p) => p.id === id)?.name ?? (id ? 'someone' : 'nobody');
        const message = latest
          ? changesSentence(
              changesBetween(
                { due: formatDateTime(f.dueAt), assigned: name(f.assignedTo) },
                { due: formatDateTime(latest.dueAt), assigned: name(latest.assignedTo) },
                { due: 'the due date', assigned: 'who it is assigned to' },
              ),
            )
          : 'Someone else completed this follow-up while you had it open; it has left the list.';
        setNotices((n) => ({ ...n, [latest ? f.id : '']: message }));
      } else {
        setNotices((n) => ({ ...n, [f.id]: errorSentence(e, 'change this follow-up') }));
      }
    }
  };

  const { overdue, due } = splitDue(list ?? [], now);
  const section = (title: string, id: string, items: FollowUp[], empty: string) => (
    <section aria-labelledby={id} className="follow-up-section">
      <h2 id={id}>{title}</h2>
      {items.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <ul className="follow-ups">
          {items.map((f) => (
            <FollowUpItem key={`${f.id}:${f.version}`} followUp={f} people={people} notice={notices[f.id] ?? ''} act={act} />
          ))}
        </ul>
      )}
    </section>
  );

  return (
    <Page title="Follow-ups">
      <p>
        {coordinator ? 'Your organization’s open follow-ups, whoever holds them' : 'The open follow-ups assigned to you'}, due within {DUE_WITHIN_DAYS} days or already overdue: so no referral is dropped.
      </p>
      <ErrorMessage>{error}</ErrorMessage>
      {notices[''] && (
        <p className="success" role="status">
          {notices['']}
        </p>
      )}
      {!list && !error && <p role="status">Loading…</p>}
      {list && (
        <>
          {section('Overdue', 'overdue-heading', overdue, 'Nothing overdue.')}
          {section('Due', 'due-heading', due, `Nothing due in the next ${DUE_WITHIN_DAYS} days.`)}
        </>
      )}
      <section aria-labelledby="stale-heading">
        <h2 id="stale-heading">Sent with no outcome yet</h2>
        <div className="field">
          <label htmlFor="stale-days">Sent at least this many days ago</label>
          <input id="stale-days" type="number" min={0} max={3650} value={days} onChange={(e) => setDays(Math.max(0, Number(e.target.value) || 0))} />
        </div>
        {stale && stale.length === 0 && <p>None: every referral sent {days} or more days ago has an outcome or is closed.</p>}
        {stale && stale.length > 0 && (
          <ul>
            {stale.map((r) => (
              <li key={r.id}>
                <Link to={`/referrals/${r.id}`}>{r.need?.label ?? r.needCode}</Link> to {r.provider?.name ?? 'a provider'}, sent {r.sentAt ? formatDateTime(r.sentAt) : ''}: {STATUS_LABELS[r.status].toLowerCase()}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Page>
  );
}

function FollowUpItem({
  followUp: f,
  people,
  notice,
  act,
}: {
  followUp: FollowUp;
  people: Person[];
  notice: string;
  act: (f: FollowUp, run: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const [assignee, setAssignee] = useState(f.assignedTo ?? '');
  const [contactMade, setContactMade] = useState(false);
  const [serviceStarted, setServiceStarted] = useState(false);
  const [needStillOpen, setNeedStillOpen] = useState(false);
  const [dueAt, setDueAt] = useState(toLocalInput(new Date(Date.now() + 2 * 24 * 60 * 60 * 1000)));
  const r = f.referral;
  const holder = people.find((p) => p.id === f.assignedTo)?.name ?? (f.assignedTo ? 'someone no longer in your organization' : 'nobody');
  const label = `${r?.need?.label ?? r?.needCode ?? 'Referral'} to ${r?.provider?.name ?? 'a provider'}`;
  const key = f.id.slice(0, 8);
  return (
    <li className={f.overdue ? 'follow-up overdue' : 'follow-up'} aria-label={`Follow-up: ${label}`}>
      <h3>
        {r ? <Link to={`/referrals/${r.id}`}>{label}</Link> : label}
      </h3>
      <p>
        {f.overdue ? 'Overdue since' : 'Due'} {formatDateTime(f.dueAt)}. Assigned to {holder}.{r ? ` The referral: ${STATUS_LABELS[r.status].toLowerCase()}.` : ''}
      </p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <div className="follow-up-actions">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(f, () => gql(Assign, { id: f.id, version: f.version, userId: assignee || null }), 'Assigned.');
          }}
        >
          <label htmlFor={`assign-${key}`}>Assign to</label>
          <select id={`assign-${key}`} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">Nobody</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="submit" className="secondary">
            Assign
          </button>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(f, () => gql(Complete, { id: f.id, version: f.version, outcome: { contactMade, serviceStarted, needStillOpen } }), 'Follow-up completed.');
          }}
        >
          <fieldset>
            <legend>Outcome</legend>
            <div className="check">
              <input type="checkbox" id={`contact-${key}`} checked={contactMade} onChange={(e) => setContactMade(e.target.checked)} />
              <label htmlFor={`contact-${key}`}>Contact made</label>
            </div>
            <div className="check">
              <input type="checkbox" id={`started-${key}`} checked={serviceStarted} onChange={(e) => setServiceStarted(e.target.checked)} />
              <label htmlFor={`started-${key}`}>Service started</label>
            </div>
            <div className="check">
              <input type="checkbox" id={`open-${key}`} checked={needStillOpen} onChange={(e) => setNeedStillOpen(e.target.checked)} />
              <label htmlFor={`open-${key}`}>Need still open</label>
            </div>
          </fieldset>
          <button type="submit">Complete</button>
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const when = new Date(dueAt);
            if (Number.isNaN(when.getTime())) return;
            void act(f, () => gql(Reschedule, { id: f.id, version: f.version, dueAt: when.toISOString() }), `Rescheduled to ${formatDateTime(when.toISOString())}.`);
          }}
        >
          <label htmlFor={`due-${key}`}>New due date</label>
          <input id={`due-${key}`} type="datetime-local" value={dueAt} onChange={(e) => setDueAt(e.target.value)} />
          <button type="submit" className="secondary">
            Reschedule
          </button>
        </form>
      </div>
    </li>
  );
}
