// What an anonymous client can make the server do: guessed keys stop costing database lookups
// past KEY_FAILURE_LIMIT per address (and never push real keys out of the cache), readiness comes
// from a cached probe, and /metrics sits behind a token or on a loopback port.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { metricsRegistryOf } from '../../../src/api/app.ts';
import { createMetricsServer } from '../../../src/api/http/metrics-server.ts';
import { generateApiKey } from '../../../src/api/services/api-key-format.ts';
import { createApiTestContext, dateRange, type ApiTestContext } from './context.ts';

const TOKEN = 'metrics-token-0123456789';

void describe('unauthenticated paths', () => {
  let ctx: ApiTestContext;
  let key: string;
  let keyLookups = 0;
  let readinessProbes = 0;
  before(async () => {
    ctx = await createApiTestContext({ overrides: { KEY_FAILURE_LIMIT: '5', METRICS_TOKEN: TOKEN } });
    await ctx.insertDaily(dateRange('2021-01-01', 3).map((date) => ({ country: 'RU', date, cases: 1, deaths: 1 })));
    key = await ctx.register('alice');
    // Count the key lookups the API sends to PostgreSQL (the repository holds this pool).
    const query = ctx.pool.query.bind(ctx.pool) as (...args: unknown[]) => unknown;
    (ctx.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text ?? '';
      if (/api_key/i.test(text) && /SELECT/i.test(text)) keyLookups++;
      if (text === 'SELECT 1') readinessProbes++;
      return query(...args);
    };
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string>, remoteAddress = '10.9.0.1') => ctx.app.inject({ url, headers, remoteAddress });

  void it('guessed keys: 401 with a lookup each up to the limit, then 429 without any; cached real keys still pass', async () => {
    assert.equal((await get('/cases', { 'x-key': key })).statusCode, 200, 'alice is checked once (and cached)');
    const before = keyLookups;
    for (let i = 0; i < 5; i++) assert.equal((await get('/cases', { 'x-key': generateApiKey() })).statusCode, 401);
    assert.equal(keyLookups - before, 5);
    for (let i = 0; i < 20; i++) {
      const refused = await get('/cases', { 'x-key': generateApiKey() });
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.match(refused.json<{ detail: string }>().detail, /failed API key checks per minute from this client/);
    }
    assert.equal(keyLookups - before, 5, 'no lookup past the limit');
    assert.equal((await get('/cases', { 'x-key': 'cov_not-even-a-key' })).statusCode, 401, 'malformed keys are refused for free');
    assert.equal((await get('/cases', { 'x-key': key })).statusCode, 200, 'the cached real key from the same address');
    assert.equal((await get('/cases', { 'x-key': generateApiKey() }, '10.9.0.2')).statusCode, 401, 'another address is not affected');
  });

  void it('/readyz probes the stores at most about once a second, whatever the request rate', async () => {
    const before = readinessProbes;
    const started = performance.now();
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => ctx.app.inject({ url: '/readyz' })));
      assert.ok(answers.every((a) => a.statusCode === 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const probes = readinessProbes - before;
    assert.ok(probes >= 1 && probes <= Math.ceil(seconds) + 1, `${probes} PostgreSQL probes for 400 answers in ${seconds.toFixed(2)} s`);
  });

  void it('/metrics needs the token when METRICS_TOKEN is set', async () => {
    const anonymous = await ctx.app.inject({ url: '/metrics' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="metrics"');
    assert.equal((await ctx.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
    const scraped = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(scraped.statusCode, 200);
    assert.match(scraped.body, /http_requests_total/);
  });

  void it('a METRICS_PORT server serves the same registry on loopback, behind the token too', async () => {
    const server = createMetricsServer(metricsRegistryOf(ctx.app), TOKEN);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.equal((await fetch(`${url}/metrics`)).status, 401);
      const scraped = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /http_requests_total/);
      assert.equal((await fetch(`${url}/cases`)).status, 404);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

void describe('/metrics moved to METRICS_PORT', () => {
  let ctx: ApiTestContext;
  before(async () => {
    ctx = await createApiTestContext({ overrides: { METRICS_PORT: '9464' } });
  });
  after(() => ctx.close());

  void it('is not served on the API port at all', async () => {
    assert.equal((await ctx.app.inject({ url: '/metrics' })).statusCode, 404);
  });
});
