// The worker's CPU inside the two historical load tasks, in this process: load_ecdc_2020 and
// load_who (read, stage on disk, transform, diff, publish to Kafka) as the worker runs them
// (loadCsvTask), each time in a fresh test environment, so that every record is new and is
// published. Not the time between tasks (claims, the etl_published commit, verify, the sink):
// bench/pipeline.ts --history-only measures the whole load end to end.
//
//   --runs N        the pair of tasks N times (default 3), one line each plus the medians
//   --baseline REF  each run twice, alternately: the tasks of commit REF (a checkout of it with
//                   this file copied in) and this tree's, each pair in a fresh process (cold, as
//                   a worker is); ratios of the medians
//   --profile       one more pair under the V8 profiler (node:inspector): self time by function
//                   and by file, the same figures a worker's --cpu-prof gives
//   --top N         functions listed (default 30)
//   --save DIR      with --profile: the raw .cpuprofile of each task too (Chrome DevTools)
//
//   node --expose-gc bench/load-cpu.ts [--runs N] [--baseline REF] [--profile [--save DIR]] [--top N]   (prints Markdown)
import { Session } from 'node:inspector/promises';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { systemClock } from '../src/platform/clock.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createProducer } from '../src/platform/kafka.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createPool, type Pool, type PoolClient } from '../src/platform/postgres.ts';
import type { TaskCounts } from '../src/pipeline/dag.ts';
import { loadCsvTask } from '../src/pipeline/tasks/load-csv.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { checkout } from './checkout.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';
import { loadAverage, median } from './stats.ts';

const URLS = { SOURCE_ECDC_URL: pathToFileURL(SOURCE_FILES.ecdcFinal).href, SOURCE_WHO_URL: pathToFileURL(SOURCE_FILES.whoDaily).href };
const gc = (globalThis as { gc?: () => void }).gc;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface PairResult {
  ecdcMs: number;
  whoMs: number;
  /** CPU time of the process (user + system, all threads) during each task: less disturbed by other load than wall time. */
  ecdcCpuMs: number;
  whoCpuMs: number;
  ecdc: TaskCounts;
  who: TaskCounts;
}

/**
 * An attempt as the runner gives it: a task may record what it publishes into its completion
 * transaction as it goes (part of the task's time), and complete() commits it with the result's
 * own writes (between tasks, not timed). Written with pg alone, so that this file also runs in a
 * --baseline checkout from before the completion transaction (whose tasks never open it).
 */
function benchAttempt(pool: Pool) {
  let opened: Promise<PoolClient> | undefined;
  const transaction = () =>
    (opened ??= pool.connect().then(async (client) => {
      await client.query('BEGIN');
      return client;
    }));
  const attempt = { runId: '1', attempt: 1, reload: [], signal: new AbortController().signal, logger: createLogger('silent', 'bench'), progress: () => undefined, transaction };
  async function complete(result: { commit?: (client: PoolClient) => Promise<void> }): Promise<void> {
    const client = await transaction();
    try {
      await result.commit?.(client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  return { attempt, complete };
}

/**
 * load_ecdc_2020 then load_who in a fresh environment, each committed as the worker does (not
 * timed); `around` wraps each task alone (the profiler).
 */
async function pair(around: <T>(task: () => Promise<T>) => Promise<T> = (task) => task()): Promise<PairResult> {
  const env = await createTestEnvironment({ kafka: true, overrides: { ...URLS, LOG_LEVEL: 'silent' } });
  const pool = createPool(env.config.DATABASE_URL, { max: 2 });
  const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
  const producer = createProducer(env.config.KAFKA_BROKERS, 'bench-load-cpu');
  const stageRoot = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-load-cpu-'));
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = stageRoot;
  try {
    await pool.query(`INSERT INTO etl_runs (id, trigger, state) VALUES (1, 'manual', 'running')`);
    await producer.metadata({ topics: [env.config.KAFKA_TOPIC, env.config.KAFKA_DLQ_TOPIC] }); // connected before timing
    const deps = { config: env.config, pool, clickhouse, producer, clock: systemClock };
    const times: number[] = [];
    const cpu: number[] = [];
    const counts: TaskCounts[] = [];
    for (const source of ['ecdc', 'who'] as const) {
      const { attempt, complete } = benchAttempt(pool);
      gc?.();
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const result = await around(() => loadCsvTask(deps, source)(attempt));
      const used = process.cpuUsage(cpuBefore);
      times.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
      counts.push(result.counts);
      await complete(result); // the completion's commit: between tasks, not the task's
    }
    return { ecdcMs: times[0]!, whoMs: times[1]!, ecdcCpuMs: cpu[0]!, whoCpuMs: cpu[1]!, ecdc: counts[0]!, who: counts[1]! };
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
    rmSync(stageRoot, { recursive: true, force: true });
    await producer.close();
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]}`;
  return url;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Self time of profiles by function (name, file, line) and by file/package. */
function summarize(profiles: Profile[], top: number): string {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const profile of profiles) {
   const perSampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
   for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * perSampleMs;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? where(url) : functionName || '(anonymous)';
    const fn = url ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : file;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
    total += ms;
   }
  }
  const table = (title: string, map: Map<string, number>, n: number) => [
    `| ${title} | self time | share |`,
    '|---|---|---|',
    ...[...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `| ${k} | ${s(ms)} | ${((ms / total) * 100).toFixed(1)}% |`),
  ];
  return [`Self time in all: ${s(total)} (idle included).`, '', ...table('file / package', byFile, 20), '', ...table('function', byFunction, top)].join('\n');
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = option('--runs', 3);
const top = option('--top', 30);

/** One pair in a fresh process running `script` (this file, or its copy in a baseline checkout). */
function pairInProcess(script: string): PairResult {
  const out = execFileSync(process.execPath, ['--expose-gc', script, '--child'], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as PairResult;
}

if (args.includes('--child')) {
  console.log(JSON.stringify(await pair()));
} else {
  const baselineRef = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
  console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}.\n`);
  const base = baselineRef ? checkout(baselineRef) : undefined;
  try {
    if (base) copyFileSync(fileURLToPath(import.meta.url), path.join(base.dir, 'bench', 'load-cpu.ts'));
    const line = (name: string, r: PairResult) =>
      `| ${name} | ${s(r.ecdcMs)} (CPU ${s(r.ecdcCpuMs)}) | ${s(r.whoMs)} (CPU ${s(r.whoCpuMs)}) | ${r.ecdc.published?.toLocaleString('en-US')} / ${r.who.published?.toLocaleString('en-US')} |`;
    console.log('| run | load_ecdc_2020 wall (CPU) | load_who wall (CPU) | published (ecdc / who) |\n|---|---|---|---|');
    const now: PairResult[] = [];
    const before: PairResult[] = [];
    for (let i = 1; i <= runs; i++) {
      if (base) {
        before.push(pairInProcess(path.join(base.dir, 'bench', 'load-cpu.ts')));
        console.log(line(`${i}, baseline ${base.commit}`, before.at(-1)!));
      }
      now.push(base ? pairInProcess(fileURLToPath(import.meta.url)) : await pair());
      console.log(line(`${i}${base ? ', this tree' : ''}`, now.at(-1)!));
    }
    if (runs > 0) {
      const medians = (rs: PairResult[]) => {
        const m = (pick: (r: PairResult) => number) => median(rs.map(pick));
        return { ecdc: m((r) => r.ecdcMs), who: m((r) => r.whoMs), ecdcCpu: m((r) => r.ecdcCpuMs), whoCpu: m((r) => r.whoCpuMs) };
      };
      const show = (m: ReturnType<typeof medians>) =>
        `load_ecdc_2020 **${s(m.ecdc)}** (CPU ${s(m.ecdcCpu)}), load_who **${s(m.who)}** (CPU ${s(m.whoCpu)})`;
      const a = medians(now);
      console.log(`\nMedian${base ? ', this tree' : ''}: ${show(a)}; load average after: ${loadAverage()}.`);
      if (base) {
        const b = medians(before);
        const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
        console.log(`Median, baseline ${base.commit}: ${show(b)}.`);
        console.log(
          `This tree / baseline: wall load_ecdc_2020 **${ratio(a.ecdc, b.ecdc)}**, load_who **${ratio(a.who, b.who)}**, both **${ratio(a.ecdc + a.who, b.ecdc + b.who)}**; ` +
            `CPU load_ecdc_2020 **${ratio(a.ecdcCpu, b.ecdcCpu)}**, load_who **${ratio(a.whoCpu, b.whoCpu)}**, both **${ratio(a.ecdcCpu + a.whoCpu, b.ecdcCpu + b.whoCpu)}**.`,
        );
      }
    }
  } finally {
    base?.remove();
  }
}

if (args.includes('--profile') && !args.includes('--child')) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  const profiles: Profile[] = [];
  const r = await pair(async (task) => {
    await session.post('Profiler.start');
    try {
      return await task();
    } finally {
      profiles.push((await session.post('Profiler.stop')).profile as unknown as Profile);
    }
  });
  session.disconnect();
  // --save <dir>: the raw profiles too (load them in Chrome's DevTools for the call tree).
  if (args.includes('--save')) {
    const dir = args[args.indexOf('--save') + 1]!;
    profiles.forEach((p, i) => writeFileSync(path.join(dir, `load-${i === 0 ? 'ecdc' : 'who'}.cpuprofile`), JSON.stringify(p)));
  }
  console.log(`\nProfiled pair: load_ecdc_2020 ${s(r.ecdcMs)}, load_who ${s(r.whoMs)} (under the profiler; the two tasks only, not their commits).\n`);
  console.log(summarize(profiles, top));
}
