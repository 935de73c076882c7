// The Standards of Service in the browser (issue 19): a shelter assesses itself, a
// reviewer outside it accepts, the shelter shows as vetted in search and on its page, a
// network that requires vetting for emergency housing refuses a referral to an unvetted
// shelter and says why, and the Commission downloads the statewide picture. Then the
// capacity checklist and action plan, and who may not see them.
import { readFileSync } from 'node:fs';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { PASSWORD, api, expectAccessible, fixtures, signIn, token } from './fixtures';

const run = Date.now().toString(36);
const admin = () => ({ email: fixtures().adminEmail });

/** A fake person invited into `org` with `role`, who has set a password. */
async function person(request: APIRequestContext, bearer: string, label: string, org: string, role: string) {
  const email = `${label}-${run}@e2e.lantern.test`;
  const invited = await api(request, bearer, 'mutation($i: InviteUserInput!) { inviteUser(input: $i) { userId invitationToken } }', {
    i: { email, displayName: `${label} (fake)`, organizationId: org, role },
  });
  const accepted = await request.post('/graphql', {
    data: { query: 'mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) }', variables: { t: invited.inviteUser.invitationToken, p: PASSWORD } },
  });
  expect((await accepted.json()).errors).toBeUndefined();
  return { email, userId: invited.inviteUser.userId as string };
}

interface World {
  shelterName: string;
  providerId: string;
  serviceId: string;
  coordinator: { email: string };
  reviewer: { email: string };
}

let world: World;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  const bearer = await token(request, admin(), fixtures().adminPassword);
  const org = (await api(request, bearer, 'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: `Harbor Shelter (test) ${run}` })).createOrganization.id as string;
  const coordinator = await person(request, bearer, 'harbor-coordinator', org, 'COORDINATOR');
  const staff = await person(request, bearer, 'harbor-staff', org, 'PROVIDER_STAFF');
  const staffToken = await token(request, staff);
  const shelterName = `Harbor Shelter ${run} (synthetic)`;
  const providerId = (await api(request, staffToken, 'mutation($n: String!) { createProvider(input: { name: $n, kind: "dv_sa_agency" }) { id } }', { n: shelterName })).createProvider.id as string;
  const serviceId = (await api(request, staffToken, 'mutation($p: ID!) { createService(providerId: $p, input: { name: "Emergency shelter", needs: ["acute.housing"] }) { id } }', { p: providerId })).createService.id as string;
  await api(request, staffToken, 'mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7915, longitude: -78.6531, city: "Raleigh", state: "NC" }) { id } }', { p: providerId });
  const reviewOrg = (await api(request, bearer, 'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: `Review Partners (test) ${run}` })).createOrganization.id as string;
  const reviewer = await person(request, bearer, 'reviewer', reviewOrg, 'COORDINATOR');
  await api(request, bearer, 'mutation($u: ID!) { grantStandardsReviewer(userId: $u) { userId } }', { u: reviewer.userId });
  world = { shelterName, providerId, serviceId, coordinator, reviewer };
});

test.afterAll(async ({ request }) => {
  // Other specs refer to Haven House for emergency housing: lift the requirement again.
  const bearer = await token(request, admin(), fixtures().adminPassword);
  await api(request, bearer, 'mutation { liftReferralVettingRequirement(needCode: "acute.housing") }');
});

test('a shelter assesses itself, a reviewer accepts, it shows as vetted, and an unvetted shelter is refused with the reason', async ({ browser }) => {
  test.setTimeout(240_000);
  const f = fixtures();

  // The network admin requires vetting for emergency housing.
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, admin(), '/network/vetting', f.adminPassword);
  await expect(adminPage.getByRole('heading', { name: 'Vetted referrals' })).toBeVisible();
  await adminPage.getByLabel('Need and service area').selectOption('acute.housing|SHELTER_HOUSING');
  await adminPage.getByRole('button', { name: 'Require vetting' }).click();
  await expect(adminPage.getByRole('list', { name: 'Needs requiring vetting' })).toContainText('only providers vetted for Shelter and housing');
  await expectAccessible(adminPage);

  // The shelter's coordinator completes the self-assessment, one standard per step.
  const page = await (await browser.newContext()).newPage();
  await signIn(page, world.coordinator, '/standards');
  await expect(page.getByRole('heading', { name: 'Service areas you provide' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Service areas you provide' }).getByRole('paragraph').first()).toHaveText('Shelter and housing');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Start a self-assessment' }).click();
  await expect(page).toHaveURL(/\/standards\/assessments\/[0-9a-f-]{36}$/);
  const form = page.getByRole('form', { name: 'Self-assessment' });
  await expect(form.getByText('0 of 34 standards answered')).toBeVisible();
  // The rubric sits beside each choice.
  await expect(form.getByRole('radio', { name: 'Meets the standard' })).toHaveAccessibleDescription(/.+/);
  await expectAccessible(page);
  for (let step = 1; step <= 34; step++) {
    await expect(form.getByText(`Step ${step} of 34`)).toBeVisible();
    if (step === 12) {
      await form.getByLabel('Evidence', { exact: true }).fill('Consent form, revised 2026; staff trained on it.');
      await form.getByLabel('Document references (one per line)').fill('Consent policy 2026\nIntake checklist');
    }
    await form.getByRole('radio', { name: 'Meets the standard' }).check();
    if (step < 34) await form.getByRole('button', { name: 'Save and next' }).click();
    else await form.getByRole('button', { name: 'Save', exact: true }).click();
  }
  await expect(form.getByText('34 of 34 standards answered')).toBeVisible();
  // Saved as it went: a reload keeps every answer.
  await page.reload();
  await expect(page.getByText('34 of 34 standards answered')).toBeVisible();
  await page.getByRole('button', { name: 'Submit the self-assessment' }).click();
  await expect(page.getByText('Awaiting review')).toBeVisible();

  // A reviewer outside the organization accepts every standard and records the outcome.
  const review = await (await browser.newContext()).newPage();
  await signIn(review, world.reviewer, '/standards/review');
  await review.getByRole('link', { name: new RegExp(`Review Harbor Shelter \\(test\\) ${run}, version 1`) }).click();
  await expect(review.getByRole('article', { name: 'Standard 12' })).toContainText('Consent form, revised 2026');
  await expectAccessible(review);
  const numbers = await review.getByRole('button', { name: /^Accept standard \d+$/ }).evaluateAll((buttons) => buttons.map((b) => b.textContent!.replace('Accept standard ', '')));
  expect(numbers).toHaveLength(34);
  for (const n of numbers) {
    await review.getByRole('button', { name: `Accept standard ${n}`, exact: true }).click();
    await expect(review.getByRole('status').filter({ hasText: `Standard ${n} accepted.` })).toBeVisible();
  }
  await review.getByRole('button', { name: 'Complete the review' }).click();
  await expect(review.getByText(/Outcome: vetted for Shelter and housing from/)).toBeVisible();

  // Anyone finds it as vetted, and its page says so.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/?need=acute.housing&near=Raleigh&vetted=SHELTER_HOUSING');
  const hit = visitor.getByRole('listitem').filter({ hasText: world.shelterName });
  await expect(hit).toContainText('Vetted: Shelter and housing');
  await expect(visitor.getByRole('listitem').filter({ hasText: f.haven.providerName })).toHaveCount(0);
  await expect(visitor.getByLabel('Shelter and housing')).toBeChecked();
  await expectAccessible(visitor);
  await visitor.goto(`/providers/${world.providerId}`);
  await expect(visitor.getByRole('list', { name: 'Vetted service areas' })).toContainText('Shelter and housing, until');
  await visitor.goto(`/providers/${f.haven.providerId}`);
  await expect(visitor.getByText('Not vetted')).toBeVisible();

  // An advocate refers: the unvetted shelter is refused with the reason, the vetted one takes it.
  const advocate = await (await browser.newContext()).newPage();
  await signIn(advocate, f.advocate, `/providers/${f.haven.providerId}/refer`);
  await advocate.getByLabel('Need').selectOption('acute.housing');
  await advocate.getByLabel('Urgency').selectOption('URGENT');
  await advocate.getByRole('button', { name: 'Send the referral' }).click();
  await expect(advocate.getByRole('alert')).toContainText('Only vetted providers can receive this referral');
  await expect(advocate.getByRole('alert')).toContainText('vetted for shelter and housing');
  await expect(advocate.getByRole('alert')).toContainText('is not vetted for it today');
  await advocate.goto(`/providers/${world.providerId}/refer`);
  await advocate.getByLabel('Need').selectOption('acute.housing');
  await advocate.getByLabel('Urgency').selectOption('URGENT');
  await advocate.getByRole('button', { name: 'Send the referral' }).click();
  await expect(advocate).toHaveURL(/\/referrals\/[0-9a-f-]{36}$/);

  // The Commission's statewide picture, and its download.
  await adminPage.goto('/standards/aggregate');
  await expect(adminPage.getByRole('table', { name: /service area/ })).toContainText('Shelter and housing');
  await expectAccessible(adminPage);
  const [download] = await Promise.all([adminPage.waitForEvent('download'), adminPage.getByRole('link', { name: 'Download the statewide picture (CSV)' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toMatch(/^[a-z_,]+$/);
  expect(csv).toContain('SHELTER_HOUSING');
});

test('the capacity checklist and action plan are kept by the organization, and not shown to others', async ({ browser, request }) => {
  const f = fixtures();
  const page = await (await browser.newContext()).newPage();
  await signIn(page, world.coordinator, '/standards/checklist');
  const first = page.locator('.checklist-item').filter({ has: page.getByRole('radio', { name: 'Yes' }) }).first();
  await first.getByRole('radio', { name: 'Yes' }).check();
  await first.getByLabel('Note').fill('Written protocol since 2025.');
  await first.getByRole('button', { name: 'Save the answer' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Answer saved.' })).toBeVisible();
  const review = page.getByRole('region', { name: 'Internal capacity review' });
  await review.getByRole('textbox').first().fill('Two advocates trained on trafficking; eight beds.');
  await review.getByRole('button', { name: 'Save the capacity review' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Capacity review saved.' })).toBeVisible();
  const goal = page.getByRole('form', { name: 'New goal' });
  await goal.getByLabel('Goal', { exact: true }).fill('Train every night-shift advocate');
  await goal.getByLabel('Organization engaged').fill('Triangle Advocates');
  await goal.getByLabel('Its responsibilities').fill('Lead two sessions');
  await goal.getByLabel('Timeline').fill('By June');
  await goal.getByRole('button', { name: 'Add the goal' }).click();
  await expect(page.getByRole('list', { name: 'Goals' })).toContainText('Train every night-shift advocate');
  await page.reload();
  await expect(page.getByRole('list', { name: 'Goals' })).toContainText('Triangle Advocates: Lead two sessions');
  await expect(page.getByLabel('Note').first()).toHaveValue('Written protocol since 2025.');
  await expectAccessible(page);

  // The organization adds a service area its listed services do not imply, saying why.
  await page.goto('/standards');
  const scope = page.getByRole('form', { name: 'Change a service area' });
  await scope.getByLabel('Service area').selectOption('PEER_SUPPORT');
  await scope.getByLabel('We provide it').check();
  await scope.getByLabel('Why').fill('Our survivor mentors meet weekly.');
  await scope.getByRole('button', { name: 'Save the service area' }).click();
  await expect(page.getByRole('list', { name: 'How each service area was decided' })).toContainText('Survivor peer support: provided — your choice: “Our survivor mentors meet weekly.”');
  await expect(page.getByRole('list', { name: 'How each service area was decided' })).toContainText('Shelter and housing: provided — your services’ needs imply it');

  // An MDT viewer sees the aggregate, never a checklist or an assessment.
  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, f.teamMember, '/standards/checklist');
  await expect(viewer.getByText('you cannot see your organization’s capacity checklist')).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Save the answer' })).toHaveCount(0);
  // Another organization's member cannot open this organization's assessment.
  const bearer = await token(request, world.coordinator);
  const assessments = await api(request, bearer, 'query { me { organization { id } } }');
  const mine = await api(request, bearer, 'query($o: ID!) { standardsAssessments(organizationId: $o) { id } }', { o: assessments.me.organization.id });
  const outsider = await (await browser.newContext()).newPage();
  await signIn(outsider, f.advocate, `/standards/assessments/${mine.standardsAssessments[0].id}`);
  await expect(outsider.getByRole('alert')).toBeVisible();
  await expect(outsider.getByText('Consent form, revised 2026')).toHaveCount(0);
  // Anonymous visitors are asked to sign in.
  const anonymous = await (await browser.newContext()).newPage();
  await anonymous.goto('/standards/review');
  await expect(anonymous.getByText('You need to sign in to review self-assessments')).toBeVisible();
});

test('a network admin makes a person a reviewer and revokes it; others cannot', async ({ browser, request }) => {
  const f = fixtures();
  const bearer = await token(request, admin(), f.adminPassword);
  const org = (await api(request, bearer, 'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: `Quality Reviewers (test) ${run}` })).createOrganization.id as string;
  await person(request, bearer, 'quality-reviewer', org, 'ADVOCATE');
  const page = await (await browser.newContext()).newPage();
  await signIn(page, admin(), '/network/reviewers', f.adminPassword);
  await page.getByLabel('Organization').selectOption({ label: `Quality Reviewers (test) ${run}` });
  await page.getByLabel('Person').selectOption({ label: 'quality-reviewer (fake)' });
  await page.getByRole('button', { name: 'Make them a reviewer' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'quality-reviewer (fake) now reviews self-assessments.' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Reviewers' })).toContainText('quality-reviewer (fake)');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Revoke quality-reviewer (fake)' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'quality-reviewer (fake) no longer reviews.' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Revoke quality-reviewer (fake)' })).toHaveCount(0);
  // A coordinator is shown why not, never the form.
  const other = await (await browser.newContext()).newPage();
  await signIn(other, f.coordinator, '/network/reviewers');
  await expect(other.getByText('you cannot choose who reviews self-assessments')).toBeVisible();
  await expect(other.getByRole('button', { name: 'Make them a reviewer' })).toHaveCount(0);
});
