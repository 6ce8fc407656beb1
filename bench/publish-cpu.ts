// The worker's CPU in the publish phase of the two historical loads alone, in this process:
// transform, diff against etl_published, JSON, Kafka producer and the COPY of what was published
// (tasks/publish-staged.ts), for every record of the ECDC 2020 file and the WHO file, each time
// in a fresh test environment (every record new). The files are read and staged before the
// clock starts, and their series held in memory, so the figure is free of the CSV read (which
// bench/load-cpu.ts includes) and of the disk: a smaller, steadier number to compare changes of
// the publish path with on a machine other work shares.
//
// Also the process's peak RSS after the pair (the series in memory included: compare it between
// trees, not with a worker's).
//
//   --runs N        the pair N times (default 5)
//   --baseline REF  each run twice, alternately, in fresh processes: commit REF's publishStaged
//                   (a checkout of it with this file copied in) and this tree's; ratios of the medians
//
//   node --expose-gc bench/publish-cpu.ts [--runs N] [--baseline REF]   (prints Markdown)
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceName } from '../src/domain/record.ts';
import type { RecordRegion } from '../src/domain/regions.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createPool, type Pool, type PoolClient } from '../src/platform/postgres.ts';
import { readEcdc } from '../src/pipeline/sources/ecdc.ts';
import { SeriesStage, stageRead } from '../src/pipeline/sources/stage-read.ts';
import { readWho } from '../src/pipeline/sources/who.ts';
import { publishStaged } from '../src/pipeline/tasks/publish-staged.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';
import { checkout } from './checkout.ts';

const gc = (globalThis as { gc?: () => void }).gc;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

type Sample = { source: SourceName; wallMs: number; cpuMs: number; published: number; peakRssMb: number };

/** A source's series held in memory, shaped as the stage publishStaged reads. */
async function memoryStage(source: 'ecdc' | 'who') {
  const file = source === 'ecdc' ? SOURCE_FILES.ecdcFinal : SOURCE_FILES.whoDaily;
  const stage = SeriesStage.create(source);
  try {
    const read = await stageRead(source, (source === 'ecdc' ? readEcdc : readWho)(createReadStream(file)), stage);
    const series = new Map(stage.countries().map((country) => [country, stage.series(country)]));
    const memory = { countries: () => [...series.keys()], series: (country: string) => series.get(country)!, rejects: () => [][Symbol.iterator]() };
    return { stage: memory as unknown as SeriesStage, regions: read.regions as ReadonlyMap<string, RecordRegion>, rows: read.stats.rows };
  } finally {
    stage.remove();
  }
}

function attemptOn(pool: Pool) {
  let opened: Promise<PoolClient> | undefined;
  const transaction = () => (opened ??= pool.connect().then(async (client) => (await client.query('BEGIN'), client)));
  const attempt = { runId: '1', attempt: 1, reload: [], signal: new AbortController().signal, logger: createLogger('silent', 'bench'), progress: () => undefined, transaction };
  const commit = async () => {
    const client = await transaction();
    await client.query('COMMIT');
    client.release();
  };
  return { attempt, commit };
}

async function pair(): Promise<Sample[]> {
  const staged = { ecdc: await memoryStage('ecdc'), who: await memoryStage('who') };
  const env = await createTestEnvironment({ kafka: true, overrides: { LOG_LEVEL: 'silent' } });
  const pool = createPool(env.config.DATABASE_URL, { max: 2 });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const producer = createProducer(env.config.KAFKA_BROKERS, 'bench-publish-cpu');
  try {
    await pool.query(`INSERT INTO etl_runs (id, trigger, state) VALUES (1, 'manual', 'running')`);
    await producer.metadata({ topics: [env.config.KAFKA_TOPIC, env.config.KAFKA_DLQ_TOPIC] }); // connected before timing
    const deps = { config: env.config, pool, clickhouse, producer, clock: systemClock };
    const samples: Sample[] = [];
    for (const source of ['ecdc', 'who'] as const) {
      const { stage, regions, rows } = staged[source];
      const { attempt, commit } = attemptOn(pool);
      gc?.();
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const result = await publishStaged(deps, attempt, { source, stage, counts: { read: rows }, regions, republish: new Set() });
      const used = process.cpuUsage(cpuBefore);
      samples.push({ source, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, published: result.counts.published ?? 0, peakRssMb: process.resourceUsage().maxRSS / 1024 });
      await commit();
    }
    return samples;
  } finally {
    await producer.close();
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
  }
}

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const baselineRef = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const inProcess = (script: string) =>
  JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, '--child'], { encoding: 'utf8', env: process.env }).trim().split('\n').pop()!) as Sample[];

if (args.includes('--child')) {
  console.log(JSON.stringify(await pair()));
} else {
  console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}.\n`);
  console.log('| run | ecdc wall (CPU) | who wall (CPU) | published (ecdc / who) | peak RSS |\n|---|---|---|---|---|');
  const base = baselineRef ? checkout(baselineRef) : undefined;
  const self = fileURLToPath(import.meta.url);
  const results = new Map<string, Sample[][]>();
  const row = (name: string, [e, w]: Sample[]) =>
    `| ${name} | ${s(e!.wallMs)} (CPU ${s(e!.cpuMs)}) | ${s(w!.wallMs)} (CPU ${s(w!.cpuMs)}) | ${e!.published.toLocaleString('en-US')} / ${w!.published.toLocaleString('en-US')} | ${w!.peakRssMb.toFixed(0)} MB |`;
  try {
    if (base) copyFileSync(self, path.join(base.dir, 'bench', 'publish-cpu.ts'));
    const trees = base ? [[`baseline ${base.commit}`, path.join(base.dir, 'bench', 'publish-cpu.ts')], ['this tree', self]] : [['this tree', self]];
    for (let i = 1; i <= runs; i++) {
      for (const [name, script] of trees) {
        const samples = inProcess(script!);
        results.set(name!, [...(results.get(name!) ?? []), samples]);
        console.log(row(`${i}, ${name}`, samples));
      }
    }
  } finally {
    base?.remove();
  }
  const medians = new Map([...results].map(([name, rs]) => [name, [0, 1].map((i) => ({ wall: median(rs.map((r) => r[i]!.wallMs)), cpu: median(rs.map((r) => r[i]!.cpuMs)), rss: median(rs.map((r) => r[i]!.peakRssMb)) }))]));
  console.log(`\nLoad average after: ${loadAverage()}.`);
  for (const [name, [e, w]] of medians) console.log(`Median, ${name}: ecdc ${s(e!.wall)} (CPU ${s(e!.cpu)}), who ${s(w!.wall)} (CPU ${s(w!.cpu)}), CPU both **${s(e!.cpu + w!.cpu)}**, peak RSS ${w!.rss.toFixed(0)} MB.`);
  if (base) {
    const [b, a] = [...medians.values()];
    const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    console.log(
      `This tree / baseline: CPU ecdc **${ratio(a![0]!.cpu, b![0]!.cpu)}**, who **${ratio(a![1]!.cpu, b![1]!.cpu)}**, both **${ratio(a![0]!.cpu + a![1]!.cpu, b![0]!.cpu + b![1]!.cpu)}**; ` +
        `wall both ${ratio(a![0]!.wall + a![1]!.wall, b![0]!.wall + b![1]!.wall)}.`,
    );
  }
}
