// What the cluster of `make up-cluster` gives and costs, measured on it (results: docs/scaling.md
// and docs/benchmarks.md):
//   1. API: one API process directly vs the two behind HAProxy, same closed-loop load
//      (/cases?country=RU with many keys, so no key meets DATA_RATE_LIMIT);
//   2. sinks: rows/s of one sink vs two (one consumer group) draining the same number of records
//      from a topic with replication factor 3 on the three nodes, into ClickHouse;
//   3. the second ClickHouse replica: one sink into the replicated table on the two replicas vs
//      into a plain table on the single-node server (.env's CLICKHOUSE_URL), same Kafka.
// Needs the cluster running and its data loaded (infra/cluster/up.sh exec bin/covid-etl run --wait):
//   node bench/cluster.ts [seconds per API load] [records per sink run]
import os from 'node:os';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import type { DailyRecord } from '../src/domain/record.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { onCluster, readCluster } from '../test/cluster/cluster.ts';
import { seedUsers } from '../test/support/api-seed.ts';
import { closedLoad, type LoadStats } from '../test/support/load-generator.ts';
import { readEnvironment } from '../src/platform/config.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { startRole } from '../test/support/processes.ts';
import { countRows, groupPosition, publish, waitFor } from '../test/integration/sink/support.ts';
import { loadAverage } from './stats.ts';

const loadSeconds = Number(process.argv[2] ?? 10);
const records = Number(process.argv[3] ?? 100_000);
const cluster = readCluster();

async function api(): Promise<void> {
  const users = await seedUsers(cluster.config, 200, 'bench password', `bench${Date.now().toString(36)}u`);
  const run = (port: number): Promise<LoadStats> => closedLoad({
    port,
    connections: 32,
    durationMs: loadSeconds * 1000,
    request: (c, i) => ({ path: '/cases?country=RU', headers: { 'x-key': users[(c * 31 + i) % users.length]!.key } }),
  });
  const line = (what: string, s: LoadStats) => `${what}: ${Math.round(s.perSecond)} req/s, p50 ${s.latency.p50.toFixed(1)} ms, p99 ${s.latency.p99.toFixed(1)} ms, statuses ${JSON.stringify(s.statuses)}, socket errors ${s.socketErrors}`;
  await run(cluster.apiPorts[0]!); // warm both paths' caches
  const direct = await run(cluster.apiPorts[0]!);
  const balanced = await run(cluster.port);
  console.log(line('one API process, direct', direct));
  console.log(line(`${cluster.apiPorts.length} API processes behind HAProxy`, balanced));
  console.log(`ratio HAProxy(${cluster.apiPorts.length}) / direct(1): ${(balanced.perSecond / direct.perSecond).toFixed(2)}`);
}

function* generated(total: number): Generator<DailyRecord> {
  const countries = [...COUNTRY_CODES];
  let n = 0;
  for (let day = 0; ; day++) {
    const date = new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    for (const country of countries) {
      if (n++ >= total) return;
      yield { country, date, cases: (n * 7) % 5_000, deaths: n % 50, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false };
    }
  }
}

/** The single-node ClickHouse (plain table) in place of the cluster's replicas. */
function singleClickHouse(): Record<string, string> {
  const { CLICKHOUSE_CLUSTER: _replicated, ...rest } = onCluster(cluster);
  return { ...rest, CLICKHOUSE_URL: readEnvironment().CLICKHOUSE_URL ?? 'http://default:@127.0.0.1:8123' };
}

async function sinks(count: number, where = onCluster(cluster), label = 'cluster ClickHouse'): Promise<number> {
  const env = await createTestEnvironment({ kafka: true, overrides: { ...where, LOG_LEVEL: 'warn' } });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const producer = createProducer(env.config.KAFKA_BROKERS, 'cluster-bench-publisher');
  const procs = [];
  try {
    let batch: { record: DailyRecord; runId: number }[] = [];
    for (const record of generated(records)) {
      batch.push({ record, runId: 1 });
      if (batch.length === 20_000) {
        await publish(producer, env.config.KAFKA_TOPIC, batch);
        batch = [];
      }
    }
    await publish(producer, env.config.KAFKA_TOPIC, batch);
    const started = performance.now();
    for (let i = 0; i < count; i++) procs.push(startRole('sink', env.config, { env: { SINK_HEALTH_PORT: '0' } }));
    await waitFor('every row stored and committed', async () =>
      (await countRows(clickhouse, env.config.CLICKHOUSE_DATABASE, false)) >= records && (await groupPosition(env.config)).lag === 0n, 600_000, 100);
    const seconds = (performance.now() - started) / 1000;
    const perSecond = Math.round(records / seconds);
    console.log(`${count} sink(s) into ${label}: ${records} records in ${seconds.toFixed(2)} s from start = ${perSecond} rows/s (${Math.round(perSecond / count)} per sink)`);
    return perSecond;
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 15_000)));
    await producer.close();
    await clickhouse.close();
    await env.cleanup();
  }
}

console.log(`cluster bench ${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model}, load average ${loadAverage()}, node ${process.version}`);
await api();
const one = await sinks(1);
const two = await sinks(2);
console.log(`ratio two sinks / one sink: ${(two / one).toFixed(2)}`);
if (cluster.env.CLICKHOUSE_CLUSTER) {
  const plain = await sinks(1, singleClickHouse(), 'the single server (plain table)');
  console.log(`ratio one sink into 2 replicas / into the single server: ${(one / plain).toFixed(2)}`);
}
