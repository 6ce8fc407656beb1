// The error contract: a problem document with a clear detail for each 4xx, no 500 from any
// input, and a quick 503 when PostgreSQL or ClickHouse is down, with recovery once it is back.
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../../src/api/app.ts';
import { createApiDeps, storeTimeoutMs } from '../../../src/api/container.ts';
import { withStatementTimeout } from '../../../src/api/repositories/pg-query.ts';
import { createClickHouse } from '../../../src/platform/clickhouse.ts';
import type { Config } from '../../../src/platform/config.ts';
import { createPool } from '../../../src/platform/postgres.ts';
import { pino } from 'pino';
import { createTestEnvironment } from '../../support/environment.ts';
import { createApiTestContext, dateRange, fakeClock, PASSWORD, type ApiTestContext } from './context.ts';
import { startTcpProxy, viaProxy } from './tcp-proxy.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { in: string; name: string; detail: string }[];
}

void describe('bad input', () => {
  let ctx: ApiTestContext;
  let key: string;
  before(async () => {
    ctx = await createApiTestContext();
    await ctx.insertDaily(dateRange('2021-01-01', 5).map((date) => ({ country: 'RU', date, cases: 1, deaths: 1 })));
    key = await ctx.register('alice');
  });
  after(() => ctx.close());

  const get = (url: string, headers: Record<string, string> = {}) => ctx.app.inject({ url, headers: { 'x-key': key, ...headers } });

  const expectProblem = async (url: string, status: number, type: string, detail: RegExp) => {
    const response = await get(url);
    assert.equal(response.statusCode, status, `${url}: ${response.body}`);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', url);
    const problem = response.json<Problem>();
    assert.equal(problem.type, `urn:covid-etl:problem:${type}`, url);
    assert.equal(problem.status, status);
    assert.match(problem.detail, detail, url);
    return problem;
  };

  const RANGE_ENDPOINTS = ['/cases', '/deaths', '/v1/daily'];

  void it('400 for a date that is malformed or does not exist, naming the parameter', async () => {
    const bad = ['2021-02-30', '2021-13-01', '2021-00-10', '2019-02-29', '2021-2-3', '20210203', '03/02/2021', '2021-02-03T00:00:00Z', '', ' 2021-02-03', 'yesterday'];
    for (const endpoint of RANGE_ENDPOINTS) {
      for (const value of bad) {
        for (const name of ['start', 'end']) {
          const problem = await expectProblem(`${endpoint}?${name}=${encodeURIComponent(value)}`, 400, 'invalid_request', new RegExp(`^${name}: .*not a real date`));
          assert.deepEqual(problem.errors?.map((e) => [e.in, e.name]), [['query', name]]);
        }
      }
    }
    // A real leap day is fine.
    assert.equal((await get('/cases?start=2020-02-29')).statusCode, 200);
  });

  void it('400 when start is after end', async () => {
    for (const endpoint of RANGE_ENDPOINTS) {
      await expectProblem(`${endpoint}?start=2021-01-03&end=2021-01-02`, 400, 'invalid_request', /start \(2021-01-03\) is after end \(2021-01-02\)/);
    }
  });

  void it('400 for an unknown country: no code or name of one, a name of several (with candidates), or no data', async () => {
    for (const endpoint of ['/', '/cases', '/deaths', '/summary', '/v1/daily']) {
      await expectProblem(`${endpoint}?country=R1`, 400, 'invalid_request', /country: 'R1' is not an ISO 3166-1 alpha-2 or alpha-3 code or an English country name/);
      await expectProblem(`${endpoint}?country=ZZ`, 400, 'invalid_request', /'ZZ' is not an ISO 3166-1/);
      await expectProblem(`${endpoint}?country=Korea`, 400, 'invalid_request', /'Korea' names no single country; candidates: KP \(North Korea\), KR \(South Korea\)/);
      await expectProblem(`${endpoint}?country=UK`, 400, 'invalid_request', /candidates: GB \(United Kingdom\)/);
      await expectProblem(`${endpoint}?country=DE`, 400, 'unknown_country', /no data for country 'DE'/);
      await expectProblem(`${endpoint}?country=Germany`, 400, 'unknown_country', /no data for country 'DE'/);
    }
    await expectProblem('/v1/daily?country=RU,DE,FR', 400, 'unknown_country', /no data for country 'DE', 'FR'/);
    await expectProblem('/v1/daily?country=RU,', 400, 'invalid_request', /country: '' is not an ISO/);
    await expectProblem('/v1/countries/zz/summary', 400, 'invalid_request', /'zz'/);
    await expectProblem('/v1/countries/DEU/summary', 400, 'unknown_country', /'DE'/);
  });

  void it('400 for an unknown field, format or parameter', async () => {
    await expectProblem('/v1/daily?fields=date,population', 400, 'invalid_request', /fields: 'population' is not a field/);
    await expectProblem('/v1/daily?fields=', 400, 'invalid_request', /fields: '' is not a field/);
    await expectProblem('/v1/daily?format=xml', 400, 'invalid_request', /format: 'xml' is not one of json, csv, ndjson/);
    for (const url of ['/?start=2021-01-01', '/summary?end=2021-01-01', '/cases?countries=RU', '/cases?Country=RU', '/v1/countries?x=1', '/v1/status?verbose=1', '/cases?start[]=2021-01-01']) {
      const problem = await expectProblem(url, 400, 'invalid_request', /unknown parameter/);
      assert.equal(problem.errors?.[0]?.in, 'query');
    }
  });

  void it('400 for a single-value parameter given twice', async () => {
    for (const url of ['/cases?start=2021-01-01&start=2021-01-02', '/cases?country=RU&country=RU', '/v1/daily?format=csv&format=json', '/v1/daily?country=RU&country=DE', '/?country=RU&country=RU']) {
      const problem = await expectProblem(url, 400, 'invalid_request', /given more than once/);
      assert.equal(problem.errors?.length, 1);
    }
  });

  void it('404 for unknown paths, 405 with Allow for a known path and another method', async () => {
    for (const url of ['/nope', '/v1', '/v1/', '/cases/', '/v2/daily', '/users', '/v1/countries/RU']) {
      await expectProblem(url, 404, 'not_found', /nothing at this path/);
    }
    for (const [method, url, allow] of [
      ['POST', '/cases', 'GET, HEAD'],
      ['DELETE', '/v1/daily', 'GET, HEAD'],
      ['PUT', '/v1/countries/RU/summary', 'GET, HEAD'],
      ['GET', '/users/register', 'POST'],
      ['PATCH', '/users/recreate-api-key', 'POST'],
    ] as const) {
      const response = await ctx.app.inject({ method, url, headers: { 'x-key': key } });
      assert.equal(response.statusCode, 405, `${method} ${url}`);
      assert.equal(response.headers.allow, allow);
      assert.equal(response.json<Problem>().type, 'urn:covid-etl:problem:method_not_allowed');
    }
  });

  void it('HEAD works where GET does', async () => {
    const response = await ctx.app.inject({ method: 'HEAD', url: '/cases', headers: { 'x-key': key } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
  });

  void it('no input produces a 500', async () => {
    // Deterministic pseudo-random requests: odd names, values, repetitions, encodings.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const names = ['start', 'end', 'country', 'fields', 'format', 'x-key', '', '__proto__', 'constructor', 'a'.repeat(300)];
    const values = ['', 'RU', 'ru', 'XK', '2021-01-01', '2021-02-29', '9999-12-31', '0000-01-01', '%00', '%FF', '%E2%82', "'; DROP TABLE daily; --", "RU' OR '1'='1", '\\', '%22', 'date,cases', 'x'.repeat(5_000), '-1', '1e309', 'NaN', 'null', '[]', '{}', '%0A', ',,,'];
    const paths = ['/', '/cases', '/deaths', '/summary', '/v1/countries', '/v1/daily', '/v1/status', '/v1/countries/%00/summary', "/v1/countries/R'/summary", '/v1/countries/ru/summary'];
    for (let i = 0; i < 600; i++) {
      const query = Array.from({ length: Math.floor(random() * 4) }, () => `${pick(names)}=${pick(values)}`).join('&');
      const url = `${pick(paths)}${query ? `?${query}` : ''}`;
      const response = await ctx.app.inject({ method: pick(['GET', 'GET', 'HEAD', 'POST']), url, headers: { 'x-key': key, accept: pick(['*/*', 'text/csv', 'application/xml', 'text/html;q=0', ',,;;', '']) } });
      assert.ok(response.statusCode < 500, `${url}: ${response.statusCode} ${response.body}`);
    }
    const bodies = ['{', '[]', 'null', '"x"', '{"username":{"$gt":""},"password":1}', '{"__proto__":{"admin":true},"username":"bob","password":"12345678"}', '{"constructor":{"prototype":{}}}', JSON.stringify({ username: 'a'.repeat(1_000), password: 'b' })];
    for (const payload of bodies) {
      for (const url of ['/users/register', '/users/recreate-api-key']) {
        const response = await ctx.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
        assert.ok(response.statusCode === 400 || response.statusCode === 413, `${url} ${payload}: ${response.statusCode} ${response.body}`);
      }
    }
  });
});

void describe('stores down', () => {
  const TIMEOUT_MS = 1_000;
  let env: Awaited<ReturnType<typeof createTestEnvironment>>;
  let app: FastifyInstance;
  let pgProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let chProxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let close: () => Promise<void>;
  let key: string;

  before(async () => {
    env = await createTestEnvironment({ overrides: { AUTH_RATE_LIMIT: '0', DATA_RATE_LIMIT: '0', KEY_FAILURE_LIMIT: '0', CLICKHOUSE_QUERY_TIMEOUT_MS: String(TIMEOUT_MS) } });
    const pgUrl = new URL(env.config.DATABASE_URL);
    const chUrl = new URL(env.config.CLICKHOUSE_URL);
    pgProxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    chProxy = await startTcpProxy({ host: chUrl.hostname, port: Number(chUrl.port || 8123) });
    const config: Config = {
      ...env.config,
      DATABASE_URL: viaProxy(env.config.DATABASE_URL, pgProxy),
      CLICKHOUSE_URL: viaProxy(env.config.CLICKHOUSE_URL, chProxy),
      CLICKHOUSE_READ_URL: viaProxy(env.config.CLICKHOUSE_READ_URL, chProxy),
    };
    const pool = createPool(withStatementTimeout(config.DATABASE_URL, storeTimeoutMs(config)), { max: 4 });
    const clickhouse = createClickHouse({ url: config.CLICKHOUSE_READ_URL, database: config.CLICKHOUSE_DATABASE, requestTimeoutMs: storeTimeoutMs(config) });
    const direct = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
    await direct.insert({ table: 'daily', format: 'JSONEachRow', values: [{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0, source: 'who', estimated: 0, version: 1, run_id: 1 }] });
    await direct.close();
    // A clock that stands still: a key checked once stays cached, whatever the test's pace.
    const deps = await createApiDeps({ config, logger: pino({ level: 'silent' }), pool, clickhouse, clock: fakeClock() });
    app = await buildApp(deps, {
      defaultMetrics: false,
      // Readiness must follow each outage at once here, not after its 1 s cache.
      readinessIntervalMs: 0,
    });
    close = async () => {
      await app.close();
      await deps.changes.close();
      await clickhouse.close();
      await pool.end();
      await pgProxy.close();
      await chProxy.close();
      await env.cleanup();
    };
    const response = await app.inject({ method: 'POST', url: '/users/register', payload: { username: 'alice', password: PASSWORD } });
    key = response.json<{ api_key: string }>().api_key;
  });
  after(() => close());

  const timed = async (request: InjectOptions) => {
    const started = performance.now();
    const response = await app.inject(request);
    return { response, ms: performance.now() - started };
  };
  const data = () => timed({ url: '/cases', headers: { 'x-key': key } });
  /** A request no cache can answer: /v1/daily streams from ClickHouse for each new range. */
  let ranges = 0;
  const uncached = () => {
    const end = new Date(Date.UTC(2021, 0, 1) + ranges++ * 86_400_000).toISOString().slice(0, 10);
    return timed({ url: `/v1/daily?end=${end}`, headers: { 'x-key': key } });
  };
  /** The first request after a store comes back may still meet a dropped socket: allow a retry. */
  const eventually = async (request: () => Promise<{ response: { statusCode: number } }>, status: number) => {
    let last = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      last = (await request()).response.statusCode;
      if (last === status) return;
    }
    assert.equal(last, status);
  };

  const assertUnavailable = (response: { statusCode: number; headers: Record<string, unknown>; body: string }, store: string) => {
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    const problem = JSON.parse(response.body) as Problem;
    assert.equal(problem.type, 'urn:covid-etl:problem:unavailable');
    assert.match(problem.detail, new RegExp(store));
  };

  void it('ClickHouse refusing connections: 503 at once, cached answers still served, ready again when it is back', async () => {
    assert.equal((await data()).response.statusCode, 200);
    chProxy.setMode('refuse');
    const { response, ms } = await uncached();
    assertUnavailable(response, 'ClickHouse');
    assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
    // The data versions live in memory: an answer already cached needs no ClickHouse.
    assert.equal((await data()).response.statusCode, 200);
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json<Problem>().detail, /not reachable: clickhouse/);
    chProxy.setMode('forward');
    await eventually(uncached, 200);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  });

  void it('ClickHouse not answering: 503 after the query timeout, well before the HTTP one', async () => {
    chProxy.setMode('blackhole');
    await uncached(); // may fail at once on a kept-alive socket the switch dropped
    const { response, ms } = await uncached();
    assertUnavailable(response, 'ClickHouse');
    assert.ok(ms >= TIMEOUT_MS * 0.9 && ms < TIMEOUT_MS * 3, `${ms.toFixed(0)} ms`);
    chProxy.setMode('forward');
    await eventually(uncached, 200);
  });

  void it('PostgreSQL down: 503 for what needs it, quickly; a recently checked key still works', async () => {
    pgProxy.setMode('refuse');
    const register = () => timed({ method: 'POST', url: '/users/register', payload: { username: 'bob', password: PASSWORD } });
    const { response, ms } = await register();
    assertUnavailable(response, 'PostgreSQL');
    assert.ok(ms < 1_000, `${ms.toFixed(0)} ms`);
    // A key never seen by this process needs the database.
    const other = await timed({ url: '/cases', headers: { 'x-key': 'cov_' + 'A'.repeat(43) + 'xxxxxx' } });
    assert.equal(other.response.statusCode, 401, 'a malformed key is refused without the database');
    const ready = await app.inject({ url: '/readyz' });
    assert.match(ready.json<Problem>().detail, /not reachable: postgres/);
    assert.equal((await app.inject({ url: '/v1/status', headers: { 'x-key': key } })).statusCode, 503);
    // The key was checked a moment ago: within its cache bound it needs no database.
    assert.equal((await data()).response.statusCode, 200);
    pgProxy.setMode('forward');
    await eventually(register, 201);
  });
});
