import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { gql } from '../api/client';
import { ApiError, errorSentence } from '../api/errors';
import { CLIENT_ROLES } from '../api/session';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { DeclineReason, ReferralPageQuery, ReferralStatus } from '../gql/graphql';
import { CLIENT_FIELDS, describeFieldValue, type ClientRecord } from '../lib/consent';
import { formatDateTime, outcomeSentence } from '../lib/followUps';
import { languageName } from '../lib/languages';
import { DECLINE_REASONS, STATUS_LABELS, declineReasonLabel, movesFor, sideOf, urgencyLabel, withheldSentence } from '../lib/referrals';
import { populationLabel } from './Provider';

const ReferralQuery = graphql(`
  query ReferralPage($id: ID!) {
    referral(id: $id) {
      id
      status
      urgency
      needCode
      need { code label phase position }
      provider { id name services { id name } }
      serviceId
      senderOrganizationId
      recipientOrganizationId
      senderOrganization { id name }
      recipientOrganization { id name }
      declineReason
      sharedFields
      client {
        id
        code
        name
        dateOfBirth
        phone
        email
        safeContact { channel voicemailOk mayNameAgency doNotContact }
        needs
        notes
        preferredLanguage
        withheld
      }
      countyFips
      language
      populations
      sentAt
      createdAt
      events { from to actorUserId actorOrganizationId at note }
      followUps { id dueAt overdue completedAt outcome { contactMade serviceStarted needStillOpen } }
    }
    counties { fips name }
    me { organization { id members { user { id displayName } } } }
  }
`);

const Transition = graphql(`
  mutation TransitionReferral($id: ID!, $to: ReferralStatus!, $reason: DeclineReason, $note: String) {
    transitionReferral(id: $id, to: $to, reason: $reason, note: $note) { id status }
  }
`);

type Data = ReferralPageQuery;
type ReferralData = NonNullable<Data['referral']>;

export function ReferralPage() {
  return (
    <Gate title="Referral" roles={CLIENT_ROLES} what="see referrals">
      {(me) => <ReferralView organizationId={me.organizationId} />}
    </Gate>
  );
}

function ReferralView({ organizationId }: { organizationId: string }) {
  const { id = '' } = useParams();
  const location = useLocation();
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<string>((location.state as { notice?: string } | null)?.notice ?? '');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState<DeclineReason | ''>('');
  const [actionError, setActionError] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      gql(ReferralQuery, { id }).then(
        (d) => {
          setData(d);
          return d;
        },
        (e) => {
          setError(errorSentence(e, 'see this referral'));
          return null;
        },
      ),
    [id],
  );
  useEffect(() => {
    void load();
  }, [load]);

  if (error) return <Page title="Referral"><ErrorMessage>{error}</ErrorMessage></Page>;
  if (!data) return <Page title="Referral"><p role="status">Loading…</p></Page>;
  const referral = data.referral;
  if (!referral) {
    return (
      <Page title="Referral">
        <p>There is no referral here that your organization can see. Only the organization that sent a referral and the one it was sent to see it (a draft, only its sender).</p>
        <p><Link to="/referrals">Your referrals</Link></p>
      </Page>
    );
  }
  const side = sideOf(referral, organizationId);
  const moves = side ? movesFor(referral.status, side) : [];
  const names = new Map((data.me.organization?.members ?? []).map((m) => [m.user.id, m.user.displayName]));
  const orgName = (orgId: string) =>
    orgId === referral.senderOrganizationId ? referral.senderOrganization?.name ?? 'the sender' : referral.recipientOrganization?.name ?? 'the recipient';
  const serviceName = referral.provider?.services.find((s) => s.id === referral.serviceId)?.name;
  const county = data.counties.find((c) => c.fips === referral.countyFips);

  const move = async (to: ReferralStatus) => {
    setActionError('');
    setNotice('');
    if (to === 'DECLINED' && !reason) {
      setActionError('Choose a reason for declining.');
      return;
    }
    setBusy(true);
    const before = referral.status;
    try {
      await gql(Transition, { id: referral.id, to, reason: to === 'DECLINED' ? (reason as DeclineReason) : null, note: note.trim() || null });
      setNote('');
      setReason('');
      await load();
      setNotice(`Done: the referral is now ${STATUS_LABELS[to].toLowerCase()}.`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'BAD_USER_INPUT' && e.field === 'to') {
        // Someone moved it first: show where it is now rather than the refusal.
        const fresh = await load();
        const now = fresh?.referral?.status ?? before;
        setActionError(`This referral moved on while you had it open: it is now ${STATUS_LABELS[now].toLowerCase()}. The timeline below shows who moved it.`);
      } else {
        setActionError(errorSentence(e, 'move this referral'));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Referral" heading={`Referral: ${referral.need?.label ?? referral.needCode}`}>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <p>
        <Link to={`/referrals?tab=${side === 'RECIPIENT' ? 'received' : 'sent'}`}>Back to referrals</Link>
      </p>
      <dl className="answers">
        <dt>Status</dt>
        <dd data-testid="referral-status">{STATUS_LABELS[referral.status]}</dd>
        {referral.declineReason && (
          <>
            <dt>Reason</dt>
            <dd>{declineReasonLabel(referral.declineReason)}</dd>
          </>
        )}
        <dt>Urgency</dt>
        <dd>{urgencyLabel(referral.urgency)}</dd>
        <dt>From</dt>
        <dd>{referral.senderOrganization?.name ?? 'An organization no longer in the network'}</dd>
        <dt>To</dt>
        <dd>
          {referral.provider ? <Link to={`/providers/${referral.provider.id}`}>{referral.provider.name}</Link> : 'A listing no longer in the directory'}
          {serviceName ? `, ${serviceName}` : ''} ({referral.recipientOrganization?.name ?? 'the recipient'})
        </dd>
        <dt>Sent</dt>
        <dd>{referral.sentAt ? formatDateTime(referral.sentAt) : 'Not yet: a draft only your organization sees'}</dd>
        {county && (
          <>
            <dt>County</dt>
            <dd>{county.name} County</dd>
          </>
        )}
        {referral.language && (
          <>
            <dt>Language</dt>
            <dd>{languageName(referral.language)}</dd>
          </>
        )}
        {referral.populations.length > 0 && (
          <>
            <dt>The client is</dt>
            <dd>{referral.populations.map(populationLabel).join(', ')}</dd>
          </>
        )}
      </dl>

      <ClientSection referral={referral} isSender={side === 'SENDER'} />

      {moves.length > 0 && (
        <section aria-labelledby="moves-heading" className="moves">
          <h2 id="moves-heading">What you can do</h2>
          <div className="field">
            <label htmlFor="move-note">Note (optional)</label>
            <textarea id="move-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} aria-describedby="move-note-hint" />
            <p className="hint" id="move-note-hint">
              {referral.sharedFields.length === 0
                ? 'This referral carries no personal data, so notes must hold none either: no names, phone numbers or e-mail addresses.'
                : 'The note goes with the client’s data: the other side reads it only while the consent lasts.'}
            </p>
          </div>
          {moves.some((m) => m.to === 'DECLINED') && (
            <div className="field">
              <label htmlFor="decline-reason">Reason for declining</label>
              <select id="decline-reason" value={reason} onChange={(e) => setReason(e.target.value as DeclineReason | '')}>
                <option value="">Choose…</option>
                {DECLINE_REASONS.map((r) => (
                  <option key={r.value} value={r.value}>
                    {r.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="buttons">
            {moves.map((m) => (
              <button key={m.to} type="button" className={m.to === 'CANCELLED' || m.to === 'DECLINED' ? 'secondary' : undefined} disabled={busy} onClick={() => void move(m.to)}>
                {m.label}
              </button>
            ))}
          </div>
          <ErrorMessage>{actionError}</ErrorMessage>
        </section>
      )}
      {moves.length === 0 && actionError && <ErrorMessage>{actionError}</ErrorMessage>}

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {referral.events.map((e, i) => (
            <li key={i}>
              <strong>{formatDateTime(e.at)}</strong>: {e.from ? `${STATUS_LABELS[e.from]} → ` : ''}
              {STATUS_LABELS[e.to]}, by {e.actorUserId && names.get(e.actorUserId) ? `${names.get(e.actorUserId)}, ` : ''}
              {orgName(e.actorOrganizationId)}
              {e.note && <p className="event-note">Note: {e.note}</p>}
            </li>
          ))}
        </ol>
      </section>

      {side === 'SENDER' && (
        <section aria-labelledby="follow-ups-heading">
          <h2 id="follow-ups-heading">Follow-ups</h2>
          {referral.followUps.length === 0 ? (
            <p>None yet: one is scheduled when the referral is sent.</p>
          ) : (
            <ul>
              {referral.followUps.map((f) => (
                <li key={f.id}>
                  {f.completedAt
                    ? `Done ${formatDateTime(f.completedAt)}${f.outcome ? `: ${outcomeSentence(f.outcome)}` : ''}`
                    : `${f.overdue ? 'Overdue since' : 'Due'} ${formatDateTime(f.dueAt)}`}
                </li>
              ))}
            </ul>
          )}
          <p><Link to="/follow-ups">All follow-ups</Link></p>
        </section>
      )}
    </Page>
  );
}

function ClientSection({ referral, isSender }: { referral: ReferralData; isSender: boolean }) {
  const shared = referral.sharedFields;
  const client = referral.client;
  if (shared.length === 0) {
    return (
      <section aria-labelledby="client-heading">
        <h2 id="client-heading">Client</h2>
        <p>Referred without personal data: only the need, county, language, populations and urgency travel with it.</p>
      </section>
    );
  }
  const withheld = withheldSentence(shared, client);
  const visible = CLIENT_FIELDS.filter((f) => shared.includes(f.field) && client && !client.withheld.includes(f.field));
  const record: ClientRecord = client ?? {};
  return (
    <section aria-labelledby="client-heading">
      <h2 id="client-heading">Client</h2>
      {isSender && client && (
        <p>
          Your client {client.code}. <Link to={`/clients/${client.id}`}>The client’s page</Link> (consent, and revoking it).
        </p>
      )}
      <p className="hint">
        {isSender ? 'Shared with the recipient while the consent lasts:' : 'Shared with your organization, with the client’s consent:'}{' '}
        {CLIENT_FIELDS.filter((f) => shared.includes(f.field)).map((f) => f.label.toLowerCase()).join(', ')}.
      </p>
      {visible.length > 0 && (
        <dl className="answers client-fields">
          {visible.map((f) => (
            <div key={f.field} className="pair">
              <dt>{f.label}</dt>
              <dd>{describeFieldValue(f.field, record, languageName)}</dd>
            </div>
          ))}
        </dl>
      )}
      {withheld && <p className="notice">{withheld}</p>}
    </section>
  );
}
