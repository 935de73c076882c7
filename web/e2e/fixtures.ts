import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

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
  organizations: { advocates: string; wakeTeam: string; durhamTeam: string };
}

export function fixtures(): Fixtures {
  return JSON.parse(readFileSync(FIXTURES_PATH, 'utf8')) as Fixtures;
}

/** Signs in through the app's own form. */
export async function signIn(page: Page, person: Person, next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
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
