// Whole-table exports against the real ClickHouse: rendered once per data version into a file
// (services/export-files.ts) whatever the number of requests, rendered anew after new data, the
// same bytes in every encoding, with a length. (Slots: connections.test.ts.)
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

const EXPORT_QUERY = /FINAL\s+ORDER BY country, date/;

void describe('whole-table exports from files', () => {
  let ctx: ApiTestContext;
  let keys: string[];
  const exportQueries: string[] = [];
  before(async () => {
    ctx = await createApiTestContext({ overrides: { EXPORT_CONCURRENCY: '8', EXPORT_PER_KEY: '4' } });
    await ctx.insertDaily(dateRange('2021-01-01', 200).flatMap((date, i) => ['RU', 'DE', 'FR'].map((country) => ({ country, date, cases: i, deaths: 1 }))));
    keys = [await ctx.register('exporter-a'), await ctx.register('exporter-b')];
    // The app's client (exports use it too when no export client is given): count export queries.
    const client = ctx.reader as unknown as { query: (params: { query: string }) => unknown };
    const original = client.query.bind(client);
    client.query = (params) => {
      if (EXPORT_QUERY.test(params.query)) exportQueries.push(params.query);
      return original(params);
    };
  });
  after(() => ctx.close());

  const get = (url: string, key: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

  void it('renders once for many requests at once and after, the same body each time, with its length', async () => {
    exportQueries.length = 0;
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => get('/v1/daily?format=csv', keys[i % 2]!)));
    for (const answer of answers) {
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.body, answers[0]!.body);
      assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));
    }
    assert.equal(answers[0]!.body.trim().split('\r\n').length, 1 + 600);
    assert.equal((await get('/v1/daily?format=csv', keys[0]!)).body, answers[0]!.body);
    assert.equal(exportQueries.length, 1, 'one ClickHouse query for seven exports of one data version');
  });

  void it('sends the same bytes compressed (gzip, brotli), with their length, and 304 across encodings', async () => {
    const plain = await get('/v1/daily', keys[0]!);
    assert.equal(plain.statusCode, 200);
    const gzip = await get('/v1/daily', keys[0]!, { 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body);
    assert.equal(gzip.headers['content-length'], String(gzip.rawPayload.length));
    assert.ok(gzip.rawPayload.length < plain.rawPayload.length / 3);
    const br = await get('/v1/daily', keys[1]!, { 'accept-encoding': 'br, gzip' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
    assert.equal(br.headers.etag, `${String(plain.headers.etag).slice(0, -1)}.br"`);
    const again = await get('/v1/daily', keys[1]!, { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(plain.json<{ data: unknown[] }>().data.length, 600);
  });

  void it('renders anew after new data, and the new file has it', async () => {
    const before = await get('/v1/daily?format=csv', keys[0]!);
    exportQueries.length = 0;
    await ctx.insertDaily([{ country: 'DE', date: '2021-12-31', cases: 4242, deaths: 0 }]);
    const after = await get('/v1/daily?format=csv', keys[0]!);
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.match(after.body, /DE,2021-12-31,4242,/);
    assert.equal(exportQueries.length, 1);
  });
});
