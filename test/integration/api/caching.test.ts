// Answers are cached and carry an ETag derived from the data version; the version is checked on
// every request, so a new run changes it and nobody sees old data once the new data is in
// ClickHouse.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

void describe('caching and ETags', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(dateRange('2021-01-01', 30).map((date, i) => ({ country: 'RU', date, cases: i, deaths: 0 })));
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

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
    assert.equal(countries.json<{ countries: { last_date: string }[] }>().countries[0]!.last_date, '2021-01-31');
  });

  void it('under concurrent load, no request that starts after an insert sees the old data', async () => {
    let inserted = false;
    let insertDone = 0;
    const results: { startedAfterInsert: boolean; last: string }[] = [];
    const worker = async () => {
      for (let i = 0; i < 60; i++) {
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
    await load;
    const after = results.filter((r) => r.startedAfterInsert);
    assert.ok(after.length > 100, `only ${after.length} requests after the insert (of ${results.length}; ${insertDone} before)`);
    assert.deepEqual([...new Set(after.map((r) => r.last))], ['2021-02-01']);
  });
});
