import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../api/client';
import { errorSentence } from '../../api/errors';
import { CheckList, TextField } from '../../components/Fields';
import { Gate } from '../../components/Gate';
import { ErrorMessage, Page } from '../../components/Page';
import { graphql } from '../../gql';
import type { WebhooksQuery } from '../../gql/graphql';
import { formatDateTime } from '../../lib/followUps';
import { NetworkNav } from './NetworkNav';

const WebhooksList = graphql(`
  query Webhooks($organizationId: ID, $status: String) {
    webhookSubscriptions(organizationId: $organizationId) { id organizationId url eventTypes }
    webhookDeliveries(status: $status, first: 100) { id eventId eventType subscriptionId status attempts nextAttemptAt lastError deliveredAt }
  }
`);
const Subscribe = graphql(`
  mutation Subscribe($input: WebhookSubscriptionInput!) {
    createWebhookSubscription(input: $input) { id secret }
  }
`);
const Unsubscribe = graphql(`
  mutation Unsubscribe($id: ID!) {
    deleteWebhookSubscription(id: $id)
  }
`);
const Redeliver = graphql(`
  mutation Redeliver($id: ID!) {
    redeliverWebhook(id: $id)
  }
`);

/** The event types an organization can subscribe to. */
export const EVENT_TYPES = [
  'referral.sent',
  'referral.accepted',
  'referral.declined',
  'referral.status_changed',
  'follow_up.due',
  'follow_up.overdue',
  'consent.revoked',
  'mou.expiring',
  'training.expiring',
  'access.granted',
];

/** Every organization's subscriptions and the dead letters (network admins). */
export function WebhooksPage() {
  return (
    <Gate title="Webhooks" roles={['NETWORK_ADMIN']} what="run the network">
      {() => (
        <Page title="Webhooks" heading="Webhooks and dead letters">
          <NetworkNav />
          <Webhooks organizationId={null} admin />
        </Page>
      )}
    </Gate>
  );
}

/** Subscriptions of one organization (or all, for an admin without one), with the secret
 *  shown once, deletion, and deliveries; admins redeliver dead letters. */
export function Webhooks({ organizationId, admin }: { organizationId: string | null; admin: boolean }) {
  const [data, setData] = useState<WebhooksQuery | null>(null);
  const [status, setStatus] = useState('DEAD');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [secret, setSecret] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['referral.sent']);

  const load = useCallback(
    () => gql(WebhooksList, { organizationId, status: status || null }).then(setData, (e) => setError(errorSentence(e, 'see webhooks'))),
    [organizationId, status],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (work: () => Promise<unknown>, done: string, doing: string) => {
    setError('');
    setNotice('');
    try {
      await work();
      setNotice(done);
      await load();
    } catch (e) {
      setError(errorSentence(e, doing));
    }
  };
  const subscribe = async (event: FormEvent) => {
    event.preventDefault();
    if (!organizationId) return;
    setError('');
    try {
      const made = await gql(Subscribe, { input: { organizationId, url: url.trim(), eventTypes: events } });
      setSecret(made.createWebhookSubscription.secret);
      setUrl('');
      await load();
    } catch (e) {
      setError(errorSentence(e, 'subscribe to events'));
    }
  };

  const subscriptions = data?.webhookSubscriptions ?? [];
  const mine = new Set(subscriptions.map((s) => s.id));
  const deliveries = (data?.webhookDeliveries ?? []).filter((d) => !organizationId || mine.has(d.subscriptionId));
  return (
    <section aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhook subscriptions</h2>
      <p className="hint">Lantern POSTs events (ids only, never personal data) to these https addresses, signed with the subscription’s secret.</p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      {secret && (
        <div className="shown-once">
          <label htmlFor="webhook-secret">Signing secret — shown once: copy it into the receiver now</label>
          <textarea id="webhook-secret" readOnly rows={2} value={secret} />
          <button type="button" className="secondary" onClick={() => setSecret('')}>
            I have copied it
          </button>
        </div>
      )}
      {subscriptions.length === 0 ? (
        <p>No live subscription.</p>
      ) : (
        <ul className="subscriptions">
          {subscriptions.map((s) => (
            <li key={s.id}>
              <code>{s.url}</code>: {s.eventTypes.join(', ')}{' '}
              <button type="button" className="link-button" onClick={() => void run(() => gql(Unsubscribe, { id: s.id }), 'Subscription deleted; its pending deliveries are cancelled.', 'delete subscriptions')}>
                Delete the subscription to {s.url}
              </button>
            </li>
          ))}
        </ul>
      )}
      {organizationId && (
        <form onSubmit={subscribe} noValidate aria-label="Subscribe to events">
          <TextField id="webhook-url" label="Receiving address (https)" type="url" value={url} onChange={setUrl} />
          <CheckList id="webhook-events" legend="Events" className="inline-checks" options={EVENT_TYPES.map((e) => ({ value: e, label: e }))} value={events} onChange={setEvents} />
          <button type="submit">Subscribe</button>
        </form>
      )}
      <h3 id="deliveries-heading">Deliveries</h3>
      <div className="field">
        <label htmlFor="delivery-status">Show</label>
        <select id="delivery-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="DEAD">Dead letters (gave up after 8 attempts)</option>
          <option value="PENDING">Pending</option>
          <option value="DELIVERED">Delivered</option>
          <option value="CANCELLED">Cancelled</option>
          <option value="">All</option>
        </select>
      </div>
      {deliveries.length === 0 ? (
        <p>None.</p>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="deliveries-heading">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                {admin && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <th scope="row">{d.eventType}</th>
                  <td>{d.status === 'DELIVERED' && d.deliveredAt ? `Delivered ${formatDateTime(d.deliveredAt)}` : d.status.toLowerCase()}</td>
                  <td>{d.attempts}</td>
                  <td>{d.lastError ?? '—'}</td>
                  {admin && (
                    <td>
                      <button type="button" className="secondary" onClick={() => void run(() => gql(Redeliver, { id: d.id }), 'Queued to be delivered again.', 'redeliver events')}>
                        Redeliver
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
