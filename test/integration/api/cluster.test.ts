// `covid-etl serve` with API_PROCESSES=2, as a real process: both processes answer on one port,
// a key re-issued through one is refused by the other within a second, new data reaches both
// with the same ETag, a killed process is replaced, and SIGTERM stops them all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { announceCountries } from '../../../src/platform/data-announcements.ts';
import { createClickHouse } from '../../../src/platform/clickhouse.ts';
import { createPool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { startRole, type RoleProcess } from '../../support/processes.ts';
import { PASSWORD } from './context.ts';
import { freePort } from '../../support/ports.ts';


/** The pids of a process's children (/proc/<pid>/task/<pid>/children). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

void describe('serve with several processes', () => {
  let env: TestEnvironment;
  let server: RoleProcess;
  let port: number;
  // A new connection per request (no keep-alive): the primary hands them out in turn.
  const agent = new http.Agent({ keepAlive: false });
  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        { host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  /** One row of Russia's, stored straight into ClickHouse (as the sink would), `version` = `cases`. */
  const insertRussia = async (date: string, cases: number) => {
    const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
    try {
      await clickhouse.insert({
        table: 'daily',
        format: 'JSONEachRow',
        values: [{ country: 'RU', date, cases, deaths: 0, source: 'who', estimated: 0, version: cases, run_id: 1 }],
      });
    } finally {
      await clickhouse.close();
    }
  };

  before(async () => {
    env = await createTestEnvironment({ overrides: { AUTH_RATE_LIMIT: '0', DATA_RATE_LIMIT: '0' } });
    await insertRussia('2021-01-01', 1);
    port = await freePort();
    // A key cache that would keep a revoked key for 5 s: only the notification can end it sooner.
    server = startRole('serve', env.config, { env: { PORT: String(port), HOST: '127.0.0.1', API_PROCESSES: '2', LOG_LEVEL: 'warn' } });
    for (let i = 0; ; i++) {
      const ready = await request('GET', '/readyz').catch(() => undefined);
      if (ready?.status === 200 && children(server.pid).length === 2) break;
      if (i > 300) throw new Error(`serve did not start:\n${server.output()}`);
      await sleep(100);
    }
  });
  after(async () => {
    await server?.stop('SIGTERM');
    agent.destroy();
    await env.cleanup();
  });

  void it('runs API_PROCESSES processes on one port, and a key re-issued through one is refused by all within a second', async () => {
    assert.equal(children(server.pid).length, 2);
    const registered = await request('POST', '/users/register', {}, { username: 'alice', password: PASSWORD });
    assert.equal(registered.status, 201);
    const key = (JSON.parse(registered.text) as { api_key: string }).api_key;
    // Enough requests that both processes checked (and cached) the key.
    for (let i = 0; i < 10; i++) assert.equal((await request('GET', '/cases', { 'x-key': key })).status, 200);
    const reissued = await request('POST', '/users/recreate-api-key', {}, { username: 'alice', password: PASSWORD });
    assert.equal(reissued.status, 200);
    const started = performance.now();
    let refusedInARow = 0;
    while (refusedInARow < 6 && performance.now() - started < 5_000) {
      refusedInARow = (await request('GET', '/cases', { 'x-key': key })).status === 401 ? refusedInARow + 1 : 0;
    }
    const elapsed = performance.now() - started;
    assert.equal(refusedInARow, 6, 'the old key kept working');
    assert.ok(elapsed < 1_000, `the old key worked somewhere for ${elapsed.toFixed(0)} ms`);
  });

  void it('new data reaches every process, with one ETag', async () => {
    const registered = await request('POST', '/users/register', {}, { username: 'bob', password: PASSWORD });
    const key = (JSON.parse(registered.text) as { api_key: string }).api_key;
    const before = await request('GET', '/cases', { 'x-key': key });
    await insertRussia('2021-01-02', 2);
    const pool = createPool(env.config.DATABASE_URL, { max: 1 });
    await announceCountries(pool, ['RU']);
    await pool.end();
    await sleep(200);
    const etags = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const answer = await request('GET', '/cases', { 'x-key': key });
      assert.deepEqual((JSON.parse(answer.text) as { date: string[] }).date, ['2021-01-01', '2021-01-02']);
      etags.add(answer.headers.etag as string);
    }
    assert.equal(etags.size, 1, [...etags].join(' '));
    assert.notEqual([...etags][0], before.headers.etag);
  });

  void it('replaces a process that dies, and stops them all on SIGTERM', async () => {
    const [victim] = children(server.pid);
    process.kill(victim!, 'SIGKILL');
    let replaced: number[] = [];
    for (let i = 0; i < 100; i++) {
      replaced = children(server.pid);
      if (replaced.length === 2 && !replaced.includes(victim!)) break;
      await sleep(100);
    }
    assert.equal(replaced.length, 2);
    assert.ok(!replaced.includes(victim!));
    for (let i = 0; i < 100 && (await request('GET', '/healthz').catch(() => undefined))?.status !== 200; i++) await sleep(100);
    const workers = children(server.pid);
    assert.equal(await server.stop('SIGTERM'), 0);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'every process is gone');
  });
});
