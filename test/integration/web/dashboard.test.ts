// The dashboard at /app/ in headless Chromium against the real API (its own PostgreSQL and
// ClickHouse databases): a new user registers, signs in with the fresh key, picks Russia and
// reads the table against what the API serves; compares two places, switches the scale, zooms,
// exports CSV; axe-core finds no serious or critical violation; the page fits 375 px; nothing is
// fetched from another origin and the console stays clean; the URL holds the view, never the key.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DASHBOARD_CSP } from '../../../src/api/routes/app.routes.ts';
import { buildWeb } from '../../../src/web/build.ts';
import { launchChromium, openWatchedPage, type WatchedPage } from '../../support/browser.ts';
import { createApiTestContext, dateRange, type ApiTestContext, type DailyInsert } from '../api/context.ts';
import { axeViolations, SCREENSHOTS } from './support.ts';

/** Russia: 60 days with a gap of 3 (no rows) and a spread week; Germany: 60 days. */
function rows(): DailyInsert[] {
  const russia = dateRange('2024-01-01', 60)
    .filter((date) => date < '2024-01-20' || date > '2024-01-22')
    .map((date, i) => ({ country: 'RU', date, cases: 1000 + 10 * i, deaths: 10 + (i % 5), estimated: date >= '2024-02-05' && date <= '2024-02-11', source: 'who' }));
  const germany = dateRange('2024-01-01', 60).map((date, i) => ({ country: 'DE', date, cases: 500 + 3 * i, deaths: 5 + (i % 3), source: 'who' }));
  return [...russia, ...germany];
}

interface DailyRow {
  date: string;
  cases: number;
  cases_7d: number | null;
}

void describe('the dashboard in a browser', () => {
  let ctx: ApiTestContext;
  let browser: Browser;
  let origin: string;
  let watched: WatchedPage;
  let page: Page;
  let key: string;

  before(async () => {
    await buildWeb();
    await mkdir(SCREENSHOTS, { recursive: true });
    ctx = await createApiTestContext();
    await ctx.insertDaily(rows());
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    watched = await openWatchedPage(browser, origin, { viewport: { width: 1200, height: 900 } });
    page = watched.page;
  });
  after(async () => {
    await browser?.close();
    await ctx?.close();
  });

  const apiRows = async (place: string): Promise<DailyRow[]> => {
    const response = await ctx.app.inject({ url: `/v1/daily?country=${place}&fields=date,cases,cases_7d`, headers: { 'x-key': key } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ data: DailyRow[] }>().data;
  };
  const query = () => new URL(page.url()).searchParams;
  const placesBox = () => page.getByRole('combobox', { name: 'Places' });

  void it('serves the page from the package with a strict policy', async () => {
    const index = await ctx.app.inject({ url: '/app/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.headers['content-type'] as string, /^text\/html/);
    assert.equal(index.headers['content-security-policy'], DASHBOARD_CSP);
    const script = await ctx.app.inject({ url: '/app/app.js' });
    assert.equal(script.statusCode, 200);
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);
    const cached = await ctx.app.inject({ url: '/app/app.js', headers: { 'if-none-match': script.headers.etag as string } });
    assert.equal(cached.statusCode, 304);
    assert.equal((await ctx.app.inject({ url: '/app/nothing.js' })).statusCode, 404);
    const bare = await ctx.app.inject({ url: '/app' });
    assert.deepEqual([bare.statusCode, bare.headers.location], [301, '/app/']);
  });

  void it('a new user registers, signs in with the fresh key, picks Russia and reads the table', async () => {
    await page.goto(`${origin}/app/`);
    await page.getByText('No key yet? Register').click();
    await page.getByLabel('User name').fill('newcomer');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Your API key, shown only this once').waitFor();
    key = (await page.locator('#new-key-value').innerText()).trim();
    assert.match(key, /\S{20,}/);

    await page.getByLabel('API key', { exact: true }).fill(key);
    const started = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#chart canvas').first().waitFor();
    console.log(`first chart drawn ${Date.now() - started} ms after "Sign in"`);

    // Start from nothing chosen, then pick Russia by its name.
    for (const remove of await page.getByRole('button', { name: /^Remove / }).all()) await remove.click();
    await placesBox().fill('russ');
    await page.getByRole('option', { name: 'Russia' }).click();
    await page.getByRole('button', { name: 'Remove Russia' }).waitFor();
    assert.equal(query().get('places'), 'RU');

    await page.getByRole('button', { name: 'Show as table' }).click();
    const served = await apiRows('RU');
    const latest = served[served.length - 1]!;
    const firstRow = page.locator('#table-wrap tbody tr').first();
    await firstRow.waitFor();
    assert.equal(await firstRow.locator('th').innerText(), latest.date);
    assert.equal(Number((await firstRow.locator('td').first().innerText()).replace(/\D/g, '')), latest.cases);
    // Days without a row are in the table as dashes, not left out or filled.
    const gapRow = page.locator('#table-wrap tbody tr', { has: page.locator('th', { hasText: '2024-01-21' }) });
    assert.equal((await gapRow.locator('td').first().innerText()).trim(), '–');

    const figures = page.locator('#figures article').first();
    assert.match(await figures.innerText(), new RegExp(latest.date));
    assert.match(await figures.innerText(), new RegExp(Math.round(latest.cases_7d! * 7).toLocaleString('en')));

    assert.ok(!page.url().includes(key), 'the key is not in the URL');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'the key is not kept unless asked');
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard-table.png`, fullPage: true });
  });

  void it('compares two places, switches the scale, zooms to dates and keeps the view in the URL', async () => {
    await placesBox().fill('de');
    await placesBox().press('Enter');
    await page.getByRole('button', { name: 'Remove Germany' }).waitFor();
    assert.equal(query().get('places'), 'RU,DE');
    await page.locator('#figures article').nth(1).waitFor();
    await page.locator('#table-wrap thead th').nth(4).waitFor();
    assert.equal(await page.locator('#figures article').count(), 2);
    assert.equal(await page.locator('#table-wrap thead th').count(), 5);

    await page.getByRole('radio', { name: 'Log' }).check();
    assert.equal(query().get('scale'), 'log');
    await page.getByRole('radio', { name: 'Deaths' }).check();
    assert.equal(query().get('measure'), 'deaths');
    await page.getByLabel('From').fill('2024-02-01');
    await page.getByLabel('From').dispatchEvent('change');
    assert.equal(query().get('from'), '2024-02-01');
    const dates = await page.locator('#table-wrap tbody th').allInnerTexts();
    assert.ok(dates.length > 0 && dates.every((date) => date >= '2024-02-01'), 'the table follows the range');

    // The same URL opened afresh shows the same view (after signing in again).
    const bookmark = page.url();
    const other = await openWatchedPage(browser, origin, { viewport: { width: 1200, height: 900 } });
    try {
      await other.page.goto(bookmark);
      await other.page.getByLabel('API key', { exact: true }).fill(key);
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await other.page.getByRole('button', { name: 'Remove Germany' }).waitFor();
      assert.equal(await other.page.getByRole('radio', { name: 'Log' }).isChecked(), true);
      assert.equal(await other.page.getByRole('radio', { name: 'Deaths' }).isChecked(), true);
      assert.equal(await other.page.getByLabel('From').inputValue(), '2024-02-01');
    } finally {
      await other.context.close();
    }
    await page.getByRole('radio', { name: 'Cases' }).check();
    await page.getByRole('radio', { name: 'Linear' }).check();
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard.png` });
  });

  void it('downloads the selection as the CSV the API serves', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const saved = await readFile((await download.path()), 'utf8');
    const fields = 'country,date,cases,deaths,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths,estimated,source';
    const expected = await ctx.app.inject({ url: `/v1/daily?country=RU,DE&start=2024-02-01&fields=${fields}&format=csv`, headers: { 'x-key': key } });
    assert.equal(saved, expected.body);
    assert.match(download.suggestedFilename(), /^covid-etl-RU-DE-2024-02-01-end\.csv$/);
  });

  void it('is usable with the keyboard alone', async () => {
    await placesBox().focus();
    await placesBox().fill('');
    await page.keyboard.type('France');
    assert.equal(await page.getByRole('option', { name: 'France' }).count(), 0, 'only countries with data are offered');
    await placesBox().fill('');
    await page.keyboard.press('Escape');
    await page.locator('#chart').focus();
    await page.keyboard.press('End');
    const reading = page.locator('#chart-reading');
    await reading.waitFor();
    assert.match(await reading.innerText(), /2024-02-29/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await reading.innerText(), /2024-02-28/);
    assert.match(await reading.innerText(), /Russia: [\d,]+ cases, 7-day mean [\d,.]+, who, reported/);
  });

  void it('has no serious or critical accessibility violations', async () => {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, []);
  });

  void it('fits a 375 px wide phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(200); // the chart follows its container's new width
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `page is ${widths.scroll} px wide in a ${widths.client} px window`);
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: `${SCREENSHOTS}/dashboard-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  void it('fetched nothing from another origin and logged no error', () => {
    assert.deepEqual(watched.foreignRequests, []);
    assert.deepEqual(watched.failedRequests, []);
    assert.deepEqual(watched.consoleErrors, []);
  });

  void it('says clearly when the key is wrong, the rate limit is hit or the API is down', async () => {
    const other = await openWatchedPage(browser, origin, { colorScheme: 'dark' });
    try {
      const { page: p } = other;
      await p.goto(`${origin}/app/`);
      const signIn = async (value: string) => {
        await p.getByLabel('API key', { exact: true }).fill(value);
        await p.getByRole('button', { name: 'Sign in' }).click();
      };
      await signIn('not-a-real-key-0000000000000000');
      await p.getByRole('alert').filter({ hasText: 'This API key was not accepted' }).waitFor();

      // The answers of a rate-limited or unavailable API, as the page receives them.
      await p.route('**/v1/status', (route) =>
        route.fulfill({ status: 429, headers: { 'retry-after': '3', 'content-type': 'application/problem+json' }, body: '{"detail":"slow down"}' }),
      );
      await signIn(key);
      await p.getByRole('alert').filter({ hasText: 'Too many requests with this key right now. Try again in 3 s.' }).waitFor();
      await p.unroute('**/v1/status');
      await p.route('**/v1/status', (route) => route.abort('connectionrefused'));
      await signIn(key);
      await p.getByRole('alert').filter({ hasText: 'The API is unavailable right now' }).waitFor();
      await p.screenshot({ path: `${SCREENSHOTS}/dashboard-sign-in-dark.png` });
      assert.deepEqual(other.foreignRequests, []);
    } finally {
      await other.context.close();
    }
  });
});
