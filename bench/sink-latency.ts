// How stale the sink makes new data: one record published at a time (the weekly post, a single
// revision), from the producer's acknowledgement until ClickHouse holds its row, through
// `covid-etl sink` running as its own process. The floor is the sink's idle wait (SINK_IDLE_MS)
// plus one insert; the API's own share (announcement to answer) is bench/api-vs-node.ts
// --staleness-only.
//
//   node bench/sink-latency.ts [--trials N] [--baseline <git ref | dir>]
//
// --baseline: that commit's (or checkout's) sink first, then this one's, same stack; both get
// this checkout's configuration defaults (SINK_BATCH_SIZE etc.).
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClickHouse, sqlIdentifier } from '../src/platform/clickhouse.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { repoRoot } from '../test/support/paths.ts';
import { startRole } from '../test/support/processes.ts';
import { dailyRecords, publish } from '../test/integration/sink/support.ts';
import { checkout } from './checkout.ts';
import { loadAverage, median } from './stats.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const trials = Number(option('--trials') ?? 20);
const baseline = option('--baseline');

async function latencies(sinkRoot: string): Promise<number[]> {
  const env = await createTestEnvironment({ kafka: true });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const producer = createProducer(env.config.KAFKA_BROKERS, 'sink-latency');
  const sink = startRole('sink', env.config, { root: sinkRoot, env: { LOG_LEVEL: 'warn' } });
  const table = `${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.daily`;
  const records = dailyRecords(trials + 1);
  const stored = async (runId: number) => {
    const result = await clickhouse.query({ query: `SELECT count() AS n FROM ${table} WHERE run_id = ${runId}`, format: 'JSONEachRow' });
    return Number((await result.json<{ n: string }>())[0]?.n ?? 0) > 0;
  };
  try {
    // The first record waits for the group's join; it is not counted.
    await publish(producer, env.config.KAFKA_TOPIC, [{ record: records[0]!, runId: 1 }]);
    while (!(await stored(1))) await sleep(20);
    const ms: number[] = [];
    for (let trial = 1; trial <= trials; trial++) {
      const runId = trial + 1;
      await publish(producer, env.config.KAFKA_TOPIC, [{ record: records[trial]!, runId }]);
      const acknowledged = performance.now();
      while (!(await stored(runId))) {
        if (performance.now() - acknowledged > 10_000) throw new Error(`trial ${trial}: not stored within 10 s\n${sink.output()}`);
        await sleep(2);
      }
      ms.push(performance.now() - acknowledged);
      await sleep(100);
    }
    return ms;
  } finally {
    await sink.stop();
    await producer.close();
    await clickhouse.close();
    await env.cleanup();
  }
}

const base = baseline === undefined ? undefined : existsSync(baseline) ? { dir: baseline, commit: baseline, remove: () => {} } : checkout(baseline);
console.log(`${new Date().toISOString()}; load average before: ${loadAverage()}.${base ? ` Baseline: ${base.commit}.` : ''}`);
try {
  for (const [name, root] of base ? [['baseline', base.dir] as const, ['this checkout', repoRoot] as const] : [['this checkout', repoRoot] as const]) {
    const ms = await latencies(root);
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`${name}: publish acknowledged -> row in ClickHouse over ${ms.length} records: p50 ${median(ms).toFixed(0)} ms, min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`);
  }
} finally {
  base?.remove();
}
console.log(`load average after: ${loadAverage()}.`);
