// The roles' health port: liveness, readiness naming what it waits for, metrics, and the
// configuration of its ports.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { ConfigError, parseConfig } from '../../../src/platform/config.ts';
import { readiness, startHealthServer, type HealthServer } from '../../../src/platform/health-server.ts';
import { createLogger } from '../../../src/platform/logger.ts';

const logger = createLogger('silent', 'test');

describe('health server', async () => {
  const registry = new Registry();
  new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
  const state = { starting: 'consumer group' as string | undefined, kafkaDown: true };
  const server: HealthServer = await startHealthServer({
    role: 'sink',
    host: '127.0.0.1',
    port: 0,
    registry,
    logger,
    starting: () => state.starting,
    checks: {
      kafka: () => (state.kafkaDown ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092')) : Promise.resolve()),
      clickhouse: async () => {},
    },
  });
  after(() => server.close());
  const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  it('answers liveness at once, whatever the dependencies do', async () => {
    const response = await get('/healthz');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string; role: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.role, 'sink');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('is not ready while starting or while a dependency is down, and says what it waits for', async () => {
    let response = await get('/readyz');
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      status: 'not_ready',
      role: 'sink',
      waiting_for: ['consumer group', 'kafka'],
      checks: { kafka: 'down: connect ECONNREFUSED 127.0.0.1:9092', clickhouse: 'up' },
    });
    state.starting = undefined;
    response = await get('/readyz');
    assert.equal(response.status, 503);
    assert.deepEqual(((await response.json()) as { waiting_for: string[] }).waiting_for, ['kafka']);
    state.kafkaDown = false;
    response = await get('/readyz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ready', role: 'sink', waiting_for: [], checks: { kafka: 'up', clickhouse: 'up' } });
  });

  it('serves the registry in the Prometheus text format', async () => {
    const response = await get('/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await response.text(), /^test_things_total 3$/m);
  });

  it('refuses other paths and methods', async () => {
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/healthz', 'POST')).status, 405);
    const head = await get('/healthz', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('fails to start with a message naming the port variable when the port is taken', async () => {
    await assert.rejects(
      startHealthServer({ role: 'worker', host: '127.0.0.1', port: server.port, registry, logger, starting: () => undefined, checks: {} }),
      /health port 127\.0\.0\.1:\d+ of the worker is in use by another process \(set WORKER_HEALTH_PORT\)/,
    );
  });
});

describe('readiness', () => {
  it('counts a check that does not answer in time as down', async () => {
    const result = await readiness({
      role: 'worker',
      checkTimeoutMs: 50,
      starting: () => undefined,
      checks: { postgres: () => new Promise(() => {}), kafka: async () => {} },
    });
    assert.deepEqual(result, { status: 'not_ready', role: 'worker', waiting_for: ['postgres'], checks: { postgres: 'down: no answer within 50 ms', kafka: 'up' } });
  });

  it('gives each check an abort signal that fires at the time-out', async () => {
    let aborted = false;
    await readiness({
      role: 'worker',
      checkTimeoutMs: 30,
      starting: () => undefined,
      checks: {
        postgres: (signal) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
      },
    });
    assert.equal(aborted, true);
  });
});

describe('health ports in the configuration', () => {
  it('default to 8001 (worker) and 8002 (sink) on loopback', () => {
    const config = parseConfig({});
    assert.equal(config.HEALTH_HOST, '127.0.0.1');
    assert.equal(config.WORKER_HEALTH_PORT, 8001);
    assert.equal(config.SINK_HEALTH_PORT, 8002);
  });

  for (const [env, message] of [
    [{ SINK_HEALTH_PORT: '70000' }, /^ {2}SINK_HEALTH_PORT: /m],
    [{ WORKER_HEALTH_PORT: 'eight' }, /^ {2}WORKER_HEALTH_PORT: /m],
    [{ WORKER_HEALTH_PORT: '8000' }, /^ {2}WORKER_HEALTH_PORT: must differ from PORT \(both are 8000\)/m],
    [{ SINK_HEALTH_PORT: '9100', WORKER_HEALTH_PORT: '9100' }, /^ {2}SINK_HEALTH_PORT: must differ from WORKER_HEALTH_PORT/m],
    [{ HEALTH_HOST: ' ' }, /^ {2}HEALTH_HOST: /m],
  ] as const) {
    it(`stops on ${JSON.stringify(env)}`, () => {
      assert.throws(() => parseConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('allows 0 (any free port) for several at once', () => {
    const config = parseConfig({ PORT: '0', WORKER_HEALTH_PORT: '0', SINK_HEALTH_PORT: '0' });
    assert.equal(config.SINK_HEALTH_PORT, 0);
    assert.ok(net.isIP(config.HEALTH_HOST));
  });
});
