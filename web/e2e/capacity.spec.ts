// Who has room tonight (issue 18), in the browser: night staff set tonight's beds in one
// action each, and an advocate searching for emergency housing sees who has room now and
// how fresh that is.
import { expect, test } from '@playwright/test';
import { api, expectAccessible, fixtures, signIn, token } from './fixtures';

test('night staff set beds with one press each; a search for room now finds them, with the age', async ({ page, request, browser }) => {
  const f = fixtures();
  // A shelter of the provider staff's own, so no other test's answers change its figures.
  const staff = await token(request, f.providerStaff);
  const name = `Room Tonight Shelter ${Date.now()} (synthetic)`;
  const providerId = (await api(request, staff, 'mutation($n: String!) { createProvider(input: { name: $n, kind: "dv_sa_agency" }) { id } }', { n: name })).createProvider.id;
  await api(request, staff, 'mutation($p: ID!) { createService(providerId: $p, input: { name: "Night shelter", needs: ["acute.housing"] }) { id } }', { p: providerId });
  await api(request, staff, 'mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.7804, longitude: -78.6391, city: "Raleigh", state: "NC" }) { id } }', { p: providerId });

  await signIn(page, f.providerStaff, `/providers/${providerId}/capacity`);
  await expect(page.getByRole('heading', { name: "Tonight's capacity" })).toBeVisible();
  await page.getByLabel('Add a unit').selectOption({ label: 'Bed' });
  await page.getByLabel('free now').fill('1');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByRole('row', { name: /Bed/ });
  await expect(row.getByRole('cell').first()).toHaveText('1');
  await page.getByRole('button', { name: 'One bed more' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Bed: one more' })).toBeVisible();
  await expect(row.getByRole('cell').first()).toHaveText('2');
  await expect(row).toContainText('Room now');
  await expect(row).toContainText('just now');
  await expectAccessible(page);

  // An advocate, not signed in: "Have room now" finds the shelter, with the figure's age.
  const advocate = await browser.newPage();
  await advocate.goto('/?need=acute.housing&near=Raleigh&within=5');
  await advocate.getByText('More filters').click().catch(() => undefined);
  await advocate.getByLabel('Have room now').check();
  await advocate.getByRole('button', { name: 'Search' }).click();
  await expect(advocate).toHaveURL(/room=1/);
  const result = advocate.getByRole('listitem').filter({ has: advocate.getByRole('link', { name }) });
  await expect(result).toContainText('Bed: room now, 2 free — set just now');
  // Every result of that search has room now.
  const lines = await advocate.getByRole('list', { name: 'Capacity' }).allTextContents();
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).toMatch(/room now/);
  await advocate.getByRole('link', { name }).click();
  await expect(advocate.getByRole('list', { name: 'Night shelter: capacity' })).toContainText('Bed: room now, 2 free');

  // One press down to none: the shelter leaves "room now" at once.
  await page.getByRole('button', { name: 'One bed fewer' }).click();
  await page.getByRole('button', { name: 'One bed fewer' }).click();
  await expect(row.getByRole('cell').first()).toHaveText('0');
  await advocate.goto('/?need=acute.housing&near=Raleigh&within=5&room=1');
  await expect(advocate.locator('.summary')).not.toHaveText(/Searching|Choose a need/);
  await expect(advocate.getByRole('link', { name })).toHaveCount(0);
  await advocate.close();
});
