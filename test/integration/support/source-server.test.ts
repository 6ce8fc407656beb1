// The local source server itself: each fault does what the fault suite relies on, validators and
// 304 work, list paging works, and nothing it opens keeps the process alive. Plain fetch only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { load } from 'cheerio';
import {
  SOURCE_FILES,
  WEEK_RANGE,
  editCsv,
  editCsvFile,
  listCards,
  listFixtureFiles,
  savedPosts,
  startSourceServer,
  weeklyPostHtml,
  type SourceServer,
} from '../../support/source-server.ts';

const run = promisify(execFile);
const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());
const firstLine = (file: string) => {
  const data = readFileSync(file);
  return data.subarray(0, data.indexOf(0x0a) + 1);
};

describe('source server', () => {
  let server: SourceServer;
  const ecdc = readFileSync(SOURCE_FILES.ecdcFinal);
  const [fixture1, fixture2] = listFixtureFiles().map((f) => readFileSync(f));

  before(async () => {
    server = await startSourceServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  describe('CSV routes', () => {
    it('serve the real files byte for byte, with validators', async () => {
      const who = await fetch(server.whoUrl);
      assert.equal(who.status, 200);
      assert.match(who.headers.get('content-type') ?? '', /^text\/csv/);
      assert.ok(who.headers.get('etag'));
      assert.ok(who.headers.get('last-modified'));
      assert.ok((await bytes(who)).equals(readFileSync(SOURCE_FILES.whoDaily)));

      const res = await fetch(server.ecdcUrl);
      assert.equal(Number(res.headers.get('content-length')), ecdc.length);
      assert.ok((await bytes(res)).equals(ecdc));

      const head = await fetch(server.ecdcUrl, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('etag'), res.headers.get('etag'));
    });

    it('answer 304 to a matching If-None-Match or If-Modified-Since, 200 once the content changes', async () => {
      const first = await fetch(server.whoUrl, { method: 'HEAD' });
      const etag = first.headers.get('etag')!;
      const lastModified = first.headers.get('last-modified')!;

      const byTag = await fetch(server.whoUrl, { headers: { 'if-none-match': etag } });
      assert.equal(byTag.status, 304);
      assert.equal((await bytes(byTag)).length, 0);
      assert.equal(byTag.headers.get('etag'), etag);
      assert.equal((await fetch(server.whoUrl, { headers: { 'if-none-match': `W/${etag}, "other"` } })).status, 304);
      assert.equal((await fetch(server.whoUrl, { headers: { 'if-modified-since': lastModified } })).status, 304);
      const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
      const changedSince = await fetch(server.whoUrl, { headers: { 'if-modified-since': older } });
      assert.equal(changedSince.status, 200);
      await changedSince.body?.cancel();
      // If-None-Match wins over If-Modified-Since.
      const stale = await fetch(server.whoUrl, { headers: { 'if-none-match': '"stale"', 'if-modified-since': lastModified } });
      assert.equal(stale.status, 200);
      await stale.body?.cancel();

      // Another release (another file): another ETag, the old one no longer matches.
      server.setFile('who', SOURCE_FILES.whoWeekly20250928);
      const weekly = await fetch(server.whoUrl, { headers: { 'if-none-match': etag } });
      assert.equal(weekly.status, 200);
      assert.notEqual(weekly.headers.get('etag'), etag);
      assert.ok((await bytes(weekly)).equals(readFileSync(SOURCE_FILES.whoWeekly20250928)));

      // Content built in memory: the ETag follows its bytes.
      server.setBody('who', 'a,b\n1,2\n');
      const v1 = (await fetch(server.whoUrl, { method: 'HEAD' })).headers.get('etag')!;
      assert.equal((await fetch(server.whoUrl, { headers: { 'if-none-match': v1 } })).status, 304);
      server.setBody('who', 'a,b\n1,3\n');
      const v2 = await fetch(server.whoUrl, { headers: { 'if-none-match': v1 } });
      assert.equal(v2.status, 200);
      assert.equal(await v2.text(), 'a,b\n1,3\n');
    });

    it('serve a WHO file with revised and added rows built in memory', async () => {
      const modified = editCsvFile(SOURCE_FILES.whoDaily, {
        row(row) {
          if (row.Country_code !== 'RU') return undefined;
          if (row.Date_reported === '2023-06-01') return { ...row, New_cases: '12345' };
          if (row.Date_reported === '2023-06-07') return [row, { ...row, Date_reported: '2023-06-08', New_cases: '7' }];
          return undefined;
        },
      });
      server.setBody('who', modified);
      const text = await (await fetch(server.whoUrl)).text();
      const lines = text.split('\n');
      assert.equal(lines.find((l) => l.startsWith('2023-06-01,RU,'))?.split(',')[4], '12345');
      const at = lines.findIndex((l) => l.startsWith('2023-06-07,RU,'));
      assert.match(lines[at + 1]!, /^2023-06-08,RU,Russian Federation,EURO,7,/);
      assert.equal(lines.length, readFileSync(SOURCE_FILES.whoDaily, 'utf8').split('\n').length + 1);
    });
  });

  describe('faults', () => {
    it('status: every request, or only the first `times`, with Retry-After', async () => {
      server.setFault('ecdc', { kind: 'status', status: 500 });
      for (let i = 0; i < 3; i++) assert.equal((await fetch(server.ecdcUrl)).status, 500);

      server.setFault('who', { kind: 'status', status: 429, retryAfter: 7, times: 2 });
      for (let i = 0; i < 2; i++) {
        const res = await fetch(server.whoUrl);
        assert.equal(res.status, 429);
        assert.equal(res.headers.get('retry-after'), '7');
        await res.body?.cancel();
      }
      const ok = await fetch(server.whoUrl);
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.deepEqual(server.requests('who').map((r) => [r.status, r.fault]), [[429, 'status'], [429, 'status'], [200, undefined]]);

      server.setFault('post', { kind: 'status', status: 404, body: 'gone' });
      const gone = await fetch(server.postUrl(savedPosts()[0]!.slug));
      assert.equal(gone.status, 404);
      assert.equal(await gone.text(), 'gone');
      server.setFault('ecdc', null);
      const back = await fetch(server.ecdcUrl);
      assert.equal(back.status, 200);
      await back.body?.cancel();
    });

    it('hang: the request is never answered', async () => {
      server.setFault('who', { kind: 'hang', times: 1 });
      const started = Date.now();
      await assert.rejects(fetch(server.whoUrl, { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
      assert.ok(Date.now() - started >= 290);
      assert.equal(server.requests('who')[0]!.status, undefined);
      // times: 1, so the next one is served.
      const res = await fetch(server.whoUrl, { method: 'HEAD' });
      assert.equal(res.status, 200);
    });

    it('trickle: headers at once, then the real bytes at the given rate', async () => {
      server.setFault('ecdc', { kind: 'trickle', bytesPerSecond: 20 });
      const started = Date.now();
      const res = await fetch(server.ecdcUrl);
      assert.equal(res.status, 200);
      assert.equal(Number(res.headers.get('content-length')), ecdc.length);
      assert.ok(Date.now() - started < 1000, 'headers without delay');
      const got: number[] = [];
      // Leaving the loop cancels the body.
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        got.push(...chunk);
        if (got.length >= 10) break;
      }
      const elapsed = Date.now() - started;
      assert.ok(ecdc.subarray(0, got.length).equals(Buffer.from(got)));
      // 10 bytes at 20 bytes/s: about 450 ms (the first byte goes at once).
      assert.ok(elapsed >= 400, `10 bytes took ${elapsed} ms`);
    });

    it('truncate: only the first N bytes, and the response ends normally', async () => {
      server.setFault('who', { kind: 'truncate', bytes: 1000, times: 1 });
      const res = await fetch(server.whoUrl);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '1000');
      assert.ok((await bytes(res)).equals(readFileSync(SOURCE_FILES.whoDaily).subarray(0, 1000)));
      const full = await fetch(server.whoUrl, { method: 'HEAD' });
      assert.equal(Number(full.headers.get('content-length')), readFileSync(SOURCE_FILES.whoDaily).length);
    });

    it('reset: the connection drops in the middle of the body', async () => {
      server.setFault('ecdc', { kind: 'reset', afterBytes: 500 });
      const res = await fetch(server.ecdcUrl);
      assert.equal(res.status, 200);
      await assert.rejects(res.arrayBuffer());
    });

    it('headerOnly: only the first line of the CSV', async () => {
      server.setFault('who', { kind: 'headerOnly' });
      server.setFault('ecdc', { kind: 'headerOnly' });
      const who = await bytes(await fetch(server.whoUrl));
      assert.ok(who.equals(firstLine(SOURCE_FILES.whoDaily)));
      assert.ok(who.toString().startsWith('\uFEFFDate_reported,'));
      const ecdcHead = await bytes(await fetch(server.ecdcUrl));
      assert.equal(ecdcHead.toString(), 'dateRep,day,month,year,cases,deaths,countriesAndTerritories,geoId,countryterritoryCode,popData2019,continentExp,Cumulative_number_for_14_days_of_COVID-19_cases_per_100000\r\n');
    });

    it('renameColumn: the header names another column, the rows are unchanged', async () => {
      server.setFault('who', { kind: 'renameColumn', from: 'New_cases', to: 'Cases_new' });
      const body = await bytes(await fetch(server.whoUrl));
      const original = readFileSync(SOURCE_FILES.whoDaily);
      const header = firstLine(SOURCE_FILES.whoDaily);
      assert.equal(body.subarray(0, body.indexOf(0x0a) + 1).toString(), header.toString().replace('New_cases', 'Cases_new'));
      assert.ok(body.subarray(body.indexOf(0x0a) + 1).equals(original.subarray(header.length)));
      assert.throws(() => server.setFault('who', { kind: 'renameColumn', from: 'no_such_column', to: 'x' }), /not found/);

      // On a post, the column name in the table changes.
      const slug = savedPosts()[0]!.slug;
      server.setFault(`post:${slug}`, { kind: 'renameColumn', from: 'Выявлено', to: 'Заболело' });
      const html = await (await fetch(server.postUrl(slug))).text();
      assert.ok(!html.includes('Выявлено') && html.includes('Заболело'));
    });

    it('errorPage: 200 with an HTML page instead of the content', async () => {
      server.setFault('ecdc', { kind: 'errorPage' });
      server.setFault('list', { kind: 'errorPage' });
      for (const url of [server.ecdcUrl, server.stopcoronavirusUrl]) {
        const res = await fetch(url);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        const text = await res.text();
        assert.match(text, /<html>/);
        assert.ok(!text.includes('dateRep') && !text.includes('u-material-card'));
      }
    });

    it('changedLayout: list without cards, posts without table, heading or country row', async () => {
      server.setFault('list:2', { kind: 'changedLayout' });
      const page1 = await bytes(await fetch(server.stopcoronavirusUrl));
      assert.ok(page1.equals(fixture1!), 'page 1 untouched');
      const page2 = await (await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=2`)).text();
      assert.equal(listCards(page2).length, 0);
      assert.ok(page2.includes('/stopkoronavirus/v-rossii-za-nedelyu'), 'the posts are still linked, differently');

      const [a, b, c] = savedPosts();
      server.setFault(`post:${a!.slug}`, { kind: 'changedLayout' });
      server.setFault(`post:${b!.slug}`, { kind: 'changedLayout', variant: 'noHeading' });
      server.setFault(`post:${c!.slug}`, { kind: 'changedLayout', variant: 'noCountryRow' });
      const noTable = await (await fetch(server.postUrl(a!.slug))).text();
      assert.ok(!noTable.includes('<table') && noTable.includes('article-detail__title-main'));
      const noHeading = await (await fetch(server.postUrl(b!.slug))).text();
      assert.ok(noHeading.includes('<table') && !WEEK_RANGE.test(noHeading));
      const noCountry = await (await fetch(server.postUrl(c!.slug))).text();
      assert.ok(noCountry.includes('<table') && !noCountry.includes('Российская Федерация'));

      // A CSV whose layout changed: the same data, semicolon-delimited.
      server.setFault('ecdc', { kind: 'changedLayout' });
      const csv = await (await fetch(server.ecdcUrl)).text();
      assert.ok(csv.startsWith('dateRep;day;month;year;cases;'));
    });

    it('rejects faults that cannot apply, at setFault', () => {
      assert.throws(() => server.setFault('who', { kind: 'trickle', bytesPerSecond: 0 }));
      assert.throws(() => server.setFault('who', { kind: 'status', status: 42 }));
      const generated = `post:${weeklyPostHtml({ weekStart: '2024-04-08', cases: 1, deaths: 0 }).slug}` as const;
      server.setBody(generated, '<html><body>no table here</body></html>');
      assert.throws(() => server.setFault(generated, { kind: 'changedLayout', variant: 'noCountryRow' }), /nothing to change/);
    });
  });

  describe('stopcoronavirus list and posts', () => {
    it('serves the fixture pages with ?PAGEN_1=N paging; past the last page, the last page again', async () => {
      assert.ok((await bytes(await fetch(server.stopcoronavirusUrl))).equals(fixture1!));
      assert.ok((await bytes(await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=1`))).equals(fixture1!));
      assert.ok((await bytes(await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=2`))).equals(fixture2!));
      assert.ok((await bytes(await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=3`))).equals(fixture2!));
      assert.ok((await bytes(await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=x`))).equals(fixture1!));
      assert.deepEqual(server.requests('list').map((r) => r.route), ['list:1', 'list:1', 'list:2', 'list:3', 'list:1']);
    });

    it('serves every listed post: saved weekly posts byte for byte, other news as plain articles', async () => {
      const saved = new Map(savedPosts().map((p) => [p.slug, p]));
      const cards = [fixture1!, fixture2!].flatMap((page) => listCards(page.toString('utf8')));
      assert.ok(cards.length > 0);
      for (const card of cards) {
        const res = await fetch(new URL(`/stopkoronavirus/${card.slug}/`, server.url));
        assert.equal(res.status, 200, card.slug);
        const body = await bytes(res);
        const post = saved.get(card.slug);
        if (post) assert.ok(body.equals(readFileSync(post.file)), card.slug);
        else assert.ok(!body.includes('<table') && body.toString().includes(card.title), card.slug);
      }
      assert.equal((await fetch(server.postUrl('no-such-post'))).status, 404);
      const redirect = await fetch(`${server.stopcoronavirusUrl}${cards[0]!.slug}`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), `/stopkoronavirus/${cards[0]!.slug}/`);
    });

    it('lets a test choose the posts listed, and publish a generated weekly post', async () => {
      const slugs = savedPosts().map((p) => p.slug);
      server.setListPosts(slugs.slice(0, 7), { pageSize: 3 });
      const pages = await Promise.all([1, 2, 3, 4].map(async (n) => (await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=${n}`)).text()));
      assert.deepEqual(pages.map((html) => listCards(html).map((c) => c.slug)), [slugs.slice(0, 3), slugs.slice(3, 6), slugs.slice(6, 7), slugs.slice(6, 7)]);
      const $ = load(pages[0]!);
      assert.equal($('.u-pagination a[href="/stopkoronavirus/?PAGEN_1=2"]').length > 0, true);
      assert.equal(listCards(pages[0]!)[0]!.title, savedPosts()[0]!.title);

      const post = weeklyPostHtml({ weekStart: '2024-04-08', cases: 18123, deaths: 55 });
      assert.equal(post.weekEnd, '2024-04-14');
      server.publishPost(post);
      assert.deepEqual(server.listPosts(), [post.slug, ...slugs.slice(0, 7)]);
      const first = listCards(await (await fetch(server.stopcoronavirusUrl)).text())[0]!;
      assert.deepEqual(first, { slug: post.slug, title: post.title, date: '16 апреля 2024' });
      const html = await (await fetch(server.postUrl(post.slug))).text();
      const $post = load(html);
      const rf = $post('tr').filter((_, tr) => $post(tr).find('td').first().text().trim() === 'Российская Федерация');
      assert.deepEqual(rf.find('td').toArray().slice(3).map((td) => $post(td).text().trim()), ['18 123', '55']);
      assert.ok(html.includes('За 15 неделю 2024 г. (08.04. - 14.04.2024)'));

      server.setListPosts(null);
      assert.ok((await bytes(await fetch(server.stopcoronavirusUrl))).equals(fixture1!));
    });

    it('can show no cards past the last page instead', async () => {
      const other = await startSourceServer({ pastLastPage: 'empty' });
      try {
        const html = await (await fetch(`${other.stopcoronavirusUrl}?PAGEN_1=9`)).text();
        assert.equal(listCards(html).length, 0);
        assert.match(html, /u-pagination/);
      } finally {
        await other.close();
      }
    });
  });

  it('records requests with their headers', async () => {
    await (await fetch(server.ecdcUrl, { method: 'HEAD', headers: { 'user-agent': 'covid-etl-test', 'if-none-match': '"x"' } })).arrayBuffer();
    await (await fetch(`${server.stopcoronavirusUrl}?PAGEN_1=2`)).arrayBuffer();
    const [request] = server.requests('ecdc');
    assert.equal(request!.method, 'HEAD');
    assert.equal(request!.headers['user-agent'], 'covid-etl-test');
    assert.equal(request!.headers['if-none-match'], '"x"');
    assert.deepEqual(server.requests('list:2').map((r) => r.path), ['/stopkoronavirus/?PAGEN_1=2']);
    assert.equal(server.requests().length, 2);
    server.clearRequests();
    assert.equal(server.requests().length, 0);
  });

  it('editCsv keeps BOM, line endings and untouched lines; revises, inserts, drops and appends rows', () => {
    const input = '\uFEFFDate,Code,Name,Cases\r\n2024-01-01,NA,Namibia,1\r\n2024-01-01,SH,"Saint Helena, Ascension",2\r\n2024-01-02,NA,Namibia,3\r\n';
    assert.equal(editCsv(input, { row: () => undefined }).toString(), input);
    const out = editCsv(input, {
      row(row) {
        if (row.Code === 'SH') return { ...row, Cases: '20' };
        if (row.Date === '2024-01-02') return null;
        return [row, { ...row, Date: '2024-01-01b' }];
      },
      append: [{ Date: '2024-01-03', Code: 'NA', Name: 'Namibia' }],
    });
    assert.equal(
      out.toString(),
      '\uFEFFDate,Code,Name,Cases\r\n2024-01-01,NA,Namibia,1\r\n2024-01-01b,NA,Namibia,1\r\n2024-01-01,SH,"Saint Helena, Ascension",20\r\n2024-01-03,NA,Namibia,\r\n',
    );
  });

  it('closes with hung and trickling requests open, and never keeps the process alive', async () => {
    const other = await startSourceServer();
    other.setFault('who', { kind: 'hang' });
    other.setFault('ecdc', { kind: 'trickle', bytesPerSecond: 1 });
    // Settled into values at once: their rejections come while close() runs.
    const hung = fetch(other.whoUrl).then(() => 'answered', (error: unknown) => error);
    const trickling = fetch(other.ecdcUrl).then((res) => res.arrayBuffer()).then(() => 'complete', (error: unknown) => error);
    await new Promise((ok) => setTimeout(ok, 200));
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 1000);
    assert.ok((await hung) instanceof Error);
    assert.ok((await trickling) instanceof Error);

    // In a process of its own: it must exit by itself, closed or (if a test forgets) not.
    const module = pathToFileURL(new URL('../../support/source-server.ts', import.meta.url).pathname).href;
    const closes = `
      import { startSourceServer } from ${JSON.stringify(module)};
      const s = await startSourceServer();
      s.setFault('who', { kind: 'hang' });
      s.setFault('ecdc', { kind: 'trickle', bytesPerSecond: 1 });
      fetch(s.whoUrl).catch(() => {});
      fetch(s.ecdcUrl).then((r) => r.arrayBuffer()).catch(() => {});
      setTimeout(() => void s.close(), 200);`;
    const forgets = `
      import { startSourceServer } from ${JSON.stringify(module)};
      const s = await startSourceServer();
      s.setFault('who', { kind: 'trickle', bytesPerSecond: 1 });`;
    for (const script of [closes, forgets]) {
      await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
    }
  });
});
