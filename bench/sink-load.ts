// The sink's and the stores' share of the full historical load (issue 9): the load of
// bench/pipeline.ts --history-only --warm (ECDC reconstructed final + WHO daily + the
// stopcoronavirus posts, a worker already up whose first start creates the run), with the
// CPU seconds each process spent during the run: the sink, ClickHouse, Kafka (the broker's JVM),
// the parts of the run's table (one per insert and year partition; the rows merges wrote, from
// the parts merges made, active or not yet removed) and ClickHouse's SELECT count over the run. The machine has 2 cores, so every CPU second any of them spends
// lengthens the load.
//
//   node bench/sink-load.ts [--runs N] [--baseline <git ref | dir>] [--sink-env K=V,...] [--baseline-env K=V,...] [--batches]
//
// --baseline <git ref | dir>: each round runs that commit's (or checkout's) sink first, then this
// one's, with this checkout's worker both times, for ratios measured side by side.
// --sink-env, --baseline-env: more environment for this checkout's sink, the baseline's (e.g.
// SINK_BATCH_SIZE=10000: both sinks get this checkout's configuration with its defaults); --batches:
// its sizes of the batches it stored, in order (from its debug log).
// ClickHouse's and the broker's CPU and the SELECT count are the whole server's: another process
// using them during a run (a test of someone else's) adds to them; the parts are the run's own.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClickHouse, type ClickHouseClient } from '../src/platform/clickhouse.ts';
import { createPool, type Pool } from '../src/platform/postgres.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { dataFile, repoRoot } from '../test/support/paths.ts';
import { startRole } from '../test/support/processes.ts';
import { FIXTURE_DIR, SOURCE_FILES } from '../test/support/source-content.ts';
import { checkout } from './checkout.ts';
import { loadAverage, median } from './stats.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 1);
const baseline = option('--baseline');
const envOption = (name: string): Record<string, string> =>
  Object.fromEntries((option(name) ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const sinkEnv = envOption('--sink-env');
const baselineEnv = envOption('--baseline-env');
const showBatches = args.includes('--batches');

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function pidOf(pattern: string): number {
  return Number(execFileSync('pgrep', ['-of', pattern], { encoding: 'utf8' }).trim());
}

async function selects(clickhouse: ClickHouseClient): Promise<number> {
  const result = await clickhouse.query({ query: `SELECT value FROM system.events WHERE event = 'SelectQuery'`, format: 'JSONEachRow' });
  return Number((await result.json<{ value: string }>())[0]?.value ?? 0);
}

/** Parts written by inserts (level 0) and rows written by merges (parts of a higher level). */
async function parts(clickhouse: ClickHouseClient, database: string): Promise<{ insertedParts: number; insertedRows: number; mergedRows: number }> {
  const result = await clickhouse.query({
    query: `SELECT countIf(level = 0) AS insertedParts, sumIf(rows, level = 0) AS insertedRows, sumIf(rows, level > 0) AS mergedRows FROM system.parts WHERE database = '${database}' AND table = 'daily'`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<Record<string, string>>();
  return { insertedParts: Number(row?.insertedParts), insertedRows: Number(row?.insertedRows), mergedRows: Number(row?.mergedRows) };
}

/** A file:// mirror of the stopcoronavirus list pages and posts (removed at the end). */
function stopcoronavirusMirror(dir: string): string {
  const mirror = path.join(dir, 'stopkoronavirus');
  mkdirSync(mirror);
  for (const name of readdirSync(FIXTURE_DIR).filter((n) => /^list-page-\d+\.html$/.test(n))) copyFileSync(path.join(FIXTURE_DIR, name), path.join(mirror, name));
  const posts = dataFile('ru_obyasnyaem_rf/raw_html');
  for (const name of readdirSync(posts).filter((n) => n.endsWith('.html'))) copyFileSync(path.join(posts, name), path.join(mirror, name.replace(/^commit-\d{4}-\d\d-\d\d_/, '')));
  return pathToFileURL(`${mirror}/`).href;
}

/** The id of the first run once it is no longer running (the worker's first start creates it). */
async function firstRunEnded(pool: Pool): Promise<string> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { rows } = await pool.query<{ id: string; state: string }>(`SELECT id, state FROM etl_runs ORDER BY id LIMIT 1`);
    if (rows[0] && rows[0].state !== 'running') return rows[0].id;
    if (Date.now() > deadline) throw new Error('the first run did not end within 5 minutes');
    await sleep(20);
  }
}

interface LoadFigures {
  wallMs: number;
  sinkCpu: number;
  clickhouseCpu: number;
  kafkaCpu: number;
  batches: number;
  insertedParts: number;
  insertedRows: number;
  mergedRows: number;
  selects: number;
}

async function load(sinkRoot: string): Promise<LoadFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sink-load-'));
  const env = await createTestEnvironment({
    kafka: true,
    overrides: {
      SOURCE_ECDC_URL: pathToFileURL(SOURCE_FILES.ecdcFinal).href,
      SOURCE_WHO_URL: pathToFileURL(SOURCE_FILES.whoDaily).href,
      SOURCE_STOPCORONAVIRUS_URL: stopcoronavirusMirror(dir),
      ETL_SCHEDULE: '0 0 1 1 *',
      LOG_LEVEL: 'warn',
      VERIFY_TIMEOUT_MS: '900000',
    },
  });
  const pool = createPool(env.config.DATABASE_URL, { max: 1 });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const sink = startRole('sink', env.config, { root: sinkRoot, env: { ...(sinkRoot === repoRoot ? sinkEnv : baselineEnv), LOG_LEVEL: showBatches ? 'debug' : 'info' } });
  let worker: ReturnType<typeof startRole> | undefined;
  try {
    await sleep(1_500); // the sink joins its group before the run, as in production
    const clickhousePid = pidOf('clickhouse-server');
    const kafkaPid = pidOf('java.*kafka');
    const before = { sink: cpuSeconds(sink.pid), clickhouse: cpuSeconds(clickhousePid), kafka: cpuSeconds(kafkaPid), selects: await selects(clickhouse) };
    worker = startRole('worker', env.config, { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    const runId = await firstRunEnded(pool);
    const after = { sink: cpuSeconds(sink.pid), clickhouse: cpuSeconds(clickhousePid), kafka: cpuSeconds(kafkaPid), selects: await selects(clickhouse) };
    await sleep(1_000); // merges that the load started
    const { rows } = await pool.query<{ state: string; ms: number }>(`SELECT state, extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM etl_runs WHERE id = $1`, [runId]);
    if (rows[0]!.state !== 'succeeded') throw new Error(`the run ended ${rows[0]!.state}:\n${worker.output()}\n${sink.output()}`);
    if (showBatches) console.log(`batches: ${[...sink.output().matchAll(/"messages":(\d+)[^\n]*"batch stored"/g)].map((m) => m[1]).join(' ')}`);
    await sink.stop();
    const stats = /"batches":(\d+)[^\n]*"sink stopped"/.exec(sink.output());
    return {
      wallMs: Number(rows[0]!.ms),
      sinkCpu: after.sink - before.sink,
      clickhouseCpu: after.clickhouse - before.clickhouse,
      kafkaCpu: after.kafka - before.kafka,
      batches: Number(stats?.[1] ?? NaN),
      ...(await parts(clickhouse, env.config.CLICKHOUSE_DATABASE)),
      selects: after.selects - before.selects,
    };
  } finally {
    await Promise.all([worker?.stop(), sink.stop()]);
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = baseline === undefined ? undefined : existsSync(baseline) ? { dir: baseline, commit: baseline, remove: () => {} } : checkout(baseline);
const sides = base ? ([['baseline', base.dir], ['this checkout', repoRoot]] as const) : ([['this checkout', repoRoot]] as const);
const results = new Map<string, LoadFigures[]>(sides.map(([name]) => [name, []]));
console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; ${new Date().toISOString()}; load average before: ${loadAverage()}.${base ? ` Baseline: ${base.commit}.` : ''}\n`);
console.log('| run | sink | wall (run) | sink CPU | ClickHouse CPU | Kafka CPU | batches | parts inserted | rows inserted | rows merged | SELECTs |\n|---|---|---|---|---|---|---|---|---|---|---|');
try {
  for (let i = 1; i <= runs; i++) {
    for (const [name, root] of sides) {
      const f = await load(root);
      results.get(name)!.push(f);
      console.log(
        `| ${i} | ${name} | ${(f.wallMs / 1000).toFixed(2)} s | ${f.sinkCpu.toFixed(2)} s | ${f.clickhouseCpu.toFixed(2)} s | ${f.kafkaCpu.toFixed(2)} s | ${f.batches} | ${f.insertedParts} | ${f.insertedRows.toLocaleString('en-US')} | ${f.mergedRows.toLocaleString('en-US')} | ${f.selects} |`,
      );
    }
  }
} finally {
  base?.remove();
}
const figures = ['wallMs', 'sinkCpu', 'clickhouseCpu', 'kafkaCpu', 'batches', 'insertedParts', 'mergedRows', 'selects'] as const;
console.log(`\nMedians over ${runs} run(s); load average after: ${loadAverage()}.`);
for (const [name] of sides) console.log(`- ${name}: ${figures.map((k) => `${k} ${Number(median(results.get(name)!.map((f) => f[k])).toFixed(2))}`).join(', ')}`);
if (baseline) {
  const ratio = (k: (typeof figures)[number]) => (median(results.get('this checkout')!.map((f) => f[k])) / median(results.get('baseline')!.map((f) => f[k]))).toFixed(2);
  console.log(`- ratio this / baseline: ${figures.map((k) => `${k} ${ratio(k)}×`).join(', ')}`);
}
