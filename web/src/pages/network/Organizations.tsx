import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { gql } from '../../api/client';
import { errorSentence } from '../../api/errors';
import { ROLE_NAMES, type Me } from '../../api/session';
import { TextField } from '../../components/Fields';
import { Gate } from '../../components/Gate';
import { ErrorMessage, Page } from '../../components/Page';
import { graphql } from '../../gql';
import type { OrganizationPageQuery, OrganizationsPageQuery, Role } from '../../gql/graphql';
import { formatDateTime } from '../../lib/followUps';
import { NetworkNav } from './NetworkNav';
import { Webhooks } from './Webhooks';

const OrganizationsQuery = graphql(`
  query OrganizationsPage {
    organizations { id name }
  }
`);

const CreateOrganization = graphql(`
  mutation CreateOrganization($name: String!) {
    createOrganization(input: { name: $name }) { id }
  }
`);

const OrganizationQuery = graphql(`
  query OrganizationPage($id: ID!, $grants: Boolean!) {
    organization(id: $id) {
      id
      name
      members { role user { id email displayName active } }
      providers { id name }
      accessGrants(first: 50) @include(if: $grants) {
        id
        role
        grantedAt
        user { id displayName }
        apiKey { id label }
        grantedBy { id displayName }
        grantedByOrganizationId
      }
    }
  }
`);

const Invite = graphql(`
  mutation InviteUser($input: InviteUserInput!) {
    inviteUser(input: $input) { userId invitationToken }
  }
`);
const SetMembership = graphql(`
  mutation SetMembership($userId: ID!, $organizationId: ID!, $role: Role!) {
    setMembership(userId: $userId, organizationId: $organizationId, role: $role)
  }
`);
const RemoveMembership = graphql(`
  mutation RemoveMembership($userId: ID!, $organizationId: ID!) {
    removeMembership(userId: $userId, organizationId: $organizationId)
  }
`);
const RevokeSessions = graphql(`
  mutation RevokeUserTokens($userId: ID!) {
    revokeUserTokens(userId: $userId)
  }
`);
const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { id key }
  }
`);
const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id)
  }
`);

export const ROLES = Object.keys(ROLE_NAMES) as Role[];

/** The network's organizations (network admins). */
export function OrganizationsPage() {
  return (
    <Gate title="Network" roles={['NETWORK_ADMIN']} what="run the network">
      {() => <Organizations />}
    </Gate>
  );
}

function Organizations() {
  const [list, setList] = useState<OrganizationsPageQuery['organizations'] | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const load = useCallback(() => gql(OrganizationsQuery).then((d) => setList(d.organizations), (e) => setError(errorSentence(e, 'see organizations'))), []);
  useEffect(() => {
    void load();
  }, [load]);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    try {
      await gql(CreateOrganization, { name: name.trim() });
      setName('');
      await load();
    } catch (e) {
      setError(errorSentence(e, 'add an organization'));
    }
  };
  return (
    <Page title="Network" heading="Running the network">
      <NetworkNav />
      <h2>Organizations</h2>
      {!list && !error && <p role="status">Loading…</p>}
      {list && (
        <ul className="org-list">
          {list.map((o) => (
            <li key={o.id}>
              <Link to={`/network/organizations/${o.id}`}>{o.name}</Link>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} noValidate aria-labelledby="new-org-heading">
        <h3 id="new-org-heading">Add a member organization</h3>
        <TextField id="org-name" label="Organization name" value={name} onChange={setName} />
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit">Add the organization</button>
      </form>
    </Page>
  );
}

/** One organization: network admins manage it; its own members (`/organization`) see it,
 *  and its coordinators see its access grants and webhooks. */
export function OwnOrganizationPage() {
  return <OrganizationPage own />;
}

export function OrganizationPage({ own }: { own?: boolean }) {
  return (
    <Gate title="Organization" what="see this organization">
      {(me) => <OrganizationView me={me} own={!!own} />}
    </Gate>
  );
}

function OrganizationView({ me, own }: { me: Me; own: boolean }) {
  const params = useParams();
  const id = own ? me.organizationId : params.id ?? '';
  const admin = me.role === 'NETWORK_ADMIN';
  const coordinator = me.role === 'COORDINATOR' && id === me.organizationId;
  const [data, setData] = useState<OrganizationPageQuery | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [shownOnce, setShownOnce] = useState<{ title: string; value: string; hint: string } | null>(null);
  const [keys, setKeys] = useState<{ id: string; label: string }[]>([]);

  const load = useCallback(
    () => gql(OrganizationQuery, { id, grants: admin || coordinator }).then(setData, (e) => setError(errorSentence(e, 'see this organization'))),
    [id, admin, coordinator],
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

  if (!data) return <Page title="Organization">{error ? <ErrorMessage>{error}</ErrorMessage> : <p role="status">Loading…</p>}</Page>;
  const org = data.organization;
  if (!org) return <Page title="Organization"><p>There is no such organization.</p></Page>;
  const grantKeys = (org.accessGrants ?? []).flatMap((g) => (g.apiKey ? [g.apiKey] : []));
  const allKeys = [...keys, ...grantKeys.filter((k) => !keys.some((x) => x.id === k.id))];

  return (
    <Page title="Organization" heading={org.name}>
      {admin && <NetworkNav />}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage>{error}</ErrorMessage>
      {shownOnce && (
        <section className="shown-once" aria-labelledby="shown-once-heading">
          <h2 id="shown-once-heading">{shownOnce.title}</h2>
          <p>{shownOnce.hint}</p>
          <label htmlFor="shown-once-value">Shown once: copy it now</label>
          <textarea id="shown-once-value" readOnly rows={2} value={shownOnce.value} />
          <button type="button" className="secondary" onClick={() => setShownOnce(null)}>
            I have copied it
          </button>
        </section>
      )}
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">People</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              {admin && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {org.members.map((m) => (
              <MemberRow key={m.user.id} member={m} admin={admin} organizationId={org.id} run={run} />
            ))}
          </tbody>
        </table>
      </section>
      {admin && (
        <InviteForm
          organizationId={org.id}
          onInvited={(token, email) => {
            setNotice(`${email} is invited.`);
            if (token) {
              setShownOnce({
                title: 'Invitation link',
                value: `${window.location.origin}/welcome#${token}`,
                hint: `Give this link to ${email} yourself, by a safe channel: it lets them set their own password, works once, for 7 days, and is not shown again.`,
              });
            }
            void load();
          }}
          onError={setError}
        />
      )}
      {admin && (
        <ApiKeys
          organizationId={org.id}
          keys={allKeys}
          onCreated={(key, label, id) => {
            setKeys((k) => [...k, { id, label }]);
            setShownOnce({ title: 'API key', value: key, hint: `The key “${label}”: put it in the integration’s settings now. It is not shown again; if it is lost, revoke it and make another.` });
          }}
          run={run}
        />
      )}
      {org.providers.length > 0 && (
        <section aria-labelledby="org-listings-heading">
          <h2 id="org-listings-heading">Listings it keeps</h2>
          <ul>
            {org.providers.map((p) => (
              <li key={p.id}>
                <Link to={`/providers/${p.id}`}>{p.name}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {org.accessGrants && (
        <section aria-labelledby="grants-heading">
          <h2 id="grants-heading">Access granted from outside</h2>
          <p className="hint">Roles and API keys given in this organization by someone acting for another organization (or by the operator). Each was also sent as an access.granted event.</p>
          {org.accessGrants.length === 0 ? (
            <p>None.</p>
          ) : (
            <ul>
              {org.accessGrants.map((g) => (
                <li key={g.id}>
                  {formatDateTime(g.grantedAt)}: {g.user ? g.user.displayName : g.apiKey ? `API key “${g.apiKey.label}”` : 'someone'} given the role {ROLE_NAMES[g.role].toLowerCase()}, by {g.grantedBy?.displayName ?? 'the operator'}.
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {(admin || coordinator) && <Webhooks organizationId={org.id} admin={admin} />}
    </Page>
  );
}

function MemberRow({ member, admin, organizationId, run }: { member: NonNullable<OrganizationPageQuery['organization']>['members'][number]; admin: boolean; organizationId: string; run: (w: () => Promise<unknown>, done: string, doing: string) => Promise<void> }) {
  const [role, setRole] = useState<Role>(member.role);
  const u = member.user;
  const key = u.id;
  return (
    <tr>
      <th scope="row">
        {u.displayName}
        {u.active ? '' : ' (invited, no password yet)'}
      </th>
      <td>{u.email}</td>
      <td>
        {admin ? (
          <>
            <label htmlFor={`role-${key}`} className="visually-hidden">
              Role of {u.displayName}
            </label>
            <select id={`role-${key}`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_NAMES[r]}
                </option>
              ))}
            </select>
          </>
        ) : (
          ROLE_NAMES[member.role]
        )}
      </td>
      {admin && (
        <td className="row-actions">
          <button type="button" className="secondary" disabled={role === member.role} onClick={() => void run(() => gql(SetMembership, { userId: u.id, organizationId, role }), `${u.displayName} is now ${ROLE_NAMES[role].toLowerCase()}.`, 'change roles')}>
            Change role
          </button>
          <button type="button" className="secondary" onClick={() => void run(() => gql(RevokeSessions, { userId: u.id }), `Every session of ${u.displayName} has ended.`, 'end sessions')}>
            End sessions
          </button>
          <button type="button" className="secondary" onClick={() => void run(() => gql(RemoveMembership, { userId: u.id, organizationId }), `${u.displayName} was removed from the organization.`, 'remove people')}>
            Remove
          </button>
        </td>
      )}
    </tr>
  );
}

function InviteForm({ organizationId, onInvited, onError }: { organizationId: string; onInvited: (token: string | null, email: string) => void; onError: (e: string) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('ADVOCATE');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    onError('');
    try {
      const made = await gql(Invite, { input: { email: email.trim(), displayName: name.trim(), organizationId, role } });
      onInvited(made.inviteUser.invitationToken ?? null, email.trim());
      setEmail('');
      setName('');
    } catch (e) {
      onError(errorSentence(e, 'invite people'));
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a person</h2>
      <TextField id="invite-email" label="Their e-mail" type="email" value={email} onChange={setEmail} />
      <TextField id="invite-name" label="Their name" value={name} onChange={setName} />
      <div className="field">
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_NAMES[r]}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Invite</button>
    </form>
  );
}

function ApiKeys({ organizationId, keys, onCreated, run }: { organizationId: string; keys: { id: string; label: string }[]; onCreated: (key: string, label: string, id: string) => void; run: (w: () => Promise<unknown>, done: string, doing: string) => Promise<void> }) {
  const [label, setLabel] = useState('');
  const [role, setRole] = useState<Role>('COORDINATOR');
  const [error, setError] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError('');
    try {
      const made = await gql(CreateApiKey, { input: { organizationId, role, label: label.trim() } });
      onCreated(made.createApiKey.key, label.trim(), made.createApiKey.id);
      setLabel('');
    } catch (e) {
      setError(errorSentence(e, 'create API keys'));
    }
  };
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <p className="hint">For integrations (a case-management system). A key acts for this organization with one role; it is shown once.</p>
      {keys.length > 0 && (
        <ul>
          {keys.map((k) => (
            <li key={k.id}>
              “{k.label}”{' '}
              <button type="button" className="link-button" onClick={() => void run(() => gql(RevokeApiKey, { id: k.id }), `The key “${k.label}” is revoked.`, 'revoke API keys')}>
                Revoke “{k.label}”
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} noValidate aria-label="Create an API key">
        <TextField id="key-label" label="What the key is for" value={label} onChange={setLabel} />
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_NAMES[r]}
              </option>
            ))}
          </select>
        </div>
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit">Create the key</button>
      </form>
    </section>
  );
}
