// The referral workflow in the browser: an advocate, a provider's staff member and a
// coordinator each do their part, with consent and without personal data.
import { execFileSync } from 'node:child_process';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { api, expectAccessible, expectNotInAddressOrHistory, fixtures, signIn, token, watchConsole, type Person } from './fixtures';
import { NOTE_WITH_CONTACT_DETAILS } from '../src/api/errors';

/** A fake client, invented for the tests. */
const CLIENT_NAME = 'Jordan Fakeperson';
const CLIENT_PHONE = '919-555-0199';

/** Runs SQL on the test database as its owner (to make time pass for a follow-up). */
function sql(query: string): string {
  const psql = process.env.LANTERN_E2E_PSQL ?? 'psql';
  return execFileSync(psql, [process.env.LANTERN_MIGRATION_DATABASE_URL!, '-qAtc', query], { encoding: 'utf8' }).trim();
}

async function as(browser: Browser, person: Person, next = '/'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, person, next);
  return page;
}

async function sentCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const r = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: '{ referrals(filter: { side: SENDER }, first: 200) { id } }' }),
    });
    return (await r.json()).data.referrals.length as number;
  });
}

function referralId(page: Page): string {
  return new URL(page.url()).pathname.split('/').pop()!;
}

test.describe('referrals', () => {
  test('with consent: the advocate refers, the provider accepts and sees exactly the consented fields, the coordinator completes the follow-up, revocation removes the name', async ({ browser }) => {
    const f = fixtures();
    const advocate = await as(browser, f.advocate, `/providers/${f.haven.providerId}`);
    const problems = watchConsole(advocate);

    // Refer: without personal data is the default; choose to share with consent.
    await advocate.getByRole('button', { name: 'Refer', exact: true }).click();
    await expect(advocate).toHaveURL(new RegExp(`/providers/${f.haven.providerId}/refer$`));
    await expect(advocate.getByLabel('Without personal data')).toBeChecked();
    await expectAccessible(advocate);
    await advocate.getByLabel('With personal data, with the client’s consent').check();
    await advocate.getByLabel('Client of your organization').selectOption('new');
    await advocate.getByLabel('Name (optional)').fill(CLIENT_NAME);
    await advocate.getByLabel('Date of birth (optional)').fill('1990-01-02');
    await advocate.getByLabel('Phone (optional)').fill(CLIENT_PHONE);
    await advocate.getByLabel('Preferred language').selectOption('es');
    await advocate.getByLabel('How to contact them').selectOption('TEXT');
    // Share the name and the language, not the contact.
    await advocate.getByLabel('Contact', { exact: true }).uncheck();
    await advocate.getByLabel('Language', { exact: true }).check();
    // In person, consent must be written: verbal is not even offered.
    await expect(advocate.getByLabel('Verbal, documented by you')).toHaveCount(0);
    await advocate.getByLabel('By phone').check();
    await expect(advocate.getByLabel('Verbal, documented by you')).toBeVisible();
    await advocate.getByLabel('In person').check();
    await expect(advocate.getByLabel('Verbal, documented by you')).toHaveCount(0);
    await expect(advocate.getByLabel('Written and signed')).toBeChecked();
    // The consent screen shows exactly what goes where, for what, until when.
    const summary = advocate.getByRole('region', { name: 'What the client agrees to' });
    await expect(summary).toContainText(`${f.haven.organizationName} will be able to see their name; and their preferred language — nothing else from the record.`);
    await expect(summary).toContainText(`only for referrals to ${f.haven.providerName}, “${f.haven.serviceName}”`);
    await expect(summary).toContainText('(90 days; the network allows at most 365)');
    await expect(summary).toContainText('Consent written and signed, in person.');
    await expect(summary.getByRole('row')).toHaveText([/Field\s*What they will see/, new RegExp(`Name\\s*${CLIENT_NAME}`), /Language\s*Spanish/]);
    await expectAccessible(advocate);
    await advocate.getByRole('button', { name: 'Send the referral' }).click();
    await expect(advocate.getByRole('status').filter({ hasText: 'Referral sent.' })).toBeVisible();
    await expect(advocate).toHaveURL(/\/referrals\/[0-9a-f-]{36}$/);
    const id = referralId(advocate);
    await expect(advocate).toHaveTitle('Referral · Lantern');
    await expectAccessible(advocate);
    await expectNotInAddressOrHistory(advocate, CLIENT_NAME, 'Fakeperson', CLIENT_PHONE);

    // The provider: in Received, accepts, and sees the name and language — nothing else.
    const provider = await as(browser, f.providerStaff, '/referrals');
    await expect(provider.getByRole('tab', { name: 'Received', exact: true })).toHaveAttribute('aria-selected', 'true');
    await expect(provider.getByRole('tab', { name: 'Received', exact: true })).toHaveAccessibleDescription(/waiting for your answer/);
    await expectAccessible(provider);
    await provider.locator(`a[href="/referrals/${id}"]`).click();
    const fields = provider.locator('.client-fields dt');
    await expect(fields).toHaveText(['Name', 'Language']);
    await expect(provider.locator('.client-fields')).toContainText(CLIENT_NAME);
    await expect(provider.locator('main')).not.toContainText(CLIENT_PHONE);
    await expect(provider.locator('main')).not.toContainText('1990');
    await expect(provider.locator('dl').first()).toContainText('Triangle Advocates (test)');
    await expectAccessible(provider);
    await provider.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect(provider.getByTestId('referral-status')).toHaveText('Accepted');
    await expect(provider.getByRole('list').filter({ hasText: 'Sent, waiting for an answer → Accepted' })).toBeVisible();

    // The coordinator: the follow-up is due (acute: in 2 days); assign it, complete it.
    const coordinator = await as(browser, f.coordinator, '/follow-ups');
    const due = coordinator.getByRole('region', { name: 'Due' });
    const item = due.locator('li.follow-up').filter({ has: coordinator.locator(`a[href="/referrals/${id}"]`) });
    await expect(item).toBeVisible();
    await expect(item).toContainText('Assigned to Alex Advocate');
    await expectAccessible(coordinator);
    await item.getByLabel('Assign to').selectOption({ label: 'Casey Coordinator' });
    await item.getByRole('button', { name: 'Assign' }).click();
    await expect(item).toContainText('Assigned to Casey Coordinator');
    await item.getByLabel('Contact made').check();
    await item.getByLabel('Service started').check();
    await item.getByRole('button', { name: 'Complete' }).click();
    await expect(coordinator.getByRole('status').filter({ hasText: 'Follow-up completed.' })).toBeVisible();
    await expect(item).toHaveCount(0);

    // The advocate revokes consent on the client's page: one action.
    await advocate.reload();
    await advocate.getByRole('link', { name: 'The client’s page' }).click();
    await expect(advocate).toHaveTitle('Client · Lantern');
    await expect(advocate.locator('.client-fields')).toContainText(CLIENT_NAME);
    await expectAccessible(advocate);
    await advocate.getByRole('button', { name: /^Revoke consent/ }).click();
    await expect(advocate.getByRole('status').filter({ hasText: 'Consent revoked.' })).toBeVisible();
    await expect(advocate.locator('.consent')).toContainText('Revoked on');
    await expectNotInAddressOrHistory(advocate, CLIENT_NAME, 'Fakeperson', CLIENT_PHONE);

    // On its next load the provider no longer sees the name, and is told why.
    await provider.reload();
    await expect(provider.getByText('Withheld: name and language — no active consent covers them')).toBeVisible();
    await expect(provider.locator('main')).not.toContainText(CLIENT_NAME);
    await expectNotInAddressOrHistory(provider, CLIENT_NAME, 'Fakeperson');
    expect(problems).toEqual([]);
    for (const p of [advocate, provider, coordinator]) await p.context().close();
  });

  test('without personal data, end to end: a note with a phone number is refused, a lost answer is retried without a second referral, the provider declines', async ({ browser }) => {
    const f = fixtures();
    const advocate = await as(browser, f.advocate, `/providers/${f.haven.providerId}/refer`);
    const before = await sentCount(advocate);
    await expect(advocate.getByLabel('Without personal data')).toBeChecked();
    await expect(advocate.getByText('the note must hold none either')).toBeVisible();
    await advocate.getByLabel('Need').selectOption('transitional.legal');
    await advocate.getByLabel('Urgency').selectOption('URGENT');
    await advocate.getByLabel('County').selectOption('37183');
    await advocate.getByLabel('Language').selectOption('es');
    await advocate.getByLabel('Adults').check();
    await advocate.getByLabel(/^Note for/).fill('Call her at 919 555 0142 after six');
    await advocate.getByRole('button', { name: 'Send the referral' }).click();
    await expect(advocate.getByRole('alert')).toHaveText(NOTE_WITH_CONTACT_DETAILS);
    expect(await sentCount(advocate)).toBe(before);

    // The answer to the next try is lost on the way back: the server made the referral.
    await advocate.getByLabel(/^Note for/).fill('Needs help with a protection order this week');
    let dropped = false;
    await advocate.route('/graphql', async (route) => {
      if (!dropped && route.request().postData()?.includes('ReferCreateReferral')) {
        dropped = true;
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    await advocate.getByRole('button', { name: 'Send the referral' }).click();
    await expect(advocate.getByRole('alert')).toContainText('could not be reached');
    expect(dropped).toBe(true);
    await advocate.getByRole('button', { name: 'Send the referral' }).click(); // the person tries again
    await expect(advocate).toHaveURL(/\/referrals\/[0-9a-f-]{36}$/);
    expect(await sentCount(advocate)).toBe(before + 1);
    const id = referralId(advocate);
    await expect(advocate.getByText('Referred without personal data')).toBeVisible();

    // The provider sees what travelled, and declines with a reason.
    const provider = await as(browser, f.providerStaff, `/referrals/${id}`);
    await expect(provider.getByRole('heading', { level: 1 })).toHaveText('Referral: Legal: U & T Visa, Civil, Criminal, Protection Orders');
    await expect(provider.locator('dl').first()).toContainText('Wake County');
    await expect(provider.locator('dl').first()).toContainText('Spanish');
    await expect(provider.locator('dl').first()).toContainText('Adults');
    await expect(provider.getByText('Note: Needs help with a protection order this week')).toBeVisible();
    await provider.getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(provider.getByRole('alert')).toHaveText('Choose a reason for declining.');
    await provider.getByLabel('Reason for declining').selectOption('NO_CAPACITY');
    await provider.getByLabel('Note (optional)').fill('Full until next week');
    await provider.getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(provider.getByTestId('referral-status')).toHaveText('Declined');
    await expectAccessible(provider);

    // The advocate sees the answer among the sent referrals, filtered by status and need.
    await advocate.goto('/referrals?tab=sent');
    await expect(advocate.getByRole('tab', { name: 'Sent', exact: true })).toHaveAttribute('aria-selected', 'true');
    await advocate.getByLabel('Status').selectOption('DECLINED');
    await advocate.getByLabel('Need').selectOption('transitional.legal');
    await expect(advocate).toHaveURL(/tab=sent&status=DECLINED&need=transitional\.legal/);
    await expect(advocate.locator(`a[href="/referrals/${id}"]`)).toBeVisible();
    await expectAccessible(advocate);
    await advocate.locator(`a[href="/referrals/${id}"]`).click();
    await expect(advocate.getByTestId('referral-status')).toHaveText('Declined');
    await expect(advocate.locator('dl').first()).toContainText('No capacity');
    for (const p of [advocate, provider]) await p.context().close();
  });

  test('a minor’s consent is refused without a parent’s or guardian’s', async ({ page }) => {
    const f = fixtures();
    await signIn(page, f.advocate, `/providers/${f.haven.providerId}/refer`);
    const before = await sentCount(page);
    await page.getByLabel('With personal data, with the client’s consent').check();
    await page.getByLabel('Client of your organization').selectOption('new');
    const birth = new Date();
    birth.setFullYear(birth.getFullYear() - 15);
    await page.getByLabel('Date of birth (optional)').fill(birth.toISOString().slice(0, 10));
    await page.getByLabel('Name (optional)').fill('Riley Fakeminor');
    const guardian = page.getByRole('group', { name: 'Parent’s or guardian’s consent' });
    await expect(guardian).toBeVisible();
    await page.getByRole('button', { name: 'Send the referral' }).click();
    await expect(page.getByRole('alert')).toContainText('A minor’s consent needs a parent’s or guardian’s consent as well, from someone who is not the suspected abuser.');
    await expectAccessible(page);
    expect(await sentCount(page)).toBe(before);
    // The relationship alone is not enough: the attestation is required too.
    await guardian.getByLabel('Their relationship to the client').fill('aunt');
    await page.getByRole('button', { name: 'Send the referral' }).click();
    await expect(page.getByRole('alert')).toContainText('A minor’s consent needs');
    expect(await sentCount(page)).toBe(before);
    await guardian.getByLabel('I confirm this parent or guardian is not the suspected abuser').check();
    await expect(page.getByRole('region', { name: 'What the client agrees to' })).toContainText('A parent or guardian (aunt) consents as well');
    await page.getByRole('button', { name: 'Send the referral' }).click();
    await expect(page).toHaveURL(/\/referrals\/[0-9a-f-]{36}$/);
    expect(await sentCount(page)).toBe(before + 1);
  });

  test('a draft is the sender’s alone until it is sent', async ({ browser }) => {
    const f = fixtures();
    const advocate = await as(browser, f.advocate, `/providers/${f.haven.providerId}/refer`);
    await advocate.getByRole('button', { name: 'Save as a draft' }).click();
    await expect(advocate.getByRole('status').filter({ hasText: 'Draft saved. Only your organization sees it until you send it.' })).toBeVisible();
    const id = referralId(advocate);
    await expect(advocate.getByTestId('referral-status')).toHaveText('Draft (not sent)');
    const provider = await as(browser, f.providerStaff, `/referrals/${id}`);
    await expect(provider.getByText('There is no referral here that your organization can see.')).toBeVisible();
    await advocate.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(advocate.getByTestId('referral-status')).toHaveText('Sent, waiting for an answer');
    await provider.reload();
    await expect(provider.getByRole('button', { name: 'Accept', exact: true })).toBeVisible();
    for (const p of [advocate, provider]) await p.context().close();
  });

  test('a non-member sees no referral, on the page or through the API', async ({ page, request }) => {
    const f = fixtures();
    const bearer = await token(request, f.advocate);
    const made = await api(request, bearer, 'mutation($k: String!, $s: ID!) { createReferral(idempotencyKey: $k, input: { serviceId: $s, needCode: "acute.housing", urgency: ROUTINE }) { id } }', {
      k: `e2e-${Date.now()}`,
      s: f.haven.serviceId,
    });
    const id = made.createReferral.id as string;
    await signIn(page, f.nonMember, `/referrals/${id}`);
    await expect(page.getByText('There is no referral here that your organization can see.')).toBeVisible();
    await expect(page.locator('main')).not.toContainText('Haven House');
    const answer = await page.evaluate(async (rid) => {
      const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: 'query($id: ID!) { referral(id: $id) { id } }', variables: { id: rid } }) });
      return (await r.json()).data.referral;
    }, id);
    expect(answer).toBeNull();
    await page.goto('/referrals');
    await expect(page.locator(`a[href="/referrals/${id}"]`)).toHaveCount(0);
    await expectAccessible(page);
    // An MDT viewer is told the referral pages are not for their role.
    await page.context().clearCookies();
    await signIn(page, f.outsider, `/referrals/${id}`);
    await expect(page.getByText(/you cannot see referrals/)).toBeVisible();
  });

  test('overdue follow-ups surface, and sent referrals with no outcome after N days', async ({ page, request }) => {
    const f = fixtures();
    const bearer = await token(request, f.advocate);
    const made = await api(request, bearer, 'mutation($k: String!, $s: ID!) { createReferral(idempotencyKey: $k, input: { serviceId: $s, needCode: "acute.housing", urgency: EMERGENCY }) { id } }', {
      k: `e2e-overdue-${Date.now()}`,
      s: f.haven.serviceId,
    });
    const id = made.createReferral.id as string;
    sql(`UPDATE follow_ups SET due_at = now() - interval '3 hours' WHERE referral_id = '${id}'`);
    sql(`UPDATE referrals SET sent_at = now() - interval '10 days' WHERE id = '${id}'`);
    await signIn(page, f.coordinator, '/follow-ups');
    const overdue = page.getByRole('region', { name: 'Overdue' });
    await expect(overdue.locator('li.follow-up').filter({ has: page.locator(`a[href="/referrals/${id}"]`) })).toContainText('Overdue since');
    const stale = page.getByRole('region', { name: 'Sent with no outcome yet' });
    await expect(stale.locator(`a[href="/referrals/${id}"]`)).toBeVisible();
    await stale.getByLabel('Sent at least this many days ago').fill('30');
    await expect(stale.locator(`a[href="/referrals/${id}"]`)).toHaveCount(0);
    // Rescheduled, it moves from Overdue to Due.
    const item = overdue.locator('li.follow-up').filter({ has: page.locator(`a[href="/referrals/${id}"]`) });
    await item.getByRole('button', { name: 'Reschedule' }).click();
    await expect(page.getByRole('region', { name: 'Due' }).locator(`a[href="/referrals/${id}"]`)).toBeVisible();
    await expectAccessible(page);
    // The advocate, not a coordinator, sees the follow-ups assigned to them.
    await page.context().clearCookies();
    await signIn(page, f.advocate, '/follow-ups');
    await expect(page.getByText('The open follow-ups assigned to you')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Due' }).locator(`a[href="/referrals/${id}"]`)).toBeVisible(); // the sender's, assigned to them
  });
});

test.describe('privacy in the browser', () => {
  test('a screen left alone signs out and shows no client data; signing out clears it too', async ({ browser }) => {
    const f = fixtures();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.clock.install();
    await signIn(page, f.advocate, '/clients');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Add a client' }).click();
    await expectAccessible(page);
    await page.getByLabel('Name (optional)').fill('Sam Idlefake');
    await page.getByRole('radio', { name: 'No', exact: true }).check();
    await page.getByRole('button', { name: 'Save the client' }).click();
    await expect(page).toHaveTitle('Client · Lantern');
    await expect(page.locator('main')).toContainText('Sam Idlefake');
    const clientUrl = page.url();
    await page.clock.fastForward('31:00');
    await expect(page).toHaveURL(/\/login\?ended=1/);
    await expect(page.getByText('Your session has ended. Sign in again to continue.')).toBeVisible();
    await expect(page.locator('body')).not.toContainText('Sam Idlefake');
    // The session itself is ended too: the cookie is gone.
    await expect.poll(async () => (await context.cookies()).some((c) => c.name === 'lantern_session')).toBe(false);
    // Back goes to the client's address, which asks to sign in and shows nothing.
    await page.goto(clientUrl);
    await expect(page.getByText('You need to sign in to see clients.')).toBeVisible();
    await expect(page.locator('body')).not.toContainText('Sam Idlefake');
    await expectNotInAddressOrHistory(page, 'Sam Idlefake', 'Idlefake');
    // Signing out from a client's page leaves nothing of it on screen.
    await signIn(page, f.advocate, new URL(clientUrl).pathname);
    await expect(page.locator('main')).toContainText('Sam Idlefake');
    const html = await page.request.get(clientUrl);
    expect(html.headers()['cache-control']).toBe('no-store');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.locator('body')).not.toContainText('Sam Idlefake');
    await page.goBack();
    await expect(page.locator('body')).not.toContainText('Sam Idlefake');
    await context.close();
  });

  test('keyboard only and a phone: the referral tabs, the refer form', async ({ browser }) => {
    const f = fixtures();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signIn(page, f.advocate, '/referrals');
    await page.getByRole('tab', { name: 'Received', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: 'Sent', exact: true })).toBeFocused();
    await expect(page.getByRole('tab', { name: 'Sent', exact: true })).toHaveAttribute('aria-selected', 'true');
    await expect(page).toHaveURL(/tab=sent/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await page.goto(`/providers/${f.haven.providerId}/refer`);
    await page.getByLabel('Without personal data').focus();
    await page.keyboard.press('ArrowDown'); // radio group: the next choice
    await expect(page.getByLabel('With personal data, with the client’s consent')).toBeChecked();
    await page.keyboard.press('ArrowUp');
    await expect(page.getByLabel('Without personal data')).toBeChecked();
    await page.getByLabel(/^Note for/).focus();
    await page.keyboard.type('Needs a bed tonight');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Send the referral' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/referrals\/[0-9a-f-]{36}$/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await page.goto('/follow-ups');
    await expect(page.getByRole('heading', { name: 'Due', exact: true })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });
});
