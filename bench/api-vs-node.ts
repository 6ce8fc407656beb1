// The API against the machine (issue 9): `GET /cases?country=RU` (full history, 1,200 days) from
// `covid-etl serve` against plain node:http serving the very same bytes and headers
// (bench/api-node-baseline.ts), both with the same number of processes, at 1 and 64
// connections, in one run, alternating; then the API while the sink writes other countries
// continuously (a real sink process fed through Kafka, SINK_BATCH_MS=100: ten announced batches a
// second), against the API without writes; then how stale an answer can be: from ClickHouse
// accepting a row to the API answering it, announced as the sink does, and unannounced.
//
//   node bench/api-vs-node.ts [--seconds 5] [--processes 2] [--profile DIR] [--before REF]
//                             [--throughput-only | --staleness-only] [--generator node|wrk] [--rounds 1]
//
// --profile: the API runs with --cpu-prof (one process), profiles written to DIR on exit; read
// them with `node bench/api-profile.ts DIR`; node:http's go to DIR/node-http, for comparison.
// --before REF: the API of another commit too (run from its own checkout, same stores, same
// keys), measured in turn with this one and node:http at 1 and 64 connections: before/after in
// one run.
// --rounds N: the 64-connection pairs N times (each forward then reversed), with the medians of
// CPU per request and of the ratios at the end: on a shared machine one pair can swing by a third.
// --generator wrk: the load comes from Debian's wrk (bench/wrk-loadgen.ts) instead of the Node
// generator (bench/api-loadgen.ts), which pays its own pauses on the cores it shares with the servers.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { announceCountries } from '../src/platform/data-announcements.ts';
import { createPool } from '../src/platform/postgres.ts';
import { cpuSeconds, startApiServer } from '../test/support/api-process.ts';
import { seedDaily, seedUsers, startWriter } from '../test/support/api-seed.ts';
import { freePort } from '../test/support/ports.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { repoRoot } from '../test/support/paths.ts';
import { runLoad, type LoadResult } from './api-loadgen.ts';
import { checkout } from './checkout.ts';
import { runWrk, wrkAvailable } from './wrk-loadgen.ts';
import { loadAverage, median } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    processes: { type: 'string', default: String(os.availableParallelism()) },
    profile: { type: 'string' },
    'staleness-only': { type: 'boolean', default: false },
    'throughput-only': { type: 'boolean', default: false },
    before: { type: 'string' },
    generator: { type: 'string', default: 'node' },
    rounds: { type: 'string', default: '1' },
  },
});
const SECONDS = Number(args.seconds);
if (args.generator !== 'node' && args.generator !== 'wrk') throw new Error(`--generator is node or wrk, not ${args.generator}`);
if (args.generator === 'wrk' && !(await wrkAvailable())) throw new Error('--generator wrk: wrk is not installed (apt-get install wrk)');
const PROCESSES = args.profile ? 1 : Number(args.processes);
const DAYS = 1_200;
const PATH = '/cases?country=RU';
const COUNTRIES = ['RU', ...[...COUNTRY_CODES].filter((c) => c !== 'RU')].slice(0, 230);
const log = (...parts: unknown[]) => console.error(...parts);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU seconds of a process and its children (the cluster's processes). */
function treeCpu(pid: number): number {
  let total = cpuSeconds(pid);
  try {
    for (const child of readChildren(pid)) total += treeCpu(child);
  } catch {
    // gone
  }
  return total;
}
function readChildren(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

interface Measured extends LoadResult {
  name: string;
  connections: number;
  serverCores: number;
}

const results: Measured[] = [];
const fmt = (r: Measured) =>
  `${r.name} @${r.connections}: ${Math.round(r.perSecond).toLocaleString('en')} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, ` +
  `p99 ${r.latencyMs.p99.toFixed(2)} ms, max ${r.latencyMs.max.toFixed(1)} ms, server ${r.serverCores.toFixed(2)} cores ` +
  `(${Math.round((r.serverCores / r.perSecond) * 1e6)} µs CPU a request), statuses ${JSON.stringify(r.statuses)}`;

const env = await createTestEnvironment({ kafka: true });
const cleanups: (() => Promise<unknown>)[] = [];
try {
  log('seeding…');
  await seedDaily(env.config, COUNTRIES, DAYS);
  const users = await seedUsers(env.config, 64);
  const profileDir = args.profile ? path.resolve(args.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const api = await startApiServer(env.config, {
    API_PROCESSES: String(PROCESSES),
    // The limiter runs on every request but never limits: the load is the point here.
    DATA_RATE_LIMIT: '1000000',
    ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
  });
  cleanups.push(() => api.proc.stop('SIGTERM'));
  let before: { commit: string; server: Awaited<ReturnType<typeof startApiServer>> } | undefined;
  if (args.before) {
    const base = checkout(args.before);
    cleanups.push(() => Promise.resolve(base.remove()));
    const server = await startApiServer(env.config, { API_PROCESSES: String(PROCESSES), DATA_RATE_LIMIT: '1000000' }, base.dir);
    cleanups.push(() => server.proc.stop('SIGTERM'));
    before = { commit: base.commit, server };
  }
  const keyOf = (connection: number) => users[connection % users.length]!.key;

  // The answer whose bytes the baseline serves.
  // Plain, as the load generator asks (fetch would ask for gzip and decode it).
  const first = await fetch(`http://127.0.0.1:${api.port}${PATH}`, { headers: { 'x-key': keyOf(0), 'accept-encoding': 'identity' } });
  const body = Buffer.from(await first.arrayBuffer());
  if (first.status !== 200) throw new Error(`${PATH}: ${first.status} ${body.toString()}`);
  const headers: Record<string, string> = {};
  first.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
  });
  const answerFile = path.join(os.tmpdir(), `api-vs-node-${process.pid}.json`);
  writeFileSync(answerFile, JSON.stringify({ headers, body: body.toString('base64') }));
  cleanups.push(() => Promise.resolve(rmSync(answerFile, { force: true })));
  const baselinePort = await freePort();
  const baseline = spawn(process.execPath, [path.join(repoRoot, 'bench/api-node-baseline.ts')], {
    env: {
      ...process.env,
      PORT: String(baselinePort),
      PROCESSES: String(PROCESSES),
      ANSWER: answerFile,
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(profileDir, 'node-http')}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    baseline.kill('SIGTERM');
    await sleep(profileDir ? 1_500 : 200); // a profile is written on exit
  });
  await new Promise<void>((resolve, reject) => {
    baseline.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    baseline.on('exit', (code) => reject(new Error(`baseline exited ${code}`)));
  });
  log(`answer: ${body.length} bytes; ${PROCESSES} process(es) each; load from ${args.generator}; machine load average ${loadAverage()}`);

  const measure = async (name: string, port: number, pid: number, connections: number) => {
    const request = (connection: number) => ({ path: PATH, headers: { 'x-key': keyOf(connection) } });
    const load = (durationMs: number) =>
      args.generator === 'wrk'
        ? runWrk({ port, connections, durationMs, path: PATH, keys: users.map((u) => u.key) })
        : runLoad({ port, connections, durationMs, request });
    await load(1_000); // warm-up
    const cpuBefore = treeCpu(pid);
    const result = await load(SECONDS * 1_000);
    const measured: Measured = { ...result, name, connections, serverCores: (treeCpu(pid) - cpuBefore) / result.seconds };
    results.push(measured);
    log(fmt(measured));
    return measured;
  };

  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const pairs: { connections: number; api: Measured; node: Measured; before?: Measured }[] = [];
  const throughput = !args['staleness-only'];
  const beforeName = before ? `API ${before.commit}` : '';
  // node:http, this API and the one before in turn, then again in the reverse order, so no
  // server always runs first.
  const rounds = Array.from({ length: Math.max(1, Number(args.rounds)) }, () => [[64, false], [64, true]] as const).flat();
  for (const [connections, reverse] of throughput ? ([[1, false], ...rounds, [1, true]] as const) : []) {
    const runs: (() => Promise<Measured>)[] = [
      () => measure('node:http', baselinePort, baseline.pid!, connections),
      () => measure('API', api.port, api.proc.pid, connections),
      ...(before ? [() => measure(beforeName, before.server.port, before.server.proc.pid, connections)] : []),
    ];
    const measured: Measured[] = [];
    for (const run of reverse ? runs.reverse() : runs) measured.push(await run());
    const named = (name: string) => measured.find((m) => m.name === name);
    pairs.push({ connections, node: named('node:http')!, api: named('API')!, ...(before ? { before: named(beforeName)! } : {}) });
  }

  // Under continuous writes to other countries.
  let writes: Record<string, number> | undefined;
  if (throughput && !args['throughput-only']) {
    const quiet = await measure('API, no writes', api.port, api.proc.pid, 64);
    const writer = startWriter({ ...env.config, SINK_BATCH_MS: 100 }, { countries: COUNTRIES.slice(1), days: DAYS, perSecond: 2_000, batch: 200 });
    cleanups.push(() => writer.close());
    await sleep(3_000);
    const writing = await measure('API, sink writing', api.port, api.proc.pid, 64);
    const nodeWriting = await measure('node:http, sink writing', baselinePort, baseline.pid!, 64);
    const published = writer.published();
    await writer.close();
    log(`writer: ${published} records published to the sink during the run`);
    writes = {
      quiet: Math.round(quiet.perSecond),
      writing: Math.round(writing.perSecond),
      ratio: ratio(writing.perSecond, quiet.perSecond),
      nodeWriting: Math.round(nodeWriting.perSecond),
      apiToNodeWhileWriting: ratio(writing.perSecond, nodeWriting.perSecond),
      published,
    };
  }

  // Staleness: ClickHouse accepted a row -> the API answers it.
  const stalenessMs = args['throughput-only'] ? undefined : await measureStaleness();
  async function measureStaleness() {
    const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
    const pool = createPool(env.config.DATABASE_URL, { max: 1 });
    cleanups.push(() => clickhouse.close(), () => pool.end());
    // The answer polled is the full series, cached before the insert: what a client repeating its
    // request sees (a new URL would miss the cache and read ClickHouse anyway).
    const lastCases = async (trial: number) => {
      const answer = await fetch(`http://127.0.0.1:${api.port}${PATH}`, { headers: { 'x-key': keyOf(trial) } });
      return ((await answer.json()) as { cases: number[] }).cases.at(-1);
    };
    const staleness = async (announce: boolean, trial: number) => {
      const date = new Date(Date.UTC(2024, 0, 1) + trial * 86_400_000).toISOString().slice(0, 10);
      const cases = 5_000_000 + trial;
      await lastCases(trial);
      await lastCases(trial);
      await clickhouse.insert({
        table: 'daily',
        format: 'JSONEachRow',
        values: [{ country: 'RU', date, cases, deaths: 0, source: 'who', estimated: 0, version: 10 + trial, run_id: 9 }],
      });
      const accepted = performance.now();
      if (announce) await announceCountries(pool, ['RU']);
      for (;;) {
        if ((await lastCases(trial)) === cases) return performance.now() - accepted;
        if (performance.now() - accepted > 10_000) throw new Error('never visible');
      }
    };
    const announced: number[] = [];
    for (let trial = 0; trial < 30; trial++) announced.push(await staleness(true, trial));
    await sleep(1_500); // two polls without announcements
    const unannounced: number[] = [];
    for (let trial = 100; trial < 106; trial++) {
      unannounced.push(await staleness(false, trial));
      await sleep(1_200);
    }
    const describe = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)!, min: sorted[0]! };
    };
    log(`staleness, announced (as the sink does): ${JSON.stringify(describe(announced))} ms over ${announced.length} rows`);
    log(`staleness, unannounced (safety check): ${JSON.stringify(describe(unannounced))} ms over ${unannounced.length} rows`);
    return { announced: describe(announced), unannounced: describe(unannounced) };
  }

  const usPerRequest = (m: Measured) => (m.serverCores / m.perSecond) * 1e6;
  const at64 = pairs.filter((p) => p.connections === 64);
  const medians64 = at64.length
    ? {
        pairs: at64.length,
        ratio: ratio(median(at64.map((p) => p.api.perSecond / p.node.perSecond)), 1),
        apiUsPerRequest: Math.round(median(at64.map((p) => usPerRequest(p.api)))),
        nodeUsPerRequest: Math.round(median(at64.map((p) => usPerRequest(p.node)))),
        apiP99: median(at64.map((p) => p.api.latencyMs.p99)),
        ...(before ? { beforeRatio: ratio(median(at64.map((p) => p.before!.perSecond / p.node.perSecond)), 1), beforeUsPerRequest: Math.round(median(at64.map((p) => usPerRequest(p.before!)))) } : {}),
      }
    : undefined;
  if (medians64) log(`medians at 64 connections: ${JSON.stringify(medians64)}; load average ${loadAverage()}`);
  const summary = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() },
    date: new Date().toISOString(),
    processes: PROCESSES,
    answerBytes: body.length,
    pairs: pairs.map((p) => ({
      connections: p.connections,
      api: Math.round(p.api.perSecond),
      node: Math.round(p.node.perSecond),
      ratio: ratio(p.api.perSecond, p.node.perSecond),
      apiP99: p.api.latencyMs.p99,
      nodeP99: p.node.latencyMs.p99,
      ...(p.before ? { before: Math.round(p.before.perSecond), beforeRatio: ratio(p.before.perSecond, p.node.perSecond), afterOverBefore: ratio(p.api.perSecond, p.before.perSecond) } : {}),
    })),
    ...(before ? { before: before.commit } : {}),
    medians64,
    writes,
    stalenessMs,
    results,
  };
  console.log(JSON.stringify(summary, null, 1));
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log('cleanup failed', error));
  await env.cleanup();
}
