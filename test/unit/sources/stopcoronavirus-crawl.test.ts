import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetchText } from '../../../src/platform/source-fetch.ts';
import {
  crawlNewWeeklyPosts,
  parseListPage,
  selectNewWeeks,
  siteLayout,
  weeklyLinks,
  type WeekPost,
} from '../../../src/pipeline/sources/stopcoronavirus.ts';
import { SourceLayoutError } from '../../../src/pipeline/sources/errors.ts';
import { POSTS_DIR } from './real-files.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/stopcoronavirus/', import.meta.url));
const LIST_URL = 'https://объясняем.рф/stopkoronavirus/';
const SITE = 'https://xn--90aivcdt6dxbc.xn--p1ai';
const page = (n: number) => readFileSync(path.join(FIXTURES, `list-page-${n}.html`), 'utf8');
const EMPTY_PAGE = '<html><body><div class="u-material-cards"></div></body></html>';

/** The site as a map: list pages from the fixtures, posts from the real saved pages by slug. */
function fakeSite(pages: Record<number, string> = { 1: page(1), 2: page(2) }) {
  const posts = new Map(
    readdirSync(POSTS_DIR)
      .filter((f) => f.endsWith('.html'))
      .map((f) => [`${SITE}/stopkoronavirus/${f.slice('commit-2023-11-02_'.length, -'.html'.length)}/`, path.join(POSTS_DIR, f)]),
  );
  const fetched: string[] = [];
  const fetchText = (url: string) => {
    fetched.push(url);
    const u = new URL(url);
    if (u.pathname === '/stopkoronavirus/') return Promise.resolve(pages[Number(u.searchParams.get('PAGEN_1') ?? 1)] ?? EMPTY_PAGE);
    const file = posts.get(url);
    if (!file) return Promise.reject(new Error(`404 ${url}`));
    return Promise.resolve(readFileSync(file, 'utf8'));
  };
  return { fetchText, fetched };
}

const weeksOf = (posts: WeekPost[]) => posts.map((p) => `${p.week.weekStart}..${p.week.weekEnd} ${p.week.cases}/${p.week.deaths}`);

test('list page: cards with absolute URLs, weekly reports told apart from other posts', () => {
  const links = parseListPage(page(1), siteLayout(LIST_URL));
  assert.equal(links.length, 8);
  assert.deepEqual(links[0], {
    url: `${SITE}/stopkoronavirus/v-rossii-za-nedelyu-vyzdoroveli-21-524-cheloveka/`,
    slug: 'v-rossii-za-nedelyu-vyzdoroveli-21-524-cheloveka',
    title: 'В России за неделю выздоровели 21 524 человека',
    weekly: true,
  });
  assert.deepEqual(links.map((l) => l.weekly), [true, false, true, false, true, true, false, true]);
  const second = parseListPage(page(2), siteLayout(LIST_URL));
  // "В России выявлены десять случаев …" is about Russia but is no weekly report.
  assert.equal(second.find((l) => l.slug.startsWith('v-rossii-vyyavleny'))!.weekly, false);
  assert.equal(weeklyLinks([links, second, links]).length, 10);
});

test('site layout: paging by ?PAGEN_1=N on the site, list-page-N.html in a file mirror', () => {
  const site = siteLayout(LIST_URL);
  assert.equal(site.pageUrl(1), `${SITE}/stopkoronavirus/`);
  assert.equal(site.pageUrl(3), `${SITE}/stopkoronavirus/?PAGEN_1=3`);
  assert.equal(site.postUrl('/stopkoronavirus/abc/'), `${SITE}/stopkoronavirus/abc/`);
  const mirror = siteLayout('file:///srv/mirror/stopkoronavirus/');
  assert.equal(mirror.pageUrl(2), 'file:///srv/mirror/stopkoronavirus/list-page-2.html');
  assert.equal(mirror.postUrl('/stopkoronavirus/abc/'), 'file:///srv/mirror/stopkoronavirus/abc.html');
});

test('crawl: every weekly post newer than the last loaded week, across pages, oldest first', async () => {
  const site = fakeSite();
  const result = await crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: '2023-11-26' });
  assert.deepEqual(weeksOf(result.weeks), [
    '2023-11-27..2023-12-03 95079/138',
    '2023-12-04..2023-12-10 107174/148',
    '2024-01-08..2024-01-14 26993/150',
    '2024-01-15..2024-01-21 26000/141',
    '2024-01-29..2024-02-04 25751/107',
    '2024-04-01..2024-04-07 19954/69',
  ]);
  assert.equal(result.complete, true);
  assert.equal(result.pagesRead, 2);
  // It stopped at week 47 (already loaded): the older posts were never fetched.
  assert.ok(site.fetched.some((u) => u.includes('54-797')));
  assert.ok(!site.fetched.some((u) => u.includes('39-731') || u.includes('29-987') || u.includes('20-754')));
  // Posts that are not weekly reports are never fetched.
  assert.ok(!site.fetched.some((u) => u.includes('konvasel') || u.includes('mir-19')));
});

test('crawl: nothing loaded yet → every week listed, until the list ends', async () => {
  const site = fakeSite();
  const result = await crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: null });
  assert.equal(result.weeks.length, 10);
  assert.equal(result.weeks[0]!.week.weekStart, '2023-10-23');
  assert.equal(result.pagesRead, 3); // page 3 is empty: the end
  assert.equal(result.postsRead, 10);
  assert.equal(result.complete, true);
});

test('crawl: a site that shows the last page again for any N still ends', async () => {
  const site = fakeSite({ 1: page(1), 2: page(2), 3: page(2), 4: page(2) });
  const result = await crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: null });
  assert.equal(result.weeks.length, 10);
  assert.equal(result.pagesRead, 3);
});

test('crawl: a file:// mirror ends where its list-page-N.html files end', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stopcoronavirus-mirror-'));
  try {
    for (const n of [1, 2]) copyFileSync(path.join(FIXTURES, `list-page-${n}.html`), path.join(dir, `list-page-${n}.html`));
    for (const f of readdirSync(POSTS_DIR).filter((name) => name.endsWith('.html'))) {
      copyFileSync(path.join(POSTS_DIR, f), path.join(dir, f.slice('commit-2023-11-02_'.length)));
    }
    const result = await crawlNewWeeklyPosts({ listUrl: pathToFileURL(`${dir}/`).href, fetchText: (url) => fetchText(url), lastLoadedWeekEnd: null });
    assert.equal(result.weeks.length, 10);
    assert.equal(result.pagesRead, 2);
    assert.equal(result.complete, true);
    // A missing first page is no end of the list, it is an error.
    rmSync(path.join(dir, 'list-page-1.html'));
    await assert.rejects(crawlNewWeeklyPosts({ listUrl: pathToFileURL(`${dir}/`).href, fetchText: (url) => fetchText(url), lastLoadedWeekEnd: null }), /SOURCE_NOT_FOUND/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crawl: up to date → no weeks, one post read', async () => {
  const site = fakeSite();
  const result = await crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: '2024-04-07' });
  assert.deepEqual(result.weeks, []);
  assert.equal(result.postsRead, 1);
  assert.equal(result.complete, true);
});

test('crawl: maxPages reached before the loaded weeks → incomplete', async () => {
  const site = fakeSite();
  const result = await crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: '2023-10-29', maxPages: 1 });
  assert.equal(result.complete, false);
  assert.equal(result.weeks.length, 5);
});

test('crawl: a list page without cards is a layout error', async () => {
  const site = fakeSite({ 1: EMPTY_PAGE });
  await assert.rejects(crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText: site.fetchText, lastLoadedWeekEnd: null }), (error) => {
    assert.ok(error instanceof SourceLayoutError);
    assert.match(error.expected, /u-material-card/);
    return true;
  });
});

test('crawl: a weekly post whose layout changed fails the crawl', async () => {
  const broken = page(1).replace(
    'href="/stopkoronavirus/v-rossii-za-nedelyu-vyzdoroveli-21-524-cheloveka/"',
    'href="/stopkoronavirus/v-rossii-za-nedelyu-vyzdoroveli-1-chelovek/"',
  );
  const site = fakeSite({ 1: broken, 2: page(2) });
  const fetchText = (url: string) => (url.includes('-1-chelovek') ? Promise.resolve('<html><body><p>Страница переехала</p></body></html>') : site.fetchText(url));
  await assert.rejects(crawlNewWeeklyPosts({ listUrl: LIST_URL, fetchText, lastLoadedWeekEnd: null }), SourceLayoutError);
});

test('selectNewWeeks: newer than the watermark, one post per week (the newest listed), oldest first', () => {
  const post = (url: string, weekStart: string, weekEnd: string, cases: number): WeekPost => ({
    kind: 'week',
    url,
    heading: '',
    week: { country: 'RU', weekStart, weekEnd, cases, deaths: 0 },
  });
  const selected = selectNewWeeks(
    [post('c', '2024-01-15', '2024-01-21', 3), post('b2', '2024-01-08', '2024-01-14', 22), post('b1', '2024-01-08', '2024-01-14', 21), post('a', '2024-01-01', '2024-01-07', 1)],
    '2024-01-07',
  );
  assert.deepEqual(selected.map((p) => p.url), ['b2', 'c']);
});
