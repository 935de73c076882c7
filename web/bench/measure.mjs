// Measures the web app in headless Debian chromium against a running server
// (BENCH_URL); prints a Markdown section for BENCHMARKS.md. Run by scripts/bench-web.sh.
import { chromium } from '@playwright/test';
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const base = process.env.BENCH_URL;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 100);
const GAP_LOADS = Number(process.env.BENCH_GAP_LOADS ?? 10);
// Places and needs searched in turn (deterministic).
const PLACES = ['Raleigh', 'Charlotte', 'Greensboro', 'Durham', 'Winston-Salem', 'Fayetteville', 'Wilmington', 'Asheville', 'Greenville', 'Boone', 'Wake County', 'Mecklenburg County', 'Lumberton', 'Elizabeth City', 'Hickory', 'Sanford', '35.7796, -78.6382', 'Murphy', 'Rocky Mount', 'Jacksonville'];
const NEEDS = ['acute.housing', 'acute.emergency_response_24h', 'transitional.legal', 'transitional.mental_health', 'acute.medical', 'long_term.employment', ''];

const p = (values, q) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const ms = (v) => `${v.toFixed(1)} ms`;

const browser = await chromium.launch({ executablePath: process.env.LANTERN_CHROMIUM ?? '/usr/bin/chromium', args: ARGS });

// 1. First page: JS + CSS bytes as sent (gzip), from the responses the browser got.
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const assets = [];
const onResponse = async (r) => {
  const type = r.request().resourceType();
  if (type === 'script' || type === 'stylesheet') {
    const headers = await r.allHeaders();
    assets.push({ url: r.url(), type, encoding: headers['content-encoding'] ?? 'identity', bytes: Number(headers['content-length'] ?? (await r.body()).length) });
  }
};
page.on('response', onResponse);
await page.goto(`${base}/`, { waitUntil: 'networkidle' });
page.off('response', onResponse);
const firstPageBytes = assets.reduce((n, a) => n + a.bytes, 0);
if (assets.some((a) => a.encoding !== 'gzip')) throw new Error(`uncompressed asset: ${JSON.stringify(assets)}`);

// 2. Search → results drawn, through the form, as a person does it.
const searchTimes = [];
let resultCounts = 0;
for (let i = 0; i < SEARCHES + 5; i++) {
  const near = PLACES[i % PLACES.length];
  const need = NEEDS[i % NEEDS.length];
  await page.goto(`${base}/?${new URLSearchParams({ ...(need ? { need } : {}), near: PLACES[(i + 7) % PLACES.length] })}`);
  await page.getByRole('list', { name: 'Results' }).getByRole('listitem').first().waitFor();
  await page.getByLabel('Near').fill(near);
  await page.evaluate(() => performance.clearMeasures('lantern:search'));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => performance.getEntriesByName('lantern:search').length > 0);
  const [duration, count] = await page.evaluate(() => [
    performance.getEntriesByName('lantern:search')[0].duration,
    document.querySelectorAll('ol[aria-labelledby="results-heading"] > li').length,
  ]);
  if (count === 0) throw new Error(`no results for ${need} near ${near}`);
  resultCounts += count;
  if (i >= 5) searchTimes.push(duration); // the first few warm up the JIT and caches
}

// 3. The gap map: page opened → 100 counties coloured (signed in as a network admin).
const signIn = await context.request.post(`${base}/session`, {
  headers: { Origin: base },
  data: { email: process.env.BENCH_ADMIN_EMAIL, password: process.env.BENCH_ADMIN_PASSWORD },
});
if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()}`);
const gapTimes = [];
for (let i = 0; i < GAP_LOADS + 1; i++) {
  await page.goto(`${base}/gaps?need=acute.housing`);
  await page.waitForFunction(() => performance.getEntriesByName('lantern:gap-map').length > 0);
  const [duration, shapes] = await page.evaluate(() => [performance.getEntriesByName('lantern:gap-map')[0].duration, document.querySelectorAll('path[data-status]:not([data-status=""])').length]);
  if (shapes !== 100) throw new Error(`${shapes} counties drawn`);
  if (i >= 1) gapTimes.push(duration);
}
await browser.close();

const chromiumVersion = execSync('/usr/bin/chromium --version').toString().trim();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const rows = [
  ['First page (`/`): JavaScript + CSS, gzip as sent', kb(firstPageBytes), '≤ 300 KB', firstPageBytes <= 300 * 1024],
  [`Search pressed → results drawn, p95 of ${searchTimes.length} (p50 ${ms(p(searchTimes, 0.5))})`, ms(p(searchTimes, 0.95)), '≤ 150 ms', p(searchTimes, 0.95) <= 150],
  [`Gap map: page opened → 100 counties drawn, p95 of ${gapTimes.length} (p50 ${ms(p(gapTimes, 0.5))})`, ms(p(gapTimes, 0.95)), '≤ 500 ms', p(gapTimes, 0.95) <= 500],
];
console.log(`### Web app (issue 15): \`scripts/bench-web.sh\`

Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0].model}), ${Math.round(totalmem() / 2 ** 30)} GiB, headless ${chromiumVersion},
against a release build serving \`web/dist\` on the ${Number(process.env.BENCH_PROVIDERS).toLocaleString('en-US')}-provider synthetic bench directory
(${(resultCounts / (SEARCHES + 5)).toFixed(1)} results per search on average). Times come from the app's own performance marks:
Search press → list and map updated, then the next animation frame; gap map from navigation start.

| measure | result | target | |
|---|---|---|---|
${rows.map(([what, value, target, ok]) => `| ${what} | ${value} | ${target} | ${ok ? 'met' : '**missed**'} |`).join('\n')}

First-page assets: ${assets.map((a) => `${a.url.split('/').pop()} ${kb(a.bytes)}`).join(', ')}.`);
