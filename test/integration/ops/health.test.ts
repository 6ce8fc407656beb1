// The worker's and the sink's health ports against the real services: readiness names what the
// role waits for, /metrics carries the sink's consumer lag per partition and dead letters.
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createProducer, createSinkConsumer, type StringProducer } from '../../../src/platform/kafka.ts';
import { groupLag } from '../../../src/sink/health.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { startRole, type RoleProcess } from '../../support/processes.ts';
import { waitFor } from '../../support/wait.ts';
import { dailyRecords, publish, publishRaw } from '../sink/support.ts';

async function healthPort(proc: RoleProcess, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of proc.output().split('\n')) {
      if (!line.includes('"health server listening"')) continue;
      return (JSON.parse(line) as { port: number }).port;
    }
    if (proc.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`no health server line from the ${proc.role}:\n${proc.output()}`);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Value of one series of a Prometheus text exposition, e.g. metric('x{a="1"}'). */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('health ports of the worker and the sink', () => {
  let env: TestEnvironment;
  let producer: StringProducer;
  const procs: RoleProcess[] = [];
  const start = (role: 'sink' | 'worker', extra: Record<string, string> = {}) => {
    const proc = startRole(role, env.config, { env: { LOG_LEVEL: 'info', ...extra } });
    procs.push(proc);
    return proc;
  };

  before(async () => {
    env = await createTestEnvironment({ kafka: true });
    producer = createProducer(env.config.KAFKA_BROKERS, 'health-test');
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await producer.close();
    await env.cleanup();
  });

  it('sink: lag per partition counts what the group has not committed; ready once consuming; dead letters counted', async () => {
    await publish(producer, env.config.KAFKA_TOPIC, dailyRecords(30).map((record) => ({ record })));
    await publishRaw(producer, env.config.KAFKA_TOPIC, [{ key: 'x', value: 'not json' }, { key: 'RU:2020-01-01', value: '{"country":"RU"}' }]);

    // Before any sink ran: the whole topic is lag.
    const idle = createSinkConsumer(env.config.KAFKA_BROKERS, env.config.KAFKA_SINK_GROUP, 'health-test-lag');
    try {
      const lag = await groupLag(idle, env.config.KAFKA_TOPIC);
      assert.equal(lag.length, env.config.KAFKA_PARTITIONS);
      assert.equal(lag.reduce((a, b) => a + b, 0), 32);
    } finally {
      await idle.close();
    }

    const sink = start('sink');
    const port = await healthPort(sink);
    const base = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await waitFor('the sink to be ready', async () => {
      const response = await fetch(`${base}/readyz`);
      return response.status === 200 ? ((await response.json()) as { checks: Record<string, string> }) : undefined;
    });
    assert.deepEqual(ready.checks, { kafka: 'up', clickhouse: 'up' });

    const text = await waitFor('lag 0 on every partition and 2 dead letters', async () => {
      const body = await (await fetch(`${base}/metrics`)).text();
      const lags = [0, 1, 2].map((p) => metric(body, `covid_etl_sink_consumer_lag{topic="${env.config.KAFKA_TOPIC}",partition="${p}"}`));
      return lags.every((l) => l === 0) && metric(body, 'covid_etl_sink_dead_letters_total') === 2 ? body : undefined;
    });
    assert.equal(metric(text, 'covid_etl_sink_rows_total'), 30);
    assert.ok((metric(text, 'process_start_time_seconds') ?? 0) > Date.now() / 1000 - 300, 'process_start_time_seconds is this process start');
    assert.equal(await sink.stop('SIGTERM'), 0);
  });

  it('sink: with ClickHouse unreachable it stays live but not ready, and says it waits for ClickHouse', async () => {
    const sink = start('sink', { CLICKHOUSE_URL: `http://default:@127.0.0.1:${await closedPort()}` });
    const base = `http://127.0.0.1:${await healthPort(sink)}`;
    const body = await waitFor('the consumer to join and readiness to name ClickHouse alone', async () => {
      const response = await fetch(`${base}/readyz`);
      const json = (await response.json()) as { status: string; waiting_for: string[]; checks: Record<string, string> };
      return response.status === 503 && json.waiting_for.join() === 'clickhouse' ? json : undefined;
    });
    assert.equal(body.checks.kafka, 'up');
    assert.match(body.checks.clickhouse ?? '', /^down: /);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    await sink.stop('SIGKILL');
  });

  it('worker: ready once it takes jobs with PostgreSQL, Kafka and ClickHouse up; metrics show its start time', async () => {
    // The first start begins a run; its sources do not answer, which does not matter here.
    const nowhere = `http://127.0.0.1:${await closedPort()}/x.csv`;
    const worker = start('worker', { SOURCE_ECDC_URL: nowhere, SOURCE_WHO_URL: nowhere, SOURCE_STOPCORONAVIRUS_URL: nowhere, SOURCE_RETRIES: '0' });
    const base = `http://127.0.0.1:${await healthPort(worker)}`;
    const ready = await waitFor('the worker to be ready', async () => {
      const response = await fetch(`${base}/readyz`);
      return response.status === 200 ? ((await response.json()) as { role: string; checks: Record<string, string> }) : undefined;
    });
    assert.deepEqual(ready, { status: 'ready', role: 'worker', waiting_for: [], checks: { postgres: 'up', kafka: 'up', clickhouse: 'up' } });
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.ok(metric(text, 'process_start_time_seconds'));
    assert.equal(await worker.stop('SIGTERM'), 0);
  });
});
