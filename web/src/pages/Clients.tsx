import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { gql } from '../api/client';
import { errorSentence } from '../api/errors';
import { CLIENT_ROLES } from '../api/session';
import { Gate } from '../components/Gate';
import { ErrorMessage, Page } from '../components/Page';
import { graphql } from '../gql';
import type { ClientPageQuery, ClientsListQuery } from '../gql/graphql';
import { CLIENT_FIELDS, CONSENT_METHODS, CONTACT_MODES, describeFieldValue, fieldList, formatDate } from '../lib/consent';
import { languageName } from '../lib/languages';
import { EMPTY_CLIENT, NewClientFields, newClientInput } from './Refer';

const ClientsList = graphql(`
  query ClientsList {
    clients(first: 100) { id code minor }
  }
`);

const AddClient = graphql(`
  mutation AddClient($input: ClientCreate!) {
    createClient(input: $input) { id }
  }
`);

const ClientQuery = graphql(`
  query ClientPage($id: ID!) {
    client(id: $id) {
      id
      code
      name
      dateOfBirth
      minor
      phone
      email
      safeContact { channel voicemailOk mayNameAgency doNotContact }
      needs
      notes
      preferredLanguage
      withheld
    }
    consents(clientId: $id) {
      id
      recipientOrganizations { id name }
      fields
      purpose
      method
      contactMode
      obtainedAt
      expiresAt
      guardianRelationship
      revokedAt
      status
    }
  }
`);

const Revoke = graphql(`
  mutation RevokeConsent($id: ID!) {
    revokeConsent(id: $id) { id status revokedAt }
  }
`);

export function ClientsPage() {
  return (
    <Gate title="Clients" roles={CLIENT_ROLES} what="see clients">
      {() => <ClientsView />}
    </Gate>
  );
}

function ClientsView() {
  const navigate = useNavigate();
  const [list, setList] = useState<ClientsListQuery['clients'] | null>(null);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [fresh, setFresh] = useState(EMPTY_CLIENT);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    gql(ClientsList).then(
      (d) => setList(d.clients),
      (e) => setError(errorSentence(e, 'see clients')),
    );
  }, []);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const made = await gql(AddClient, { input: newClientInput(fresh) });
      navigate(`/clients/${made.createClient.id}`);
    } catch (e) {
      setError(errorSentence(e, 'add a client'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Clients">
      <p>Your organization’s clients, by their pseudonymous code (newest first). Names and other details show only on each client’s own page; every look is recorded.</p>
      <ErrorMessage>{error}</ErrorMessage>
      {!list && !error && <p role="status">Loading…</p>}
      {list && list.length === 0 && <p>No clients recorded yet.</p>}
      {list && list.length > 0 && (
        <ul className="client-list">
          {list.map((c) => (
            <li key={c.id}>
              <Link to={`/clients/${c.id}`}>{c.code}</Link>
              {c.minor ? ' (under 18)' : ''}
            </li>
          ))}
        </ul>
      )}
      {!adding ? (
        <button type="button" onClick={() => setAdding(true)}>
          Add a client
        </button>
      ) : (
        <form onSubmit={add} noValidate autoComplete="off" aria-labelledby="add-client-heading">
          <h2 id="add-client-heading">Add a client</h2>
          <p className="hint">Record only what you need. Personal fields are encrypted, and no one outside your organization sees them without the client’s consent.</p>
          <NewClientFields value={fresh} onChange={setFresh} />
          <button type="submit" disabled={busy}>
            Save the client
          </button>
        </form>
      )}
    </Page>
  );
}

export function ClientPage() {
  return (
    <Gate title="Client" roles={CLIENT_ROLES} what="see clients">
      {() => <ClientView />}
    </Gate>
  );
}

function ClientView() {
  const { id = '' } = useParams();
  const [data, setData] = useState<ClientPageQuery | null>(null);
  const [error, setError] = useState('');
  const [actionError, setActionError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      gql(ClientQuery, { id }).then(setData, (e) => {
        setError(errorSentence(e, 'see this client'));
      }),
    [id],
  );
  useEffect(() => {
    void load();
  }, [load]);

  if (error) return <Page title="Client"><ErrorMessage>{error}</ErrorMessage></Page>;
  if (!data) return <Page title="Client"><p role="status">Loading…</p></Page>;
  const client = data.client;
  if (!client) {
    return (
      <Page title="Client">
        <p>There is no client of your organization here.</p>
        <p><Link to="/clients">Your clients</Link></p>
      </Page>
    );
  }

  const revoke = async (consentId: string, to: string) => {
    setBusy(true);
    setActionError('');
    setNotice('');
    try {
      await gql(Revoke, { id: consentId });
      await load();
      setNotice(`Consent revoked. ${to} no longer sees any of it, from now on.`);
    } catch (e) {
      setActionError(errorSentence(e, 'revoke this consent'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Client" heading={`Client ${client.code}`}>
      <p><Link to="/clients">Your clients</Link></p>
      <dl className="answers client-fields">
        {CLIENT_FIELDS.map((f) => (
          <div key={f.field} className="pair">
            <dt>{f.label}</dt>
            <dd>{client.withheld.includes(f.field) ? 'Withheld' : describeFieldValue(f.field, client, languageName)}</dd>
          </div>
        ))}
        <div className="pair">
          <dt>Under 18</dt>
          <dd>{client.minor === null || client.minor === undefined ? 'Not known' : client.minor ? 'Yes' : 'No'}</dd>
        </div>
      </dl>

      <section aria-labelledby="consents-heading">
        <h2 id="consents-heading">Consents</h2>
        <p>Revoking a consent takes effect at once: the organizations it names stop seeing the client’s details, and the notes that go with them, on their next look.</p>
        {notice && (
          <p className="success" role="status">
            {notice}
          </p>
        )}
        <ErrorMessage>{actionError}</ErrorMessage>
        {data.consents.length === 0 && <p>No consent recorded. Referrals for this client can go without personal data.</p>}
        <ul className="consents">
          {data.consents.map((c) => {
            const to = c.recipientOrganizations.map((o) => o.name).join(', ') || 'the named organizations';
            return (
              <li key={c.id} className={`consent consent-${c.status}`}>
                <p>
                  <strong>{to}</strong> may see {fieldList(c.fields)} — for: {c.purpose}.
                </p>
                <p className="hint">
                  {CONSENT_METHODS.find((m) => m.method === c.method)?.label}, {CONTACT_MODES.find((m) => m.mode === c.contactMode)?.label.toLowerCase()}, on {formatDate(c.obtainedAt)}
                  {c.guardianRelationship ? `; with a parent’s or guardian’s consent (${c.guardianRelationship})` : ''}.
                </p>
                <p>
                  {c.status === 'ACTIVE' && `Active until ${formatDate(c.expiresAt)}.`}
                  {c.status === 'EXPIRED' && `Expired on ${formatDate(c.expiresAt)}.`}
                  {c.status === 'REVOKED' && `Revoked on ${formatDate(c.revokedAt ?? c.expiresAt)}.`}
                </p>
                {c.status === 'ACTIVE' && (
                  <button type="button" className="secondary" disabled={busy} onClick={() => void revoke(c.id, to)} aria-label={`Revoke consent for ${to}`}>
                    Revoke consent
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </Page>
  );
}
