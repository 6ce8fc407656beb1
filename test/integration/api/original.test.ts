// The original API's endpoints against real ClickHouse data: exact shapes, the default country,
// inclusive ranges, and /summary numbers recomputed here independently of the server's code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext, type DailyInsert } from './context.ts';
import { assertSummary, expectedSummary } from './original-summary.ts';

// RU: 800 calendar days from 2020-01-03 with every 50th day missing (a gap is not a shift),
// negative corrections, and a repeated maximum in deaths (the earliest date must win).
const RU_DATES = dateRange('2020-01-03', 800).filter((_, i) => i % 50 !== 49);
const RU: DailyInsert[] = RU_DATES.map((date, i) => ({
  country: 'RU',
  date,
  cases: i === 100 ? -50 : Math.round(1000 + 500 * Math.sin(i / 20) + 3 * i),
  deaths: ((i * 7) % 23) - 2,
  source: date <= '2020-12-14' ? 'ecdc' : 'who',
  estimated: i % 7 === 0,
}));
const DE: DailyInsert[] = dateRange('2021-03-01', 10).map((date, i) => ({ country: 'DE', date, cases: 100 + i, deaths: i }));
const FR: DailyInsert[] = [{ country: 'FR', date: '2021-05-05', cases: 7, deaths: 1 }];

void describe('original endpoints', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily([...RU, ...DE, ...FR]);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = async (url: string) => {
    const response = await ctx.app.inject({ url, headers: { 'x-key': key } });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>(), headers: response.headers };
  };

  void it('GET / gives all data of the default country (RU), columnar', async () => {
    const { status, body, headers } = await get('/');
    assert.equal(status, 200);
    assert.equal(headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(body, { date: RU.map((r) => r.date), cases: RU.map((r) => r.cases), deaths: RU.map((r) => r.deaths) });
    assert.deepEqual(Object.keys(body), ['date', 'cases', 'deaths']);
  });

  void it('says in Content-Location which country was answered, the default included', async () => {
    const cases = [
      ['/cases?start=2021-01-01', '/cases?country=RU&start=2021-01-01'],
      ['/deaths?end=2021-03-03&country=Germany', '/deaths?country=DE&end=2021-03-03'],
      ['/', '/?country=RU'],
      ['/?country=fra', '/?country=FR'],
      ['/summary', '/summary?country=RU'],
    ];
    for (const [url, location] of cases) {
      const { status, headers } = await get(url!);
      assert.equal(status, 200, url);
      assert.equal(headers['content-location'], location, url);
    }
    // A 304 names it too: the cached body is that country's.
    const first = await ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    const again = await ctx.app.inject({ url: '/cases', headers: { 'x-key': key, 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.headers['content-location'], '/cases?country=RU');
    // And the OpenAPI text of each endpoint says the default loudly.
    const spec = (await ctx.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, { get: { description: string } }> }>();
    for (const path of ['/', '/cases', '/deaths', '/summary']) {
      assert.match(spec.paths[path]!.get.description, /Without `country` this answers for RU \(DEFAULT_COUNTRY\), not for the world/, path);
    }
  });

  void it('GET / takes country (any case) and nothing else', async () => {
    const { body } = await get('/?country=de');
    assert.deepEqual(body, { date: DE.map((r) => r.date), cases: DE.map((r) => r.cases), deaths: DE.map((r) => r.deaths) });
    assert.equal((await get('/?start=2021-03-01')).status, 400);
  });

  void it('GET /cases and /deaths give one metric, both range ends inclusive', async () => {
    const cases = await get('/cases?country=DE&start=2021-03-03&end=2021-03-05');
    assert.deepEqual(cases.body, { date: ['2021-03-03', '2021-03-04', '2021-03-05'], cases: [102, 103, 104] });
    const deaths = await get('/deaths?country=DE&start=2021-03-03&end=2021-03-05');
    assert.deepEqual(deaths.body, { date: ['2021-03-03', '2021-03-04', '2021-03-05'], deaths: [2, 3, 4] });
    assert.deepEqual(Object.keys(deaths.body), ['date', 'deaths']);
  });

  void it('each end is optional; one day is start = end; an empty range gives empty arrays', async () => {
    const ru = (from?: string, to?: string) => RU.filter((r) => (!from || r.date >= from) && (!to || r.date <= to));
    const check = async (query: string, rows: DailyInsert[]) => {
      const { body } = await get(`/cases?${query}`);
      assert.deepEqual(body, { date: rows.map((r) => r.date), cases: rows.map((r) => r.cases) }, query);
    };
    await check('start=2021-06-01', ru('2021-06-01'));
    await check('end=2020-02-01', ru(undefined, '2020-02-01'));
    await check('start=2020-05-05&end=2020-05-05', ru('2020-05-05', '2020-05-05'));
    assert.equal(ru('2020-05-05', '2020-05-05').length, 1);
    await check('start=2019-01-01&end=2019-12-31', []);
    await check('start=2030-01-01', []);
    await check('start=1900-01-01&end=2200-12-31', RU);
    // A missing day as an end: the range starts at the next day that has data.
    const missing = dateRange('2020-01-03', 800)[49]!;
    assert.ok(!RU_DATES.includes(missing));
    await check(`start=${missing}&end=${missing}`, []);
  });

  void it('GET /summary matches values computed independently', async () => {
    for (const [country, rows] of [
      ['RU', RU],
      ['DE', DE],
      ['FR', FR],
    ] as const) {
      const { status, body } = await get(`/summary?country=${country}`);
      assert.equal(status, 200);
      assertSummary(body, expectedSummary(rows), country);
    }
    // Default country.
    assertSummary((await get('/summary')).body, expectedSummary(RU), 'default');
  });

  void it('shows a revised value as soon as it is in ClickHouse (ReplacingMergeTree + FINAL)', async () => {
    const date = '2021-03-04';
    await ctx.insertDaily([{ country: 'DE', date, cases: 9_999, deaths: 3, version: Date.now() * 1000 + 999_999 }]);
    const { body } = await get(`/cases?country=DE&start=${date}&end=${date}`);
    assert.deepEqual(body, { date: [date], cases: [9_999] });
    const whole = await get('/?country=DE');
    assert.equal((whole.body.date as string[]).length, DE.length, 'one row per day, not two');
  });
});
