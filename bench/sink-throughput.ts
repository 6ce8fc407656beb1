// Sink throughput against the real stack: publishes ~250,000 records (249 countries x 1,004 days,
// the size of the full historical load), then runs `covid-etl sink` as its own process and
// measures records/s from its start until ClickHouse holds every row and the group has committed
// to the end, its CPU time (user + system from /proc, the figure that matters on a machine whose
// cores the worker also needs) and its peak memory (VmHWM). Not part of the test suite:
//   node bench/sink-throughput.ts [records]
// SINK_ROOT=<checkout> runs that checkout's sink instead (a baseline in the same run).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import type { DailyRecord } from '../src/domain/record.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { repoRoot } from '../test/support/paths.ts';
import { countRows, groupPosition, publish, waitFor } from '../test/integration/sink/support.ts';

const total = Number(process.argv[2] ?? 250_000);
const countries = [...COUNTRY_CODES];
const days = Math.ceil(total / countries.length);
const start = Date.UTC(2020, 0, 1);

const flags = (estimated: boolean) => ({ estimated, estimated_cases: estimated, estimated_deaths: estimated });

function* records(): Generator<DailyRecord> {
  let n = 0;
  for (let day = 0; day < days; day++) {
    const date = new Date(start + day * 86_400_000).toISOString().slice(0, 10);
    for (const country of countries) {
      if (n++ >= total) return;
      yield { country, date, cases: (n * 7) % 5_000, deaths: n % 50, source: day < 350 ? 'ecdc' : 'who', ...flags(n % 9 === 0) };
    }
  }
}

const env = await createTestEnvironment({ kafka: true, overrides: { LOG_LEVEL: 'info' } });
const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
const producer = createProducer(env.config.KAFKA_BROKERS, 'sink-throughput-publisher');
try {
  const publishStarted = performance.now();
  let batch: { record: DailyRecord; runId: number }[] = [];
  for (const record of records()) {
    batch.push({ record, runId: 1 });
    if (batch.length === 20_000) {
      await publish(producer, env.config.KAFKA_TOPIC, batch);
      batch = [];
    }
  }
  await publish(producer, env.config.KAFKA_TOPIC, batch);
  const publishMs = performance.now() - publishStarted;
  console.log(`published ${total} records in ${(publishMs / 1000).toFixed(2)} s`);

  const sinkStarted = performance.now();
  // SINK_NODE_ARGS passes options to the sink's Node (for example --cpu-prof).
  const nodeArgs = process.env.SINK_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const sinkRoot = process.env.SINK_ROOT ?? repoRoot;
  const child = spawn(process.execPath, [...nodeArgs, path.join(sinkRoot, 'src/cli/main.ts'), 'sink'], {
    cwd: sinkRoot,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.SINK_LOG_LEVEL ?? 'warn',
      DATABASE_URL: env.config.DATABASE_URL,
      CLICKHOUSE_URL: env.config.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: env.config.CLICKHOUSE_DATABASE,
      KAFKA_BROKERS: env.config.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC: env.config.KAFKA_TOPIC,
      KAFKA_DLQ_TOPIC: env.config.KAFKA_DLQ_TOPIC,
      KAFKA_SINK_GROUP: env.config.KAFKA_SINK_GROUP,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // the process is gone
    }
  }, 50);
  let firstRowMs: number | undefined;
  await waitFor(
    'every row stored and committed',
    async () => {
      const rows = await countRows(clickhouse, env.config.CLICKHOUSE_DATABASE, false);
      if (rows > 0) firstRowMs ??= performance.now();
      return rows >= total && (await groupPosition(env.config)).lag === 0n;
    },
    300_000,
    50,
  );
  const doneMs = performance.now();
  const cpuSeconds = processCpuSeconds(child.pid);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const finalRows = await countRows(clickhouse, env.config.CLICKHOUSE_DATABASE, true);

  const seconds = (doneMs - sinkStarted) / 1000;
  const steady = firstRowMs === undefined ? seconds : (doneMs - firstRowMs) / 1000;
  console.log(
    JSON.stringify(
      {
        records: total,
        rowsFinal: finalRows,
        batchSize: env.config.SINK_BATCH_SIZE,
        batchMs: env.config.SINK_BATCH_MS,
        seconds: Number(seconds.toFixed(2)),
        recordsPerSecond: Math.round(total / seconds),
        firstRowToDoneSeconds: Number(steady.toFixed(2)),
        sinkCpuSeconds: cpuSeconds,
        cpuMicrosecondsPerRecord: Number(((cpuSeconds * 1e6) / total).toFixed(1)),
        peakRssMb: Math.round(peakKb / 1024),
        sinkRoot,
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        node: process.version,
      },
      null,
      2,
    ),
  );
} finally {
  await producer.close();
  await clickhouse.close();
  await env.cleanup();
}

/** User + system CPU seconds of a live process (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
function processCpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
