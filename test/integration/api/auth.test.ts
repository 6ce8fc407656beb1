// The x-key guard of the data endpoints: one 401 answer (same body, a WWW-Authenticate
// challenge) for every kind of bad key, no key from the query string, two headers refused, the
// bound on the key cache, and the per-key rate limit.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../../src/api/app.ts';
import { pino } from 'pino';
import { createApiDeps } from '../../../src/api/container.ts';
import { apiKeyDigest, generateApiKey } from '../../../src/api/services/api-key-format.ts';
import { createClickHouse } from '../../../src/platform/clickhouse.ts';
import { createPool } from '../../../src/platform/postgres.ts';
import { createApiTestContext, fakeClock, PASSWORD, type ApiTestContext } from './context.ts';

const DATA_PATHS = ['/', '/cases', '/deaths', '/summary', '/v1/countries', '/v1/daily', '/v1/countries/RU/summary', '/v1/status'];

void describe('authentication', () => {
  let ctx: ApiTestContext;
  let key: string;
  const clock = fakeClock();
  before(async () => {
    ctx = await createApiTestContext({ clock, keyCache: { positiveTtlMs: 5_000, negativeTtlMs: 60_000, maxEntries: 1_000 } });
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0 }]);
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers });

  void it('accepts a valid key on every data endpoint', async () => {
    for (const path of DATA_PATHS) assert.equal((await get(path, { 'x-key': key })).statusCode, 200, path);
  });

  void it('answers every bad key with the same 401 body and a WWW-Authenticate challenge', async () => {
    const revoked = await ctx.register('bob');
    await ctx.app.inject({ method: 'POST', url: '/users/recreate-api-key', payload: { username: 'bob', password: PASSWORD } });
    const flipped = key.slice(0, 10) + (key[10] === 'A' ? 'B' : 'A') + key.slice(11); // checksum no longer matches
    const bad: Record<string, Record<string, string>> = {
      missing: {},
      empty: { 'x-key': '' },
      malformed: { 'x-key': 'hello' },
      'wrong checksum': { 'x-key': flipped },
      'unknown (valid checksum)': { 'x-key': generateApiKey() },
      revoked: { 'x-key': revoked },
      'in Authorization instead': { authorization: `Bearer ${key}` },
      'with a prefix': { 'x-key': `Bearer ${key}` },
    };
    const bodies = new Set<string>();
    for (const [name, headers] of Object.entries(bad)) {
      for (const path of DATA_PATHS) {
        const response = await get(path, headers);
        assert.equal(response.statusCode, 401, `${name} ${path}`);
        assert.equal(response.headers['www-authenticate'], 'ApiKey realm="covid-etl", header="x-key"');
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        bodies.add(response.body);
      }
    }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
    assert.deepEqual(JSON.parse([...bodies][0]!), {
      type: 'urn:covid-etl:problem:unauthenticated',
      title: 'Unauthenticated',
      status: 401,
      detail: 'a valid API key is required in the x-key header',
    });
  });

  void it('refuses a key in the query string, and checks the key before the parameters', async () => {
    for (const name of ['x-key', 'key', 'api_key']) {
      assert.equal((await get(`/cases?${name}=${key}`)).statusCode, 401, name);
      // With the header too, the parameter is simply unknown.
      assert.equal((await get(`/cases?${name}=${key}`, { 'x-key': key })).statusCode, 400, name);
    }
    assert.equal((await get('/cases?start=not-a-date')).statusCode, 401);
  });

  void it('refuses two x-key headers, even when both are valid', async () => {
    const other = await ctx.register('carol');
    // Over a real socket: inject would merge the two values before the app sees them.
    const app = await buildApp(ctx.deps, { defaultMetrics: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const status = (keys: string[]) =>
        new Promise<{ status: number; challenge: string | undefined }>((resolve, reject) => {
          const request = http.request({ port, host: '127.0.0.1', path: '/cases' }, (response) => {
            response.resume();
            resolve({ status: response.statusCode!, challenge: response.headers['www-authenticate'] });
          });
          request.on('error', reject);
          request.setHeader('x-key', keys); // one header line per value
          request.end();
        });
      assert.equal((await status([key])).status, 200);
      assert.deepEqual(await status([key, other]), { status: 401, challenge: 'ApiKey realm="covid-etl", header="x-key"' });
      assert.equal((await status([key, key])).status, 401);
    } finally {
      await app.close();
    }
  });

  void it('bounds the key cache: a key revoked elsewhere stops working within the TTL', async () => {
    const dave = await ctx.register('dave');
    const request = () => ctx.app.inject({ url: '/cases', headers: { 'x-key': dave } });
    assert.equal((await request()).statusCode, 200); // cached now
    // Another replica re-issues: only the database changes, this process is not told.
    await ctx.pool.query('UPDATE api_keys SET revoked_at = now() WHERE key_digest = $1', [apiKeyDigest(dave)]);
    clock.advance(4_000);
    assert.equal((await request()).statusCode, 200, 'within the 5 s bound the cached answer may stand');
    clock.advance(1_001);
    assert.equal((await request()).statusCode, 401, 'after the bound it must not');
  });
});

void describe('authentication: several processes', () => {
  let ctx: ApiTestContext;
  let other: { app: Awaited<ReturnType<typeof buildApp>>; close(): Promise<void> };
  before(async () => {
    // A key cache that would keep a revoked key for a minute: only the notification can end it.
    const keyCache = { positiveTtlMs: 60_000, negativeTtlMs: 60_000, maxEntries: 1_000 };
    ctx = await createApiTestContext({ keyCache });
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0 }]);
    // A second API process on the same databases: its own clients, caches and notifications.
    const pool = createPool(ctx.config.DATABASE_URL, { max: 2 });
    const clickhouse = createClickHouse({ url: ctx.config.CLICKHOUSE_READ_URL, database: ctx.config.CLICKHOUSE_DATABASE });
    const deps = await createApiDeps({ config: ctx.config, logger: pino({ level: 'silent' }), pool, clickhouse, keyCache });
    const app = await buildApp(deps, { defaultMetrics: false });
    other = {
      app,
      async close() {
        await app.close();
        await deps.changes.close();
        await clickhouse.close();
        await pool.end();
      },
    };
  });
  after(async () => {
    await other.close();
    await ctx.close();
  });

  void it('a key re-issued through another process stops working here within a second', async () => {
    const key = await ctx.register('erin');
    const here = () => ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    assert.equal((await here()).statusCode, 200); // cached here now, for a minute
    assert.equal((await other.app.inject({ url: '/cases', headers: { 'x-key': key } })).statusCode, 200);
    const reissued = await other.app.inject({ method: 'POST', url: '/users/recreate-api-key', payload: { username: 'erin', password: PASSWORD } });
    assert.equal(reissued.statusCode, 200);
    const started = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - started < 5_000) {
      status = (await here()).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const elapsed = performance.now() - started;
    assert.equal(status, 401);
    assert.ok(elapsed < 1_000, `the revoked key worked here for ${elapsed.toFixed(0)} ms`);
    const fresh = reissued.json<{ api_key: string }>().api_key;
    assert.equal((await ctx.app.inject({ url: '/cases', headers: { 'x-key': fresh } })).statusCode, 200);
  });

  void it('both processes see a new batch and give the same ETag', async () => {
    const before = await other.app.inject({ url: '/cases', headers: { 'x-key': await ctx.register('frank') } });
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-02', cases: 2, deaths: 0 }]);
    const key = await ctx.register('gina');
    let answer = before;
    for (let waited = 0; waited < 5_000 && answer.headers.etag === before.headers.etag; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      answer = await other.app.inject({ url: '/cases', headers: { 'x-key': key } });
    }
    assert.equal(answer.json<{ date: string[] }>().date.at(-1), '2021-01-02');
    const here = await ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    assert.equal(here.headers.etag, answer.headers.etag);
  });
});

void describe('authentication: per-key rate limit', () => {
  let ctx: ApiTestContext;
  const clock = fakeClock();
  before(async () => {
    ctx = await createApiTestContext({ overrides: { DATA_RATE_LIMIT: '3' }, clock });
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0 }]);
  });
  after(() => ctx.close());

  void it('allows DATA_RATE_LIMIT requests per second per key, then 429 with Retry-After', async () => {
    const alice = await ctx.register('alice');
    const bob = await ctx.register('bob');
    const get = (key: string) => ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });
    for (let i = 0; i < 3; i++) assert.equal((await get(alice)).statusCode, 200);
    const limited = await get(alice);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(limited.json<{ type: string }>().type, 'urn:covid-etl:problem:rate_limited');
    assert.equal((await get(bob)).statusCode, 200, 'another key has its own budget');
    clock.advance(1_000);
    assert.equal((await get(alice)).statusCode, 200);
  });
});
