// The county gap map's "room now" view and the hours without available emergency housing
// (issue 18 item 6), in the browser.
import { expect, test } from '@playwright/test';
import { api, expectAccessible, fixtures, signIn, token, watchConsole } from './fixtures';

const ROOM_STATUSES = ['NO_PROVIDER', 'NO_ROOM', 'ROOM_NOW'];

test('the gap map shows, by keyboard, where no provider of a need has room now, and how fresh that is', async ({ page, request }) => {
  const problems = watchConsole(page);
  const f = fixtures();
  // A shelter of the provider staff's own in Hyde County (no other test sets figures there).
  const staff = await token(request, f.providerStaff);
  const name = `Hyde Room Now Shelter ${Date.now()} (synthetic)`;
  const providerId = (await api(request, staff, 'mutation($n: String!) { createProvider(input: { name: $n, kind: "dv_sa_agency" }) { id } }', { n: name })).createProvider.id;
  const serviceId = (await api(request, staff, 'mutation($p: ID!) { createService(providerId: $p, input: { name: "Night shelter", needs: ["acute.housing"] }) { id } }', { p: providerId })).createService.id;
  await api(request, staff, 'mutation($p: ID!) { createLocation(providerId: $p, input: { latitude: 35.4085, longitude: -76.3316, city: "Swan Quarter", state: "NC" }) { id } }', { p: providerId });
  const setBeds = (available: number) =>
    api(request, staff, 'mutation($s: ID!, $i: CapacityUpdate!) { setCapacity(serviceId: $s, input: $i) { unitCode } }', {
      s: serviceId,
      i: { unitCode: 'bed', available, status: available > 0 ? 'AVAILABLE' : 'NO_CAPACITY' },
    });
  await setBeds(0);

  await signIn(page, f.teamMember, '/gaps?need=acute.housing');
  const shapes = page.getByRole('region', { name: 'Map' }).locator('path[data-fips]');
  await expect(shapes).toHaveCount(100);
  // By keyboard: to the view choice, then the arrow key picks "Room now".
  await page.getByRole('radio', { name: 'Gap status' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Room now' })).toBeChecked();
  await expect(page).toHaveURL(/view=room/);
  await expect(page.getByRole('group', { name: /^Counties by room now for Housing/ })).toBeVisible();
  const hyde = page.locator('path[data-fips="37095"]');
  await expect(hyde).toHaveAttribute('data-status', 'NO_ROOM');
  await expect(hyde).toHaveAttribute('aria-label', 'Hyde County: No room now');
  const statuses = await shapes.evaluateAll((paths) => paths.map((p) => [p.getAttribute('aria-label'), p.getAttribute('data-status')]));
  for (const [label, status] of statuses) {
    expect(label).toMatch(/^[A-Z][A-Za-z. ]+ County: (No provider|No room now|Room now)$/);
    expect(ROOM_STATUSES).toContain(status);
  }
  const legend = page.getByRole('region', { name: 'Legend' });
  for (const s of ROOM_STATUSES) await expect(legend.getByText(s, { exact: true })).toBeVisible();
  // The figures' freshness: when they were read, and how long a bed's figure counts.
  await expect(legend).toContainText(/Figures as of \d{1,2}:\d\d [AP]M\. A figure counts as room only while it is fresh \(.*bed 12 hours/);
  await expect(page.getByRole('row', { name: /Hyde County/ })).toContainText('No room now');
  await expectAccessible(page);

  // A bed comes free: read again, and Hyde has room now.
  await setBeds(1);
  await page.getByRole('button', { name: 'Read the figures again' }).click();
  await expect(hyde).toHaveAttribute('data-status', 'ROOM_NOW');
  await expect(page.getByRole('row', { name: /Hyde County/ }).getByRole('cell').last()).toHaveText('1');
  // Back to the gap status: the same map, coloured by the FUTURES status.
  // (A click, not `check()`: the router applies the choice a moment later.)
  await page.getByRole('radio', { name: 'Gap status' }).click();
  await expect(page.getByRole('radio', { name: 'Gap status' })).toBeChecked();
  await expect(page).not.toHaveURL(/view=room/);
  await expect(hyde).toHaveAttribute('data-status', /^(NO_PROVIDER|NO_PARTNER|UNTRAINED|COVERED)$/);
  expect(problems).toEqual([]);
});

test('room now and hours without room are for members only: anonymous callers are refused', async ({ page }) => {
  await page.goto('/gaps?need=acute.housing&view=room');
  await expect(page.getByText('County gaps are for network members.')).toBeVisible();
  await expect(page.locator('path[data-fips]')).toHaveCount(0);
  const codes = await page.evaluate(async () => {
    const ask = async (query: string) => {
      const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) });
      return (await r.json()).errors?.[0]?.extensions?.code;
    };
    return [
      await ask('{ capacityRoomNow(need: "acute.housing") { countyFips status } }'),
      await ask('{ emergencyHousingGaps(period: { kind: YEAR, year: 2024 }) { countyFips hoursWithoutRoom } }'),
    ];
  });
  expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
});

test('a county page shows hours without available emergency housing for the period and its months', async ({ page }) => {
  await signIn(page, fixtures().teamMember, '/gaps/37095');
  const heading = page.getByRole('heading', { name: 'Hours without available emergency housing' });
  await expect(heading).toBeVisible();
  const table = page.getByRole('table', { name: 'Hours without available emergency housing' });
  // The newest published quarter, then its three months.
  await expect(table.locator('tbody tr')).toHaveCount(4);
  for (const cell of await table.locator('tbody td').allTextContents()) {
    expect(cell).toMatch(/^(\d+ of \d+ hours \(\d+%\)|withheld for privacy)$/);
  }
  await expectAccessible(page);
});
