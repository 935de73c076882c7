// Keeping a listing current (provider staff) and running the network (network admins,
// coordinators), in the browser.
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { PASSWORD, api, expectAccessible, fixtures, signIn, token } from './fixtures';

function sql(query: string): string {
  const psql = process.env.LANTERN_E2E_PSQL ?? 'psql';
  return execFileSync(psql, [process.env.LANTERN_MIGRATION_DATABASE_URL!, '-qAtc', query], { encoding: 'utf8' }).trim();
}

const admin = () => {
  const f = fixtures();
  return { email: f.adminEmail, userId: '', name: 'E2E Admin', password: f.adminPassword };
};

test.describe('keeping a listing current', () => {
  test('provider staff edit a service, see another person’s change instead of overwriting it, add a location at its county', async ({ page, request }) => {
    const f = fixtures();
    await signIn(page, f.providerStaff, '/listings');
    await expectAccessible(page);
    await page.getByRole('link', { name: `Edit ${f.haven.providerName}` }).click();
    await expect(page).toHaveURL(new RegExp(`/providers/${f.haven.providerId}/edit$`));
    const service = page.getByRole('form', { name: `Service: ${f.haven.serviceName}` });
    await expect(service).toBeVisible();
    await expectAccessible(page);

    // Someone else saves the service while the form is open.
    const bearer = await token(request, f.providerStaff);
    const current = await api(request, bearer, 'query($p: ID!) { provider(id: $p) { services { id version eligibility } } }', { p: f.haven.providerId });
    const before = current.provider.services.find((s: { id: string }) => s.id === f.haven.serviceId) as { version: number; eligibility: string | null };
    const version = before.version;
    const theirs = `Adults, and minors with a guardian (${Date.now()})`;
    await api(request, bearer, 'mutation($s: ID!, $v: Int!, $e: String!) { updateService(id: $s, version: $v, input: { eligibility: $e }) { version } }', { s: f.haven.serviceId, v: version, e: theirs });

    const mine = `Free (${Date.now()})`;
    await service.getByLabel('Cost').fill(mine);
    await service.getByRole('button', { name: 'Save the service' }).click();
    const conflict = service.getByRole('alert');
    await expect(conflict).toContainText(`Someone else changed this while you were editing: Eligibility from “${before.eligibility ?? '(empty)'}” to “${theirs}”`);
    // Their change is in the form now, with the person's own edit on top.
    await expect(service.getByLabel('Who can use it (eligibility)')).toHaveValue(theirs);
    await expect(service.getByLabel('Cost')).toHaveValue(mine);
    await service.getByRole('button', { name: 'Save the service' }).click();
    await expect(service.getByRole('status')).toHaveText('Saved.');
    const saved = await api(request, bearer, 'query($p: ID!) { provider(id: $p) { services { id cost eligibility } } }', { p: f.haven.providerId });
    expect(saved.provider.services.find((s: { id: string }) => s.id === f.haven.serviceId)).toMatchObject({ cost: mine, eligibility: theirs });

    // A location from an address the geocoder cannot place yet: at its county, approximate.
    await page.getByRole('button', { name: 'Add a location' }).click();
    const location = page.getByRole('form', { name: 'New location' });
    await expect(location.getByText('A confidential location shows only its county')).toBeVisible();
    await location.getByLabel('Street address').fill('100 Fayetteville St');
    await location.getByLabel('City').fill('Raleigh');
    await location.getByLabel('County').selectOption({ label: 'Wake' });
    await location.getByLabel('Confidential location (a shelter)').check();
    await location.getByRole('button', { name: 'Add the location' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'marked approximate' })).toBeVisible();
    await expect(page.getByText('Placed approximately, at its county').first()).toBeVisible();

    // Contacts and training.
    await page.getByLabel('Contact’s name').fill('Dana Contact (fake)');
    await page.getByLabel('Their role').fill('Intake lead');
    await page.getByRole('button', { name: 'Add the contact' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Contact added.' })).toBeVisible();
    await page.getByLabel('Date of the training').fill('2026-01-15');
    await page.getByRole('button', { name: 'Record the training' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Training recorded.' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Human-trafficking training' })).toContainText('Basic training on January 15, 2026');
    await expectAccessible(page);
  });

  test('staff of another organization cannot edit the listing', async ({ page }) => {
    const f = fixtures();
    await signIn(page, f.advocate, `/providers/${f.haven.providerId}/edit`);
    await expect(page.getByText('Only the provider staff of the organization keeping this listing')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save details' })).toHaveCount(0);
  });
});

test.describe('running the network', () => {
  test('a network admin adds an organization, invites a person (the link shown once works), makes an API key, changes settings', async ({ page, browser, request }) => {
    const a = admin();
    await signIn(page, a, '/', a.password);
    await page.getByRole('link', { name: 'Network', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Running the network' })).toBeVisible();
    await expectAccessible(page);
    const name = `Riverside Clinic (test) ${Date.now()}`;
    await page.getByLabel('Organization name').fill(name);
    await page.getByRole('button', { name: 'Add the organization' }).click();
    await page.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);

    const email = `invitee-${Date.now()}@e2e.lantern.test`;
    await page.getByLabel('Their e-mail').fill(email);
    await page.getByLabel('Their name').fill('Ivy Invitee');
    await page.getByLabel('Role', { exact: true }).first().selectOption('PROVIDER_STAFF');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByLabel('Shown once: copy it now').inputValue();
    expect(link).toMatch(/\/welcome#lti_/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(page.getByLabel('Shown once: copy it now')).toHaveCount(0);
    await expect(page.getByRole('row', { name: /Ivy Invitee/ })).toContainText('invited, no password yet');

    // The invitee opens the link, sets a password (the token leaves the address bar), signs in.
    const invitee = await (await browser.newContext()).newPage();
    await invitee.goto(link);
    await expect(invitee).toHaveURL(/\/welcome$/);
    await expectAccessible(invitee);
    await invitee.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await invitee.getByLabel('The same password again').fill(PASSWORD);
    await invitee.getByRole('button', { name: 'Set my password' }).click();
    await expect(invitee.getByText('Your password is set.')).toBeVisible();
    await signIn(invitee, { email });
    await expect(invitee.getByRole('banner')).toContainText('Ivy Invitee');
    await invitee.context().close();

    // Roles change; an API key is shown once.
    await page.reload();
    const row = page.getByRole('row', { name: /Ivy Invitee/ });
    await row.getByLabel('Role of Ivy Invitee').selectOption('COORDINATOR');
    await row.getByRole('button', { name: 'Change role' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Ivy Invitee is now coordinator.' })).toBeVisible();
    await page.getByLabel('What the key is for').fill('Case management (test)');
    await page.getByRole('button', { name: 'Create the key' }).click();
    expect(await page.getByLabel('Shown once: copy it now').inputValue()).toMatch(/^ltk_/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'Revoke “Case management (test)”' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'is revoked' })).toBeVisible();
    await expectAccessible(page);

    // Settings: another admin's change is shown, not overwritten.
    await page.getByRole('link', { name: 'Settings' }).click();
    const bearer = await token(request, a, a.password);
    const s = (await api(request, bearer, '{ networkSettings { version followUpLongTermDays } }')).networkSettings;
    // The form must hold the settings as they were before the other admin's change, or
    // there is no conflict to show: wait until it has loaded them.
    await expect(page.getByLabel('Follow up on long-term needs after (days)')).toHaveValue(String(s.followUpLongTermDays));
    await api(request, bearer, 'mutation($v: Int!) { updateNetworkSettings(version: $v, input: { followUpLongTermDays: 31 }) { version } }', { v: s.version });
    await page.getByLabel('Consent lasts at most (days)').fill('300');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect(page.getByRole('alert')).toContainText('Follow up on long-term needs after (days) from “30” to “31”');
    await expect(page.getByLabel('Follow up on long-term needs after (days)')).toHaveValue('31');
    await page.getByLabel('Consent lasts at most (days)').fill('365');
    await page.getByLabel('Follow up on long-term needs after (days)').fill('30');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await expect(page.getByRole('status')).toHaveText('Saved.');
    await expectAccessible(page);

    // County teams.
    await page.getByRole('link', { name: 'County teams' }).click();
    await page.getByLabel('County').selectOption({ label: 'Durham' });
    await page.getByRole('group', { name: 'Organizations on the team' }).getByLabel(name).check();
    await page.getByRole('button', { name: 'Save the team' }).click();
    await expect(page.getByRole('status')).toContainText('Saved');
    await expectAccessible(page);
  });

  test('webhooks: a subscription’s secret is shown once, dead letters are redelivered, subscriptions deleted', async ({ page, request }) => {
    const f = fixtures();
    const a = admin();
    // A referral to Haven House queues a delivery to its (never answering) receiver; it dies.
    const bearer = await token(request, f.advocate);
    await api(request, bearer, 'mutation($k: String!, $s: ID!) { createReferral(idempotencyKey: $k, input: { serviceId: $s, needCode: "acute.housing", urgency: ROUTINE }) { id } }', { k: `e2e-hook-${Date.now()}`, s: f.haven.serviceId });
    sql(`UPDATE webhook_deliveries SET status = 'DEAD', attempts = 8, last_error = 'delivery failed' WHERE status = 'PENDING'`);
    await signIn(page, a, '/network/webhooks', a.password);
    await expect(page.getByRole('heading', { name: 'Webhooks and dead letters' })).toBeVisible();
    const dead = page.getByRole('table', { name: 'Deliveries' }).getByRole('row').filter({ hasText: 'referral.sent' }).first();
    await expect(dead).toContainText('dead');
    await expectAccessible(page);
    await dead.getByRole('button', { name: 'Redeliver' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Queued to be delivered again.' })).toBeVisible();
    expect(Number(sql(`SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING' AND attempts = 0`))).toBeGreaterThan(0);

    // On an organization's page: subscribe it; the secret is shown once.
    await page.goto(`/network/organizations/${f.organizations.haven}`);
    await page.getByLabel('Receiving address (https)').fill('http://127.0.0.1:9/another-hook');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const secret = await page.getByLabel(/Signing secret — shown once/).inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(page.getByLabel(/Signing secret/)).toHaveCount(0);
    await expect(page.locator('main')).not.toContainText(secret);
    await page.getByRole('button', { name: 'Delete the subscription to http://127.0.0.1:9/another-hook' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Subscription deleted' })).toBeVisible();
    await expect(page.getByText('http://127.0.0.1:9/another-hook')).toHaveCount(0);
  });

  test('a coordinator sees their organization: its people, the access granted from outside, its webhooks', async ({ page }) => {
    const f = fixtures();
    await signIn(page, f.coordinator, '/');
    await page.getByRole('link', { name: 'Your organization' }).click();
    await expect(page).toHaveURL(/\/organization$/);
    await expect(page.getByRole('row', { name: /Casey Coordinator/ })).toBeVisible();
    const grants = page.getByRole('region', { name: 'Access granted from outside' });
    await expect(grants).toContainText('Casey Coordinator given the role coordinator, by E2E Admin');
    await expect(page.getByRole('heading', { name: 'Webhook subscriptions' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Change role' })).toHaveCount(0);
    await expectAccessible(page);
    // Not the network's pages.
    await page.goto('/network');
    await expect(page.getByText('you cannot run the network')).toBeVisible();
  });
});
