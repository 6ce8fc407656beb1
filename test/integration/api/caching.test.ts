// Answers are cached and carry an ETag derived from the data version, which every process keeps
// in memory: the sink announces each stored batch (ctx.insertDaily does as the sink does), so a
// new run changes it and nobody sees old data once the app heard of it; a batch for one country
// leaves the others' answers cached; data written past the sink is noticed by the safety check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

void describe('caching and ETags', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(dateRange('2021-01-01', 30).map((date, i) => ({ country: 'RU', date, cases: i, deaths: 0 })));
    await ctx.insertDaily(dateRange('2021-01-01', 30).map((date, i) => ({ country: 'BR', date, cases: 2 * i, deaths: 0 })));
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

  /** Counts ClickHouse queries about one country from now on (a spy on the client the app uses). */
  const countSeriesLoads = () => {
    const client = ctx.reader as unknown as { query: (params: { query: string }) => unknown };
    const original = client.query;
    const queries: string[] = [];
    client.query = function (this: unknown, params) {
      queries.push(params.query);
      return original.call(this, params);
    };
    return {
      of: (country: string) => queries.filter((query) => query.includes(`country = '${country}'`)).length,
      restore: () => void (client.query = original),
    };
  };

  void it('sends an ETag and answers a matching If-None-Match with 304', async () => {
    const first = await get('/cases');
    assert.equal(first.statusCode, 200);
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[A-Za-z0-9_-]{16}\.json"$/);
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const again = await get('/cases', { 'if-none-match': header });
      assert.equal(again.statusCode, 304, header);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
    }
    assert.equal((await get('/cases', { 'if-none-match': '"something-else.json"' })).statusCode, 200);
    // Same data, other representation: another ETag.
    const csv = await get('/v1/daily?format=csv');
    const json = await get('/v1/daily');
    assert.notEqual(csv.headers.etag, json.headers.etag);
    assert.equal((await get('/v1/daily?format=csv', { 'if-none-match': json.headers.etag as string })).statusCode, 200);
    assert.equal((await get('/v1/daily?format=csv', { 'if-none-match': csv.headers.etag as string })).statusCode, 304);
  });

  void it('a cached answer is byte-identical to a fresh one', async () => {
    const a = await get('/cases?start=2021-01-05&end=2021-01-07');
    const b = await get('/cases?start=2021-01-05&end=2021-01-07');
    assert.equal(a.body, b.body);
    assert.deepEqual(a.json(), { date: ['2021-01-05', '2021-01-06', '2021-01-07'], cases: [4, 5, 6] });
  });

  void it('a new insert changes the version: new ETag, new data, no 304 for the old ETag', async () => {
    const before = await get('/cases');
    const oldTag = before.headers.etag as string;
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-31', cases: 30, deaths: 0 }]);
    const after = await get('/cases', { 'if-none-match': oldTag });
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, oldTag);
    assert.equal(after.json<{ date: string[] }>().date.at(-1), '2021-01-31');
    // Every endpoint follows, including the country list.
    const countries = await get('/v1/countries');
    const ru = countries.json<{ countries: { country: string; last_date: string }[] }>().countries.find((c) => c.country === 'RU');
    assert.equal(ru?.last_date, '2021-01-31');
  });

  void it('a repeated URL (the fast path) gets the same answer, headers and 304s, and never skips the key check', async () => {
    const url = '/cases?country=RU&start=2021-01-03&end=2021-01-09';
    const first = await get(url);
    const again = await get(url);
    assert.equal(again.statusCode, 200);
    assert.equal(again.body, first.body);
    const { date: _d1, ...firstHeaders } = first.headers;
    const { date: _d2, ...againHeaders } = again.headers;
    assert.deepEqual(againHeaders, firstHeaders);
    assert.equal((await get(url, { 'if-none-match': first.headers.etag as string })).statusCode, 304);
    // The key is checked before: a remembered URL without a valid key is still refused.
    assert.equal((await ctx.app.inject({ url })).statusCode, 401);
    assert.equal((await ctx.app.inject({ url, headers: { 'x-key': `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` } })).statusCode, 401);
    // A URL that failed validation is never remembered: it fails again.
    for (let i = 0; i < 2; i++) assert.equal((await get('/cases?country=RU&start=2021-13-01')).statusCode, 400);
    // Accept picks the representation of /v1/daily: remembered apart.
    const csv = await get('/v1/daily?country=RU', { accept: 'text/csv' });
    const json = await get('/v1/daily?country=RU', { accept: 'application/json' });
    assert.match((await get('/v1/daily?country=RU', { accept: 'text/csv' })).headers['content-type'] as string, /^text\/csv/);
    assert.equal((await get('/v1/daily?country=RU', { accept: 'application/json' })).body, json.body);
    assert.notEqual(csv.body, json.body);
  });

  void it("a batch for one country keeps the other countries' answers and ETags", async () => {
    const ruBefore = await get('/cases?country=RU');
    const brBefore = await get('/cases?country=BR');
    const listBefore = await get('/v1/countries');
    const loads = countSeriesLoads();
    await ctx.insertDaily([{ country: 'BR', date: '2021-01-31', cases: 60, deaths: 0 }]);
    const ruAfter = await get('/cases?country=RU', { 'if-none-match': ruBefore.headers.etag as string });
    assert.equal(ruAfter.statusCode, 304, 'RU unchanged: its ETag still matches');
    assert.equal((await get('/cases?country=RU')).body, ruBefore.body);
    assert.equal(loads.of('RU'), 0, "RU's series was not queried again");
    const brAfter = await get('/cases?country=BR', { 'if-none-match': brBefore.headers.etag as string });
    assert.equal(brAfter.statusCode, 200);
    assert.equal(brAfter.json<{ date: string[] }>().date.at(-1), '2021-01-31');
    assert.equal(loads.of('BR'), 1);
    // Answers about all data follow every country.
    assert.notEqual((await get('/v1/countries')).headers.etag, listBefore.headers.etag);
    loads.restore();
  });

  void it('under concurrent load, no request that starts after an insert sees the old data', async () => {
    let inserted = false;
    let insertDone = 0;
    let stop = false;
    const results: { startedAfterInsert: boolean; last: string }[] = [];
    const worker = async () => {
      while (!stop) {
        // A cached answer needs no I/O: without a turn of the event loop, inject() would starve it.
        await new Promise((resolve) => setImmediate(resolve));
        const startedAfterInsert = inserted;
        const response = await get('/cases');
        assert.equal(response.statusCode, 200);
        results.push({ startedAfterInsert, last: response.json<{ date: string[] }>().date.at(-1)! });
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await ctx.insertDaily([{ country: 'RU', date: '2021-02-01', cases: 31, deaths: 0 }]);
    inserted = true;
    insertDone = results.length;
    while (results.length - insertDone < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    await load;
    const after = results.filter((r) => r.startedAfterInsert);
    assert.ok(after.length > 100, `only ${after.length} requests after the insert (of ${results.length}; ${insertDone} before)`);
    assert.deepEqual([...new Set(after.map((r) => r.last))], ['2021-02-01']);
  });

  void it('data written past the sink (no announcement) is noticed by the safety check within about a second', async () => {
    // Two polls without any announcement first: a change in the same poll as an announced one
    // passes for announced (the limit of this check, docs/api.md).
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const before = await get('/cases?country=RU');
    const started = performance.now();
    await ctx.insertUnannounced([{ country: 'RU', date: '2021-02-10', cases: 41, deaths: 0 }]);
    let last = '';
    while (performance.now() - started < 5_000) {
      const response = await get('/cases?country=RU');
      last = response.json<{ date: string[] }>().date.at(-1)!;
      if (last === '2021-02-10') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(last, '2021-02-10');
    assert.notEqual((await get('/cases?country=RU')).headers.etag, before.headers.etag);
  });
});
