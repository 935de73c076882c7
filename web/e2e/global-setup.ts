// Fake people and organizations for the browser tests, made through the GraphQL API as
// the network admin that scripts/web-e2e.sh created with `lantern admin create-user`.
import { writeFileSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';
import { FIXTURES_PATH, PASSWORD, type Fixtures } from './fixtures';

async function call(base: string, token: string | null, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export default async function setup(config: FullConfig) {
  const base = config.projects[0]!.use.baseURL!;
  const adminEmail = process.env.LANTERN_E2E_ADMIN_EMAIL ?? 'admin@lantern.test';
  const adminPassword = process.env.LANTERN_E2E_ADMIN_PASSWORD ?? 'dev password 1234';
  const admin = (await call(base, null, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: adminEmail, p: adminPassword })).login.token as string;
  const run = Date.now().toString(36);
  const org = async (name: string) =>
    (await call(base, admin, 'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: `${name} ${run}` })).createOrganization.id as string;
  const advocates = await org('Triangle Advocates (test)');
  const wakeTeam = await org('Wake County MDT (test)');
  const durhamTeam = await org('Durham County MDT (test)');
  const person = async (label: string, name: string, organizationId: string, role: string) => {
    const email = `${label}-${run}@e2e.lantern.test`;
    const invited = await call(
      base,
      admin,
      'mutation($i: InviteUserInput!) { inviteUser(input: $i) { userId invitationToken } }',
      { i: { email, displayName: name, organizationId, role } },
    );
    const token = invited.inviteUser.invitationToken as string | null;
    if (token) await call(base, null, 'mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }', { t: token, p: PASSWORD });
    return { email, userId: invited.inviteUser.userId as string, name };
  };
  // A provider that is a network member: its staff keep its listing and receive referrals.
  const havenName = `Haven House (test) ${run}`;
  const haven = await org('Haven House (test)');
  const providerStaff = await person('staff', 'Pat Provider', haven, 'PROVIDER_STAFF');
  const staffToken = (await call(base, null, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: providerStaff.email, p: PASSWORD })).login.token as string;
  const providerName = 'Haven House Shelter (synthetic)';
  const providerId = (await call(base, staffToken, 'mutation($n: String!) { createProvider(input: { name: $n, kind: "dv_sa_agency", description: "An invented shelter for the browser tests." }) { id } }', { n: providerName })).createProvider.id as string;
  const serviceName = 'Emergency shelter';
  const serviceId = (
    await call(base, staffToken, 'mutation($p: ID!, $n: String!) { createService(providerId: $p, input: { name: $n, needs: ["acute.housing", "transitional.legal"], languages: ["en", "es"], populations: [ADULTS, MINORS], open24h: true }) { id } }', {
      p: providerId,
      n: serviceName,
    })
  ).createService.id as string;
  await call(base, staffToken, 'mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7796, longitude: -78.6382, city: "Raleigh", state: "NC" }) { id } }', { p: providerId });
  // Webhook receivers on this machine (the server allows loopback for the tests); the relay
  // is off, so deliveries wait, and one is made a dead letter by the test that needs it.
  await call(base, admin, 'mutation($o: ID!) { createWebhookSubscription(input: { organizationId: $o, url: "http://127.0.0.1:9/lantern-hook", eventTypes: ["referral.sent", "referral.accepted"] }) { id } }', { o: haven });

  const fixtures: Fixtures = {
    adminEmail,
    adminPassword,
    advocate: await person('advocate', 'Alex Advocate', advocates, 'ADVOCATE'),
    teamMember: await person('team', 'Taylor Team', wakeTeam, 'MDT_VIEWER'),
    outsider: await person('outsider', 'Olu Outsider', durhamTeam, 'MDT_VIEWER'),
    multi: await person('multi', 'Morgan Multi', advocates, 'ADVOCATE'),
    coordinator: await person('coordinator', 'Casey Coordinator', advocates, 'COORDINATOR'),
    providerStaff,
    nonMember: await person('nonmember', 'Nia Nonmember', durhamTeam, 'ADVOCATE'),
    organizations: { advocates, wakeTeam, durhamTeam, haven },
    haven: { providerId, providerName, serviceId, serviceName, organizationName: havenName },
  };
  await person('multi', 'Morgan Multi', wakeTeam, 'COORDINATOR');
  await call(base, admin, 'mutation($f: String!, $o: [ID!]!) { setCountyTeam(fips: $f, organizationIds: $o) }', { f: '37183', o: [wakeTeam] });
  writeFileSync(FIXTURES_PATH, JSON.stringify(fixtures));
}
