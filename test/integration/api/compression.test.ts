// Answers large enough to gain are compressed (brotli or gzip, as the client accepts), streamed
// exports included; ETags name the encoding and still give 304; small answers stay plain.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chooseEncoding } from '../../../src/api/http/compression.ts';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

void describe('compression', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    const rows = ['DE', 'FR', 'IT', 'RU'].flatMap((country) =>
      dateRange('2020-03-01', 400).map((date, i) => ({ country, date, cases: 1000 + i, deaths: i % 30 })),
    );
    await ctx.insertDaily([...rows, { country: 'XK', date: '2021-03-02', cases: 5, deaths: 0 }]);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

  void it('the CSV export comes gzip- or brotli-compressed, byte for byte the plain one once decoded', async () => {
    const plain = await get('/v1/daily?format=csv');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.rawPayload.length > 50_000);
    for (const [accept, encoding, decode] of [
      ['gzip', 'gzip', gunzipSync],
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['br;q=0, gzip;q=0.8', 'gzip', gunzipSync],
    ] as const) {
      // Twice: produced and streamed the first time, from the cache of compressed bodies the second.
      for (const round of [1, 2]) {
        const response = await get('/v1/daily?format=csv', { 'accept-encoding': accept });
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['content-encoding'], encoding, `${accept} #${round}`);
        assert.match(String(response.headers.vary), /accept-encoding/);
        assert.equal(response.headers.etag, `${String(plain.headers.etag).slice(0, -1)}.${encoding}"`);
        assert.ok(response.rawPayload.length * 4 < plain.rawPayload.length, `at least 4x smaller: ${response.rawPayload.length}`);
        assert.equal(decode(response.rawPayload).toString(), plain.body);
      }
    }
  });

  void it('ETags keep working: the tag of any encoding of this version gives 304', async () => {
    const gzip = await get('/v1/daily', { 'accept-encoding': 'gzip' });
    const plain = await get('/v1/daily');
    for (const [tag, accept] of [
      [gzip.headers.etag, 'gzip'],
      [gzip.headers.etag, ''],
      [plain.headers.etag, 'br'],
    ] as const) {
      const again = await get('/v1/daily', { 'if-none-match': String(tag), ...(accept ? { 'accept-encoding': accept } : {}) });
      assert.equal(again.statusCode, 304);
      assert.equal(again.rawPayload.length, 0);
    }
  });

  void it('small answers stay plain; other large answers (OpenAPI) are compressed too', async () => {
    const small = await get('/v1/daily?country=XK', { 'accept-encoding': 'gzip, br' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.ok(small.rawPayload.length < 1024);
    const spec = await ctx.app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(spec.headers['content-encoding'], 'gzip');
    assert.ok((JSON.parse(gunzipSync(spec.rawPayload).toString()) as { openapi?: string }).openapi);
  });

  void it('Accept-Encoding is read as RFC 9110 says', () => {
    assert.equal(chooseEncoding(undefined), null);
    assert.equal(chooseEncoding('identity'), null);
    assert.equal(chooseEncoding('gzip;q=0, br;q=0'), null);
    assert.equal(chooseEncoding('*'), 'br');
    assert.equal(chooseEncoding('*;q=0, gzip'), 'gzip');
    assert.equal(chooseEncoding('GZIP'), 'gzip');
    assert.equal(chooseEncoding('br;q=0.1, gzip'), 'br');
  });
});
