// Browser tests against the real `lantern` binary serving the built app on a migrated,
// seeded database: scripts/web-e2e.sh starts everything and sets LANTERN_E2E_URL.
// Debian's chromium drives them (never `npx playwright install`).
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL: process.env.LANTERN_E2E_URL ?? 'http://127.0.0.1:8096',
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: process.env.LANTERN_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
});
