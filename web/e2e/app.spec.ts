import { expect, test } from '@playwright/test';
import { PASSWORD, expectAccessible, fixtures, signIn, watchConsole } from './fixtures';

const STATUSES = ['NO_PROVIDER', 'NO_PARTNER', 'UNTRAINED', 'COVERED'];
const CONFIDENTIAL_STREET = '1357 Walnut St'; // the synthetic Morehead City shelter (seed data)
const SHELTER = 'Morehead City Restore Anti-Trafficking Program (synthetic)';

test.describe('finding help (anonymous)', () => {
  test('search by need and town, open a provider, and reload the shared URL', async ({ page }) => {
    const problems = watchConsole(page);
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByLabel('Need').fill('emergency housing');
    await page.getByRole('option', { name: 'Housing', exact: true }).click();
    await expect(page.getByLabel('Need')).toHaveValue('Housing');
    await page.getByLabel('Near').fill('Raleigh');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\?need=acute\.housing&near=Raleigh$/);
    const results = page.getByRole('list', { name: 'Results' });
    await expect(results.getByRole('listitem').first()).toBeVisible();
    const distances = await results.locator('.distance').allInnerTexts();
    const miles = distances.filter((d) => /mi away$/.test(d)).map((d) => Number(d.replace(/[^\d.]/g, '')));
    expect(miles.length).toBeGreaterThan(2);
    expect([...miles].sort((a, b) => a - b)).toEqual(miles); // nearest first
    // The map shows the results as shapes over the county boundaries.
    const map = page.getByRole('region', { name: 'Map' });
    await expect(map.locator('path[role="img"]').first()).toBeAttached();
    expect(await map.locator('path').count()).toBeGreaterThan(100);
    await expectAccessible(page);

    // Shared or bookmarked: the same URL runs the same search.
    const first = await results.getByRole('link').first().innerText();
    await page.reload();
    await expect(results.getByRole('link').first()).toHaveText(first);

    await results.getByRole('link').first().click();
    await expect(page).toHaveURL(/\/providers\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(first);
    for (const section of ['Phones', 'Working with them', 'Services', 'Needs they meet', 'Languages and people served', 'Service area', 'Locations']) {
      await expect(page.getByRole('heading', { name: section, exact: true })).toBeVisible();
    }
    await expect(page.getByText('Trained on human trafficking?')).toBeVisible();
    await expectAccessible(page);
    expect(problems).toEqual([]);
  });

  test('a confidential shelter appears only as its county', async ({ page }) => {
    await page.goto('/?need=acute.emergency_response_24h&near=Morehead+City');
    const results = page.getByRole('list', { name: 'Results' });
    const shelter = results.getByRole('listitem').filter({ hasText: SHELTER });
    await expect(shelter).toContainText('Confidential location in Carteret County');
    await expect(page.locator('body')).not.toContainText(CONFIDENTIAL_STREET);
    await expect(page.getByRole('region', { name: 'Map' }).locator('path[aria-label^="Confidential location in Carteret County"]')).toBeAttached();
  });

  test('a county name searches the county; an unknown place gets suggestions', async ({ page }) => {
    await page.goto('/?need=acute.housing&near=Wake+County');
    await expect(page.getByRole('status').filter({ hasText: 'located in or serving Wake County' })).toBeVisible();
    await page.goto('/?near=Ralei');
    await expect(page.getByRole('alert')).toContainText('We don’t know'.replace('’', "'"));
    await page.getByRole('button', { name: 'Raleigh' }).click();
    await expect(page).toHaveURL(/near=Raleigh$/);
    await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toBeVisible();
  });

  test('keyboard only: choose a need, type a place, search, open a result', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Find help', level: 1 })).toBeVisible();
    await page.keyboard.press('Tab'); // skip link
    await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
    await page.getByLabel('Need').focus();
    await page.keyboard.type('legal visa');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Need')).toHaveValue('Legal: U & T Visa, Civil, Criminal, Protection Orders');
    await page.getByLabel('Near').focus();
    await page.keyboard.type('35.7796, -78.6382');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/need=transitional\.legal/);
    const link = page.getByRole('list', { name: 'Results' }).getByRole('link').first();
    await link.focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/providers\//);
  });

  test('works on a phone', async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      geolocation: { latitude: 35.994, longitude: -78.8986 },
      permissions: ['geolocation'],
    });
    const page = await context.newPage();
    // An advocate in the field: "Use my location" fills Near.
    await page.goto('/');
    await page.getByRole('button', { name: 'Use my location' }).click();
    await expect(page.getByLabel('Near')).toHaveValue('35.994, -78.899');
    await page.goto('/?need=acute.housing&near=Durham');
    await expect(page.getByRole('list', { name: 'Results' }).getByRole('listitem').first()).toBeVisible();
    await expect(page.getByRole('region', { name: 'Map' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await context.close();
  });
});

test.describe('signing in', () => {
  test('Email, Password, Sign in; choose the organization; the token stays out of reach of scripts', async ({ page, context }) => {
    const f = fixtures();
    await page.goto('/login');
    await expectAccessible(page);
    await page.getByLabel('Email').fill(f.multi.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('The email or password is not right. Check them and try again.');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const choice = page.getByRole('group', { name: 'Organization' });
    await expect(choice.getByRole('radio')).toHaveCount(2);
    await expectAccessible(page);
    await choice.getByRole('radio', { name: /Wake County MDT/ }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('banner')).toContainText('Morgan Multi, Wake County MDT');
    await expect(page).toHaveURL(/\/$/);
    const cookie = (await context.cookies()).find((c) => c.name === 'lantern_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('lts_');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect((await context.cookies()).find((c) => c.name === 'lantern_session')).toBeUndefined();
  });

  test('a session that ends returns to sign-in', async ({ page, request }) => {
    const f = fixtures();
    await signIn(page, f.teamMember, '/gaps');
    await expect(page.getByRole('heading', { name: 'County gaps' })).toBeVisible();
    // End every session of this person, as the idle timeout would.
    const admin = await request.post('/graphql', {
      data: { query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: f.adminEmail, p: f.adminPassword } },
    });
    const token = (await admin.json()).data.login.token;
    await request.post('/graphql', {
      headers: { Authorization: `Bearer ${token}` },
      data: { query: 'mutation($u: ID!) { revokeUserTokens(userId: $u) }', variables: { u: f.teamMember.userId } },
    });
    await page.getByRole('link', { name: 'Wake County' }).click();
    await expect(page).toHaveURL(/\/login\?ended=1&next=%2Fgaps%2F37183/);
    await expect(page.getByText('Your session has ended. Sign in again to continue.')).toBeVisible();
  });
});

test.describe('the printable sheet', () => {
  test('ticked providers on one page, never with a confidential address', async ({ page }) => {
    const f = fixtures();
    await signIn(page, f.advocate); // advocates may see where shelters are; the sheet still must not
    const shelterAddress = await page.evaluate(async () => {
      const r = await fetch('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: '{ searchProviders(filter: { near: { lat: 34.7235, lon: -76.7260 }, needs: ["acute.emergency_response_24h"] }, first: 5) { nodes { provider { name locations { confidential address { street } } } } } }' }),
      });
      return JSON.stringify(await r.json());
    });
    expect(shelterAddress).toContain(CONFIDENTIAL_STREET); // the API lets an advocate see it…
    await page.goto('/?need=acute.emergency_response_24h&near=Morehead+City');
    const results = page.getByRole('list', { name: 'Results' });
    await results.getByRole('listitem').filter({ hasText: SHELTER }).getByLabel('Add to printable sheet').check();
    const other = results.getByRole('listitem').filter({ hasNotText: SHELTER }).first();
    const otherName = await other.getByRole('heading').innerText();
    await other.getByLabel('Add to printable sheet').check();
    await page.getByRole('link', { name: 'Printable sheet (2)' }).click();
    const sheet = page.getByRole('list', { name: 'Providers on the sheet' });
    await expect(sheet.getByRole('heading', { level: 2 })).toHaveText([SHELTER, otherName]);
    await expect(sheet).toContainText('Confidential location in Carteret County — call to arrange');
    await expect(page.locator('body')).not.toContainText(CONFIDENTIAL_STREET); // …the sheet never shows it
    await expectAccessible(page);
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByRole('banner')).toBeHidden();
    await expect(page.getByRole('button', { name: 'Print this sheet' })).toBeHidden();
    await expect(sheet).toBeVisible();
  });
});

test.describe('county gaps', () => {
  test('the gap map: 100 county shapes with name and status, legend, downloads, a county page with 33 rows', async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto('/gaps');
    await expect(page.getByText('County gaps are for network members.')).toBeVisible();
    await signIn(page, fixtures().teamMember, '/gaps');
    const shapes = page.getByRole('region', { name: 'Map' }).locator('path[data-fips]');
    await expect(shapes).toHaveCount(100);
    const labels = await shapes.evaluateAll((paths) => paths.map((p) => [p.getAttribute('role'), p.getAttribute('aria-label'), p.getAttribute('data-status')]));
    for (const [role, label, status] of labels) {
      expect(role).toBe('img');
      expect(label).toMatch(/^[A-Z][A-Za-z. ]+ County: (No provider|No partner|Not trained on HT|Covered)$/);
      expect(STATUSES).toContain(status);
    }
    const legend = page.getByRole('region', { name: 'Legend' });
    for (const s of STATUSES) await expect(legend.getByText(s, { exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'CSV (spreadsheet)' })).toHaveAttribute('href', '/exports/gap-matrix.csv');
    const csv = await page.request.get('/exports/gap-matrix.csv');
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('NO_PROVIDER');
    const geojson = await page.request.get('/exports/gap-matrix.geojson');
    expect((await geojson.json()).features).toHaveLength(100);
    await expect(page.getByRole('table').getByRole('row')).toHaveCount(101);
    await expectAccessible(page);

    // Another need recolours the map.
    const before = labels.map((l) => l[2]).join();
    await page.getByLabel('Need').selectOption('long_term.child_care');
    await expect(page).toHaveURL(/need=long_term\.child_care/);
    await expect.poll(async () => (await shapes.evaluateAll((ps) => ps.map((p) => p.getAttribute('data-status')))).join()).not.toBe(before);

    await page.getByRole('link', { name: 'Wake County' }).click();
    await expect(page).toHaveURL(/\/gaps\/37183$/);
    const assessment = page.getByRole('table').first();
    await expect(assessment.locator('tbody th[scope="row"]')).toHaveCount(33);
    // Who can meet it: providers by name, as on the paper form.
    await expect(assessment.locator('tr[data-need="acute.housing"] a[href^="/providers/"]').first()).toBeVisible();
    for (const column of ['Need', 'Who can meet it?', 'Have a contact?', 'Partner with them?', 'Trained on HT?', 'Status']) {
      await expect(assessment.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
    }
    await expect(page.getByRole('heading', { name: /^Referral demand, /  })).toBeVisible();
    await expectAccessible(page);
    expect(problems).toEqual([]);
  });

  test('a team member edits the worksheet', async ({ page }) => {
    await signIn(page, fixtures().teamMember, '/gaps/37183');
    const text = `Emergency beds for minors are short (${Date.now()})`;
    await page.getByLabel('Community needs').fill(text);
    await page.getByRole('button', { name: 'Save the worksheet' }).click();
    await expect(page.getByText('Saved.')).toBeVisible();
    await page.reload();
    await expect(page.getByLabel('Community needs')).toHaveValue(text);
    await expect(page.getByRole('heading', { name: 'Edit history' })).toBeVisible();
    await page.getByLabel('Goal', { exact: true }).fill('Recruit a second emergency shelter');
    await page.getByRole('button', { name: 'Add the action item' }).click();
    await expect(page.getByRole('region', { name: 'Action items' })).toContainText('Recruit a second emergency shelter');
  });

  test('a non-member cannot edit the worksheet', async ({ page }) => {
    await signIn(page, fixtures().outsider, '/gaps/37183');
    await expect(page.getByText('Only the organizations on Wake County’s team can edit this worksheet.')).toBeVisible();
    await expect(page.getByLabel('Community needs')).toHaveAttribute('readonly', '');
    await expect(page.getByRole('button', { name: 'Save the worksheet' })).toHaveCount(0);
    // And the API refuses them whatever the page shows.
    const answer = await page.evaluate(async () => {
      const r = await fetch('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { updateCountyWorksheet(fips: "37183", version: 1, input: { gaps: "defaced" }) { version } }' }),
      });
      return (await r.json()).errors?.[0]?.extensions?.code;
    });
    expect(answer).toBe('FORBIDDEN');
    await expectAccessible(page);
  });
});

test('every other page passes axe: the sheet, not found', async ({ page }) => {
  await page.goto('/sheet');
  await expect(page.getByRole('heading', { name: 'Places that can help' })).toBeVisible();
  await expectAccessible(page);
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expectAccessible(page);
});
