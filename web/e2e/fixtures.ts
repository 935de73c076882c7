import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

/** A throwaway password for fake test people. */
export const PASSWORD = 'correct horse battery staple';
export const FIXTURES_PATH = process.env.LANTERN_E2E_FIXTURES ?? join(tmpdir(), 'lantern-e2e-fixtures.json');

export interface Person {
  email: string;
  userId: string;
  name: string;
}

export interface Fixtures {
  adminEmail: string;
  adminPassword: string;
  advocate: Person;
  teamMember: Person;
  outsider: Person;
  multi: Person;
  /** A coordinator of the advocates' organization (its follow-ups). */
  coordinator: Person;
  /** Provider staff keeping the Haven House listing. */
  providerStaff: Person;
  /** An advocate of another organization: party to no referral of the others. */
  nonMember: Person;
  organizations: { advocates: string; wakeTeam: string; durhamTeam: string; haven: string };
  /** The listing kept by Haven House (a network member that takes referrals). */
  haven: { providerId: string; providerName: string; serviceId: string; serviceName: string; organizationName: string };
}

export function fixtures(): Fixtures {
  return JSON.parse(readFileSync(FIXTURES_PATH, 'utf8')) as Fixtures;
}

/** Signs in through the app's own form. */
export async function signIn(page: Page, person: Pick<Person, 'email'>, next = '/', password = PASSWORD) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Signs in over the API (for set-up steps a test is not about) and returns a bearer token. */
export async function token(request: APIRequestContext, person: { email: string }, password = PASSWORD): Promise<string> {
  const r = await request.post('/graphql', {
    data: { query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: person.email, p: password } },
  });
  return (await r.json()).data.login.token as string;
}

/** A GraphQL call with a bearer token; throws on errors. */
export async function api(request: APIRequestContext, bearer: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await request.post('/graphql', { headers: { Authorization: `Bearer ${bearer}` }, data: { query, variables } });
  const body = await r.json();
  if (body.errors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The title and address of every entry of the tab's history (Chrome DevTools Protocol),
 *  to check none of them carries personal data. */
export async function historyEntries(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: { url: string; title: string }[] };
  await cdp.detach();
  return entries.flatMap((e) => [e.url, e.title]);
}

/** Fails if `secret` shows in the page's title, address or any history entry. */
export async function expectNotInAddressOrHistory(page: Page, ...secrets: string[]) {
  const title = await page.title();
  const href = await page.evaluate(() => window.location.href);
  const history = await historyEntries(page);
  for (const secret of secrets) {
    expect(title).not.toContain(secret);
    expect(decodeURIComponent(href)).not.toContain(secret);
    for (const entry of history) expect(decodeURIComponent(entry)).not.toContain(secret);
  }
}

/** No serious or critical accessibility violation on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
}

/** Fails the test on any Content-Security-Policy violation or script error. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}
