// The full historical load (ECDC reconstructed final + WHO daily, file:// URLs) from files to rows
// queryable in ClickHouse, against the native stack, each part in its own test environment:
//
//   1. end to end: `covid-etl sink` and `covid-etl worker` as processes, `covid-etl run --wait`;
//      wall time from the run's creation (worker start included) until run --wait exits, which
//      is after verify saw every row in ClickHouse; task times from the run history; peak memory
//      (VmHWM) of the worker and the sink, and the worker's memory when idle. Then a later run
//      (changes branch) with a fresh worker, after one WHO row was revised;
//   2. memory against input size: the same historical load with a generated WHO file 10× the
//      real one's size (not committed; written to a temporary directory and removed);
//   3. --baseline <git ref>: the same historical load with the worker run from a checkout of
//      that commit, in the same run, for time and memory ratios;
//   4. --cpu-prof: one more historical load with the worker under --cpu-prof, its self time
//      summed by package / source file;
//   5. --stages: read, transform, publish, record, diff timed one by one in this process, then
//      `covid-etl sink` as a process on the published topic.
//
//   6. --history-only [--runs N] [--baseline <ref>] [--warm]: only the end-to-end historical load
//      of (1), N times (default 1), one line each (with the sink's CPU seconds during the run)
//      plus the median: the quick figure to compare a change against; with --baseline, each
//      round runs the baseline's worker and then this one's;
//      --warm: the worker is up first and its first start creates the run (the system's own
//      first run), and the wall time is the run's, created → finished, without the process start;
//      the worker's CPU seconds over the same span are given too (/proc/<pid>/stat);
//      --worker-output <file>: each worker's output (its logs, and e.g. --trace-gc's lines) appended
//      to <file>, under a line naming the run;
//   7. --memory-only: only the historical loads of (2), real and generated file (no later run);
//      --worker-options "<node flags>": the worker of those loads runs with them (NODE_OPTIONS;
//      default the heap cap bin/covid-etl gives the worker, "" for none; a --baseline worker runs
//      without flags).
//
//   node --expose-gc bench/pipeline.ts [--baseline <ref>] [--cpu-prof] [--stages] [--memory-only] [--history-only [--runs N] [--warm]]
//        [--worker-options "<flags>"]   (prints Markdown)
import { once } from 'node:events';
import { appendFileSync, copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import { EARLIEST_DATE, fromDayNumber, toDayNumber, utcToday } from '../src/domain/dates.ts';
import type { SourceName } from '../src/domain/record.ts';
import { coverageContext } from '../src/domain/transform/coverage.ts';
import { transformSourceSeries } from '../src/domain/transform/source.ts';
import { createClickHouse, type ClickHouseClient } from '../src/platform/clickhouse.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { createPool, withTransaction, type Pool } from '../src/platform/postgres.ts';
import { openLocation } from '../src/platform/source-fetch.ts';
import { publishRecords } from '../src/pipeline/publisher.ts';
import { collectRead } from '../src/pipeline/sources/collect.ts';
import { readEcdc } from '../src/pipeline/sources/ecdc.ts';
import { readWho } from '../src/pipeline/sources/who.ts';
import { changedRecords, recordPublished } from '../src/pipeline/state.repository.ts';
import { hashing } from '../src/pipeline/tasks/hashing.ts';
import { checkout } from './checkout.ts';
import { createTestEnvironment, type TestEnvironment } from '../test/support/environment.ts';
import { runCli, startRole, type RoleProcess } from '../test/support/processes.ts';
import { dataFile } from '../test/support/paths.ts';
import { editCsvFile, FIXTURE_DIR, SOURCE_FILES } from '../test/support/source-content.ts';

const FILES = { ecdc: SOURCE_FILES.ecdcFinal, who: SOURCE_FILES.whoDaily } as const;
const URLS = { SOURCE_ECDC_URL: pathToFileURL(FILES.ecdc).href, SOURCE_WHO_URL: pathToFileURL(FILES.who).href };

/**
 * A scratch directory (removed at the end) with a copy of the WHO file, to revise it for the later
 * run, and a file:// mirror of the weekly posts: the list fixtures and the saved posts.
 */
function scratch(whoSource: string = FILES.who) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-'));
  const who = path.join(dir, 'who.csv');
  copyFileSync(whoSource, who);
  const mirror = path.join(dir, 'stopkoronavirus');
  mkdirSync(mirror);
  for (const name of readdirSync(FIXTURE_DIR).filter((n) => /^list-page-\d+\.html$/.test(n))) copyFileSync(path.join(FIXTURE_DIR, name), path.join(mirror, name));
  const posts = dataFile('ru_obyasnyaem_rf/raw_html');
  for (const name of readdirSync(posts).filter((n) => n.endsWith('.html'))) copyFileSync(path.join(posts, name), path.join(mirror, name.replace(/^commit-\d{4}-\d\d-\d\d_/, '')));
  return {
    urls: { ...URLS, SOURCE_WHO_URL: pathToFileURL(who).href, SOURCE_STOPCORONAVIRUS_URL: pathToFileURL(`${mirror}/`).href },
    /** WHO revises one row. */
    revise: () => writeFileSync(who, editCsvFile(FILES.who, { row: (r) => (r.Country_code === 'RU' && r.Date_reported === '2021-03-01' ? { ...r, New_cases: '11111' } : undefined) })),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
const gc = (globalThis as { gc?: () => void }).gc;

function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

/** User + system CPU seconds of a process from now until the returned function is called (/proc stat, 1/100 s ticks). */
function cpuMeter(pid: number): () => number {
  const ticks = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const start = ticks();
  return () => (ticks() - start) / 100;
}

const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;

async function count(clickhouse: ClickHouseClient, database: string, final = false): Promise<number> {
  const result = await clickhouse.query({ query: `SELECT count() AS n FROM ${database}.daily${final ? ' FINAL' : ''}`, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Samples a process's RSS until stopped, for its peak and its course. */
function sampler(proc: RoleProcess, everyMs = 100) {
  let max = 0;
  /** When the highest RSS sample was taken (epoch ms, to compare with the run history). */
  let peakAt = 0;
  let last = { rss: 0, hwm: 0 };
  const timer = setInterval(() => {
    try {
      last = memoryOf(proc.pid);
      if (last.rss > max) {
        max = last.rss;
        peakAt = Date.now();
      }
    } catch {
      // exited
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        last = memoryOf(proc.pid);
      } catch {
        // exited: keep the last sample
      }
      return { maxRss: Math.max(max, last.rss), hwm: last.hwm, rss: last.rss, peakAt };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 1. End to end

interface TaskTime {
  name: string;
  ms: number;
  /** From the run's start (its creation) to the task's claim and its completion. */
  from: number;
  to: number;
  counts: Record<string, number>;
}

async function runTimes(pool: Pool, runId: string): Promise<{ runMs: number; startedAt: number; tasks: TaskTime[] }> {
  const { rows: runs } = await pool.query<{ ms: number; started: number }>(
    `SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms, extract(epoch FROM started_at) * 1000 AS started FROM etl_runs WHERE id = $1`,
    [runId],
  );
  const { rows: tasks } = await pool.query<TaskTime>(
    `SELECT name, extract(epoch FROM t.finished_at - t.started_at) * 1000 AS ms, counts,
            extract(epoch FROM t.started_at - r.started_at) * 1000 AS "from", extract(epoch FROM t.finished_at - r.started_at) * 1000 AS "to"
       FROM etl_tasks t JOIN etl_runs r ON r.id = t.run_id WHERE r.id = $1 AND t.state = 'succeeded' ORDER BY position`,
    [runId],
  );
  return { runMs: Number(runs[0]!.ms), startedAt: Number(runs[0]!.started), tasks: tasks.map((t) => ({ ...t, ms: Number(t.ms), from: Number(t.from), to: Number(t.to) })) };
}

async function runWait(config: TestEnvironment['config'], worker: () => RoleProcess): Promise<{ runId: string; wallMs: number }> {
  const started = performance.now();
  const run = runCli(['run', '--wait'], config, {}, 300_000);
  const { code, output } = await run;
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`run --wait exited ${code}:\n${output}\n${worker().output()}`);
  return { runId: /run (\d+)/.exec(output)![1]!, wallMs };
}

interface EndToEndOptions {
  /** Another checkout to run the worker from (the baseline), default this one. */
  root?: string;
  /** The WHO file to load, default the real daily file. */
  who?: string;
  /** Also measure the worker idle and a later run (changes branch). */
  later?: boolean;
  /** Extra environment of the worker (e.g. NODE_OPTIONS=--cpu-prof). */
  workerEnv?: Record<string, string>;
  /**
   * The worker is up before the run exists: its first start creates the run itself, and the
   * wall time is the run's own (created → finished, from the run history), without the
   * worker's process start.
   */
  warm?: boolean;
}

async function endToEnd(options: EndToEndOptions = {}) {
  const files = scratch(options.who);
  const env = await createTestEnvironment({ kafka: true, overrides: { ...files.urls, ETL_SCHEDULE: '0 0 1 1 *', LOG_LEVEL: 'warn', VERIFY_TIMEOUT_MS: '900000' } });
  const pool = createPool(env.config.DATABASE_URL, { max: 2 });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  let sink: RoleProcess | undefined;
  let worker: RoleProcess | undefined;
  try {
    sink = startRole('sink', env.config);
    const sinkMemory = sampler(sink);
    await sleep(1_500); // the sink joins its group before the run, as in production

    if (options.warm) return { history: await warmRun(env, pool, options, (w) => (worker = w), sink, sinkMemory), rows: await count(clickhouse, env.config.CLICKHOUSE_DATABASE, true) };

    // The historical load. `run --wait` creates the run, then the worker starts and (its first
    // start) joins it: the wall time includes the worker's start.
    const started = performance.now();
    const sinkCpu = cpuMeter(sink.pid);
    const run = runCli(['run', '--wait'], env.config, {}, 300_000);
    await waitFor('the run', async () => ((await pool.query('SELECT 1 FROM etl_runs')).rowCount ?? 0) > 0, 30_000, 20);
    worker = startRole('worker', env.config, { env: options.workerEnv ?? {}, ...(options.root ? { root: options.root } : {}) });
    const workerMemory = sampler(worker);
    const { code, output } = await run;
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`run --wait exited ${code}:\n${output}\n${worker.output()}`);
    const historyWorker = workerMemory.stop();
    const historySink = sinkMemory.stop();
    const sinkCpuSeconds = sinkCpu();
    const history = { wallMs, ...(await runTimes(pool, /run (\d+)/.exec(output)![1]!)), worker: historyWorker, sink: historySink, sinkCpuSeconds };
    const rows = await count(clickhouse, env.config.CLICKHOUSE_DATABASE, true);
    if (!options.later) return { history, rows };

    // The worker's own size when idle: a second start (a run exists, so it starts none).
    await worker.stop();
    worker = startRole('worker', env.config, { env: { LOG_LEVEL: 'info' } });
    const idle = worker;
    await waitFor('worker ready', () => idle.output().includes('worker ready'), 30_000);
    await sleep(2_000);
    const idleWorker = memoryOf(worker.pid);

    // A later run on the same (idle) worker: WHO revised one row.
    files.revise();
    const changesMemory = sampler(worker);
    const later = await runWait(env.config, () => idle);
    const changes = { wallMs: later.wallMs, ...(await runTimes(pool, later.runId)), worker: changesMemory.stop() };
    return { history, rows, idleWorker, changes };
  } finally {
    await Promise.all([worker?.stop(), sink?.stop()]);
    const outputFile = args.includes('--worker-output') ? args[args.indexOf('--worker-output') + 1] : undefined;
    if (outputFile && worker) appendFileSync(outputFile, `\n=== worker of ${options.root ?? 'this checkout'}, ${new Date().toISOString()}\n${worker.output()}`);
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
    files.remove();
  }
}

/**
 * The historical load on a worker already up: its first start creates the run; the wall time is
 * the run's (created → finished, which is after verify saw every row in ClickHouse).
 */
async function warmRun(env: TestEnvironment, pool: Pool, options: EndToEndOptions, started: (worker: RoleProcess) => void, sink: RoleProcess, sinkMemory: ReturnType<typeof sampler>) {
  const sinkCpu = cpuMeter(sink.pid);
  const worker = startRole('worker', env.config, { env: options.workerEnv ?? {}, ...(options.root ? { root: options.root } : {}) });
  started(worker);
  const workerMemory = sampler(worker);
  // The worker's CPU from its run's creation (polled every 20 ms) to the run's end: its start is not in it.
  await waitFor('the first run', async () => ((await pool.query('SELECT 1 FROM etl_runs')).rowCount ?? 0) > 0, 60_000, 20);
  const workerCpu = cpuMeter(worker.pid);
  let runId = '';
  await waitFor(
    'the first run to finish',
    async () => {
      const { rows } = await pool.query<{ id: string; state: string }>(`SELECT id, state FROM etl_runs ORDER BY id LIMIT 1`);
      if (rows[0] && rows[0].state !== 'running') runId = rows[0].id;
      return runId !== '';
    },
    300_000,
    20,
  );
  const workerCpuSeconds = workerCpu();
  const times = await runTimes(pool, runId);
  const { rows } = await pool.query<{ state: string }>(`SELECT state FROM etl_runs WHERE id = $1`, [runId]);
  if (rows[0]!.state !== 'succeeded') throw new Error(`the run ended ${rows[0]!.state}:\n${worker.output()}\n${sink.output()}`);
  return { wallMs: times.runMs, ...times, worker: workerMemory.stop(), sink: sinkMemory.stop(), sinkCpuSeconds: sinkCpu(), workerCpuSeconds };
}

// ---------------------------------------------------------------------------------------------
// 2. Stages

interface StageResult {
  source: SourceName;
  rows: number;
  records: number;
  readMs: number;
  transformMs: number;
  publishMs: number;
  recordMs: number;
  diffMs: number;
  heapAfterRead: number;
  heapAfterTransform: number;
}

const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

async function stage(env: TestEnvironment, pool: Pool, producer: ReturnType<typeof createProducer>, source: 'ecdc' | 'who', runId: string): Promise<StageResult> {
  const readers = { ecdc: readEcdc, who: readWho };
  const base = heap();
  let t = performance.now();
  const opened = await openLocation(source === 'ecdc' ? URLS.SOURCE_ECDC_URL : URLS.SOURCE_WHO_URL, {});
  const { stream, digest } = hashing(opened.body);
  const read = await collectRead(source, readers[source](stream));
  digest();
  const readMs = performance.now() - t;
  const heapAfterRead = heap() - base;

  t = performance.now();
  const transformed = transformSourceSeries(source, read.series, env.config.FILL_POLICY, coverageContext());
  const transformMs = performance.now() - t;
  const heapAfterTransform = heap() - base;

  t = performance.now();
  const target = { topic: env.config.KAFKA_TOPIC, deadLetterTopic: env.config.KAFKA_DLQ_TOPIC, runId };
  const published = await publishRecords(producer, target, transformed.records, systemClock);
  const publishMs = performance.now() - t;
  if (published.published !== transformed.records.length) throw new Error('not everything was published');

  t = performance.now();
  await withTransaction(pool, (client) => recordPublished(client, runId, transformed.records));
  const recordMs = performance.now() - t;

  t = performance.now();
  const changed = await changedRecords(pool, source, transformed.records);
  const diffMs = performance.now() - t;
  if (changed.length !== 0) throw new Error(`diff after recording found ${changed.length} changed records`);

  return { source, rows: read.stats.rows, records: transformed.records.length, readMs, transformMs, publishMs, recordMs, diffMs, heapAfterRead, heapAfterTransform };
}

async function stages() {
  const env = await createTestEnvironment({ kafka: true, overrides: { LOG_LEVEL: 'warn' } });
  const pool = createPool(env.config.DATABASE_URL, { max: 2 });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const producer = createProducer(env.config.KAFKA_BROKERS, 'bench-pipeline');
  let sink: RoleProcess | undefined;
  try {
    await pool.query(`INSERT INTO etl_runs (id, trigger, state) VALUES (1, 'manual', 'succeeded')`);
    const results = [await stage(env, pool, producer, 'ecdc', '1'), await stage(env, pool, producer, 'who', '1')];
    const total = results.reduce((n, r) => n + r.records, 0);
    const started = performance.now();
    sink = startRole('sink', env.config);
    const memory = sampler(sink);
    let first = 0;
    await waitFor('every row in ClickHouse', async () => {
      const n = await count(clickhouse, env.config.CLICKHOUSE_DATABASE);
      if (n > 0 && first === 0) first = performance.now();
      return n >= total;
    });
    const done = performance.now();
    return { results, sink: { total, fromStartMs: done - started, fromFirstRowMs: done - first, memory: memory.stop() } };
  } finally {
    await sink?.stop();
    await producer.close();
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

function machine(): string {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return `${os.availableParallelism()} vCPU (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM, Node ${process.versions.node}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

// ---------------------------------------------------------------------------------------------
// 3. Memory against input size, time against the baseline, and where the time goes

/**
 * A WHO-shaped file `factor` times the real file's size. The real file already holds 237 of the
 * 250 country codes and 1,252 days; distinct valid (country, date) rows cannot exceed every code
 * × every day from EARLIEST_DATE to today (≈ 2.2× the real rows), so the file has exactly that
 * (every series twice as long, every country) and the rest of the size is in the unused
 * `Country` column. Deterministic values, some empty cells.
 */
async function writeSynthetic(file: string, targetBytes: number): Promise<{ rows: number; bytes: number }> {
  const first = toDayNumber(EARLIEST_DATE);
  const last = toDayNumber(utcToday(new Date())) - 1;
  const codes = [...COUNTRY_CODES].sort();
  const rows = codes.length * (last - first + 1);
  const pad = Math.max(0, Math.ceil(targetBytes / rows) - 60);
  const out = createWriteStream(file);
  out.write(`Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths\n`);
  let seed = 1;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  let bytes = 0;
  for (const code of codes) {
    const name = `${code}${'x'.repeat(pad)}`;
    let chunk = '';
    for (let day = first; day <= last; day++) {
      const cases = next() % 10 === 0 ? '' : String(next() % 5000);
      const deaths = next() % 10 === 0 ? '' : String(next() % 50);
      chunk += `${fromDayNumber(day)},${code},${name},EURO,${cases},0,${deaths},0\n`;
    }
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { rows, bytes };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

/** Self time of a V8 CPU profile, grouped by where the code lives: a package, a file of ours, or V8 itself. */
function profileSummary(dir: string, top = 14): { totalMs: number; rows: { where: string; ms: number }[] } {
  const byWhere = new Map<string, number>();
  let totalMs = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
    const perSampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
    for (const node of profile.nodes) {
      const ms = (node.hitCount ?? 0) * perSampleMs;
      if (ms === 0) continue;
      const { url, functionName } = node.callFrame;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
      const where = pkg ?? (url.includes('/src/') ? `src/${url.split('/src/')[1]}` : url.startsWith('node:') ? url : functionName.startsWith('(') ? functionName : url || functionName || '(anonymous)');
      byWhere.set(where, (byWhere.get(where) ?? 0) + ms);
      totalMs += ms;
    }
  }
  const rows = [...byWhere].map(([where, ms]) => ({ where, ms })).sort((a, b) => b.ms - a.ms).slice(0, top);
  return { totalMs, rows };
}

const args = process.argv.slice(2);
const baselineRef = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
if (args.includes('--history-only')) await historyOnly(Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 1));
else await fullReport();

async function fullReport() {
const work = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-pipeline-'));
try {
  const synthetic = path.join(work, 'who-10x.csv');
  const realBytes = statSync(FILES.who).size;
  const generated = await writeSynthetic(synthetic, 10 * realBytes);

  let baseline: { commit: string; run: Awaited<ReturnType<typeof endToEnd>> } | undefined;
  if (baselineRef) {
    const base = checkout(baselineRef);
    try {
      baseline = { commit: base.commit, run: await endToEnd({ root: base.dir }) };
    } finally {
      base.remove();
    }
  }
  // By default the worker's heap is capped as bin/covid-etl and compose start it; "" for none.
  const workerOptions = args.includes('--worker-options') ? args[args.indexOf('--worker-options') + 1] : '--max-old-space-size=256';
  const workerEnv: Record<string, string> = workerOptions ? { NODE_OPTIONS: workerOptions } : {};
  const e2e = await endToEnd({ later: !args.includes('--memory-only'), workerEnv });
  const large = await endToEnd({ who: synthetic, workerEnv });
  let profile: ReturnType<typeof profileSummary> | undefined;
  if (args.includes('--cpu-prof')) {
    const profDir = path.join(work, 'profile');
    mkdirSync(profDir);
    await endToEnd({ workerEnv: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } });
    profile = profileSummary(profDir);
  }
  const st = args.includes('--stages') ? await stages() : undefined;
  report({ e2e, large, baseline, profile, st, realBytes, generated });
} finally {
  rmSync(work, { recursive: true, force: true });
}
}

/**
 * The quick figure: the historical load alone, N times, with the task times of each run. With
 * --baseline, each round runs the baseline's worker first, then this one's, for a ratio of
 * medians measured side by side under the same load.
 */
async function historyOnly(runs: number) {
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of runs, at least 1');
  const workerOptions = args.includes('--worker-options') ? args[args.indexOf('--worker-options') + 1] : '--max-old-space-size=256';
  const workerEnv: Record<string, string> = workerOptions ? { NODE_OPTIONS: workerOptions } : {};
  const warm = args.includes('--warm');
  const base = baselineRef ? checkout(baselineRef) : undefined;
  const walls: Record<'baseline' | 'now', number[]> = { baseline: [], now: [] };
  const cpus: Record<'baseline' | 'now', number[]> = { baseline: [], now: [] };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  try {
    console.log(`Machine: ${machine()}; ${new Date().toISOString()}.${base ? ` Baseline: ${base.commit} (its worker, same services, alternating).` : ''}\n`);
    console.log(
      `| run | worker | wall (${warm ? 'run created by the worker up → run finished' : 'run created → run --wait exits'}) | tasks (duration, start → end of the run) | worker / sink peak RSS | sink CPU during the run | worker CPU during the run |\n|---|---|---|---|---|---|---|`,
    );
    for (let i = 1; i <= runs; i++) {
      for (const which of base ? (['baseline', 'now'] as const) : (['now'] as const)) {
        const { history } = await endToEnd({ workerEnv, warm, ...(which === 'baseline' ? { root: base!.dir } : {}) });
        walls[which].push(history.wallMs);
        const tasks = history.tasks.map((t) => `${t.name} ${s(t.ms)} (${s(t.from)} → ${s(t.to)})`).join('; ');
        const { workerCpuSeconds } = history as { workerCpuSeconds?: number };
        const workerCpu = workerCpuSeconds === undefined ? '– (--warm only)' : `${workerCpuSeconds.toFixed(2)} s`;
        if (workerCpuSeconds !== undefined) cpus[which].push(workerCpuSeconds);
        console.log(`| ${i} | ${which === 'baseline' ? base!.commit : 'this checkout'} | **${s(history.wallMs)}** | ${tasks} | ${mb(history.worker.hwm)} / ${mb(history.sink.hwm)} | ${history.sinkCpuSeconds.toFixed(2)} s | ${workerCpu} |`);
      }
    }
  } finally {
    base?.remove();
  }
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const now = median(walls.now);
  if (!base) console.log(`\nMedian wall time over ${runs} run(s): **${s(now)}**; load average after: ${load}.`);
  else console.log(`\nMedian wall time over ${runs} run(s): baseline ${s(median(walls.baseline))}, this checkout **${s(now)}**, ratio **${(now / median(walls.baseline)).toFixed(2)}×**; load average after: ${load}.`);
  if (cpus.now.length > 0) {
    const cpu = (which: 'baseline' | 'now') => `${median(cpus[which]).toFixed(2)} s`;
    console.log(`Median worker CPU during the run: ${base ? `baseline ${cpu('baseline')}, this checkout **${cpu('now')}**, ratio **${(median(cpus.now) / median(cpus.baseline)).toFixed(2)}×**` : `**${cpu('now')}**`}.`);
  }
}

function report({
  e2e,
  large,
  baseline,
  profile,
  st,
  realBytes,
  generated,
}: {
  e2e: Awaited<ReturnType<typeof endToEnd>>;
  large: Awaited<ReturnType<typeof endToEnd>>;
  baseline: { commit: string; run: Awaited<ReturnType<typeof endToEnd>> } | undefined;
  profile: ReturnType<typeof profileSummary> | undefined;
  st: Awaited<ReturnType<typeof stages>> | undefined;
  realBytes: number;
  generated: { rows: number; bytes: number };
}) {
const lines: string[] = [];
const taskLines = (tasks: TaskTime[]) =>
  tasks.map((t) => `| task ${t.name} | ${s(t.ms)} (${s(t.from)} → ${s(t.to)} of the run)${t.counts.published !== undefined ? `, ${t.counts.published.toLocaleString('en-US')} published` : ''} |`);
lines.push(`Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}.`, '');
lines.push('End to end (worker and sink as processes), the historical load:', '');
lines.push('| | |', '|---|---|');
lines.push(`| wall time, run created → run --wait exits (worker start included) | **${s(e2e.history.wallMs)}** |`);
lines.push(`| run, started → succeeded (history in PostgreSQL) | ${s(e2e.history.runMs)} |`);
lines.push(...taskLines(e2e.history.tasks));
lines.push(`| rows in ClickHouse (FINAL) | ${e2e.rows.toLocaleString('en-US')} |`);
lines.push(`| records/s end to end | ${rate(e2e.rows, e2e.history.wallMs)} |`);
lines.push(`| worker peak RSS (VmHWM) / idle RSS | ${mb(e2e.history.worker.hwm)} / ${e2e.idleWorker ? mb(e2e.idleWorker.rss) : '–'} |`);
lines.push(`| sink peak RSS (VmHWM) | ${mb(e2e.history.sink.hwm)} |`);
lines.push('', 'Counts of the historical load (run history):', '');
for (const t of e2e.history.tasks.filter((t) => t.name.startsWith('load_'))) {
  lines.push(`- ${t.name}: ${Object.entries(t.counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
if (e2e.changes) {
  lines.push('', 'A later run (changes branch; WHO revised one row), on the idle worker:', '');
  lines.push('| | |', '|---|---|');
  lines.push(`| wall time, run --wait | **${s(e2e.changes.wallMs)}** |`);
  lines.push(...taskLines(e2e.changes.tasks));
  lines.push(`| worker peak RSS (VmHWM, since its start) | ${mb(e2e.changes.worker.hwm)} |`);
}
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
lines.push('', `Worker peak RSS against input size (each a historical load in its own environment, this run):`, '');
lines.push('| WHO file | size | rows | records in ClickHouse | wall time | worker peak RSS (VmHWM) |', '|---|---|---|---|---|---|');
lines.push(`| real daily file | ${mb(realBytes)} | ${e2e.history.tasks.find((t) => t.name === 'load_who')?.counts.read?.toLocaleString('en-US') ?? '?'} | ${e2e.rows.toLocaleString('en-US')} | ${s(e2e.history.wallMs)} | ${mb(e2e.history.worker.hwm)} |`);
lines.push(`| synthetic (generated) | ${mb(generated.bytes)} (${ratio(generated.bytes, realBytes)}) | ${generated.rows.toLocaleString('en-US')} | ${large.rows.toLocaleString('en-US')} | ${s(large.history.wallMs)} | ${mb(large.history.worker.hwm)} |`);
lines.push('', `Peak RSS, synthetic / real: **${ratio(large.history.worker.hwm, e2e.history.worker.hwm)}**.`);
for (const [name, run] of [['real', e2e], ['synthetic', large]] as const) {
  const h = run.history;
  const at = h.worker.peakAt - h.startedAt;
  const task = h.tasks.find((t) => t.from <= at && at <= t.to)?.name ?? 'between tasks';
  lines.push(`- ${name}: the highest RSS sample (${mb(h.worker.maxRss)}) at ${s(at)} of the run, during ${task}.`);
}
if (baseline) {
  const b = baseline.run.history;
  lines.push('', `Against the baseline (${baseline.commit}, worker run from its own checkout, same services, same run):`, '');
  lines.push('| | baseline | now | now / baseline |', '|---|---|---|---|');
  lines.push(`| wall time, historical load | ${s(b.wallMs)} | ${s(e2e.history.wallMs)} | ${ratio(e2e.history.wallMs, b.wallMs)} |`);
  lines.push(`| run started → succeeded | ${s(b.runMs)} | ${s(e2e.history.runMs)} | ${ratio(e2e.history.runMs, b.runMs)} |`);
  for (const name of ['load_ecdc_2020', 'load_who']) {
    const before = b.tasks.find((t) => t.name === name);
    const now = e2e.history.tasks.find((t) => t.name === name);
    if (before && now) lines.push(`| ${name} | ${s(before.ms)} | ${s(now.ms)} | ${ratio(now.ms, before.ms)} |`);
  }
  lines.push(`| worker peak RSS (VmHWM) | ${mb(b.worker.hwm)} | ${mb(e2e.history.worker.hwm)} | ${ratio(e2e.history.worker.hwm, b.worker.hwm)} |`);
}
if (profile) {
  lines.push('', `Worker CPU profile of a historical load (--cpu-prof, self time ${s(profile.totalMs)} in all), by where the code lives:`, '');
  lines.push('| where | self time | share |', '|---|---|---|');
  for (const row of profile.rows) lines.push(`| ${row.where} | ${s(row.ms)} | ${((row.ms / profile.totalMs) * 100).toFixed(1)}% |`);
}
if (st) {
lines.push('', 'Stages (one at a time, in one process):', '');
lines.push('| source | rows read | records | read | transform | publish | record published (PG) | diff (a later run) | heap after read / transform |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const r of st.results) {
  lines.push(
    `| ${r.source} | ${r.rows.toLocaleString('en-US')} | ${r.records.toLocaleString('en-US')} | ${s(r.readMs)} (${rate(r.rows, r.readMs)}) | ${s(r.transformMs)} (${rate(r.records, r.transformMs)}) | ${s(r.publishMs)} (${rate(r.records, r.publishMs)}) | ${s(r.recordMs)} (${rate(r.records, r.recordMs)}) | ${s(r.diffMs)} | ${gc ? `${mb(r.heapAfterRead)} / ${mb(r.heapAfterTransform)}` : 'run with --expose-gc'} |`,
  );
}
lines.push('', `Sink (process) on the ${st.sink.total.toLocaleString('en-US')} published records: ${s(st.sink.fromStartMs)} from process start (${rate(st.sink.total, st.sink.fromStartMs)}), ${s(st.sink.fromFirstRowMs)} from the first row in ClickHouse (${rate(st.sink.total, st.sink.fromFirstRowMs)}); peak RSS ${mb(st.sink.memory.hwm)}.`);
}
console.log(lines.join('\n'));
}
