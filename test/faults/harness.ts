// The fault tier's harness: one isolated environment (PostgreSQL + ClickHouse databases, Kafka
// topics, test/support/environment.ts), the local source server, and the process roles as real
// child processes (test/support/processes.ts), plus the two oracles of issue 5:
//
//   1. ClickHouse holds every expected (country, date) exactly once in deduplicated reads, with
//      the expected values. "Expected" is computed here, in the test process, from the very
//      bytes the source server serves, with the same readers and rules as the pipeline (their
//      correctness is the unit and e2e tiers' business; here the question is only whether a
//      fault lost or doubled anything).
//   2. The run history tells the truth: nothing is left 'running', a 'succeeded' run has every
//      task finished and its verify saw everything it published land, a failed or incomplete run
//      says why.
//
// Services are stopped and started with infra/stack.sh (their own pid files); a test that stops
// one restarts it in a `finally`, and outages are kept to seconds: other suites share them.
import { waitFor } from '../support/wait.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import type { DailyRecord, SourceName } from '../../src/domain/record.ts';
import { coverageContext } from '../../src/domain/transform/coverage.ts';
import { transformSourceSeries, transformWeeks } from '../../src/domain/transform/source.ts';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../src/platform/clickhouse.ts';
import type { Config } from '../../src/platform/config.ts';
import { createProducer, type StringProducer } from '../../src/platform/kafka.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createPool, type Pool } from '../../src/platform/postgres.ts';
import { createBoss, ensureQueues } from '../../src/pipeline/queue.ts';
import { startRun } from '../../src/pipeline/runner.ts';
import type { RunRow, TaskRow } from '../../src/pipeline/runs.repository.ts';
import { collectRead } from '../../src/pipeline/sources/collect.ts';
import { readEcdc } from '../../src/pipeline/sources/ecdc.ts';
import { crawlNewWeeklyPosts } from '../../src/pipeline/sources/stopcoronavirus.ts';
import { readWho } from '../../src/pipeline/sources/who.ts';
import { SOURCE_RANK } from '../../src/domain/transform/coverage.ts';
import { fetchText } from '../../src/platform/source-fetch.ts';
import { createTestEnvironment, type TestEnvironment } from '../support/environment.ts';
import { repoRoot } from '../support/paths.ts';
import { startRole, type RoleProcess } from '../support/processes.ts';
import { SOURCE_FILES, editCsvFile, startSourceServer, type SourceServer } from '../support/source-server.ts';

const exec = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Data sets

/** The CSVs a test serves: real files whole (the full historical load) or in-memory subsets. */
export interface Dataset {
  name: string;
  ecdc: Buffer | string;
  who: Buffer | string;
}

/** Twelve countries (Russia among them, for the weekly posts), about 15,000 records: seconds, not minutes. */
export const SUBSET_COUNTRIES = ['RU', 'DE', 'FR', 'IT', 'ES', 'US', 'BR', 'IN', 'JP', 'ZA', 'AU', 'KR'] as const;

export function subsetDataset(countries: readonly string[] = SUBSET_COUNTRIES): Dataset {
  const keep = new Set(countries);
  return {
    name: `${countries.length} countries`,
    ecdc: editCsvFile(SOURCE_FILES.ecdcFinal, { row: (r) => (keep.has(r.geoId ?? '') ? undefined : null) }),
    who: editCsvFile(SOURCE_FILES.whoDaily, { row: (r) => (keep.has(r.Country_code ?? '') ? undefined : null) }),
  };
}

/** Every country: the real ECDC final and WHO daily files, as `covid-etl run` loads them. */
export function fullDataset(): Dataset {
  return { name: 'full', ecdc: SOURCE_FILES.ecdcFinal, who: SOURCE_FILES.whoDaily };
}

function bytesOf(content: Buffer | string): Readable {
  return typeof content === 'string' ? createReadStream(content) : Readable.from([content]);
}

// ---------------------------------------------------------------------------------------------
// Oracle 1: the expected rows

export type ExpectedRow = Pick<DailyRecord, 'cases' | 'deaths' | 'source' | 'estimated'>;
export type Expected = Map<string, ExpectedRow>;

/** What one source's load task publishes, computed from the bytes (same readers and rules as the pipeline). */
export async function expectedRecords(source: 'ecdc' | 'who', content: Buffer | string, fill: Config['FILL_POLICY']): Promise<DailyRecord[]> {
  const read = await collectRead(source, (source === 'ecdc' ? readEcdc : readWho)(bytesOf(content)));
  return transformSourceSeries(source, read.series, fill, coverageContext()).records;
}

/** The weekly posts a changes-branch run loads from the server as it is now, after WHO's last report for Russia. */
export async function expectedWeekRecords(server: SourceServer, whoRecords: readonly DailyRecord[]): Promise<DailyRecord[]> {
  const whoLastRu = whoRecords.filter((r) => r.country === 'RU').map((r) => r.date).sort().pop();
  const crawl = await crawlNewWeeklyPosts({ listUrl: server.stopcoronavirusUrl, fetchText: (url) => fetchText(url), lastLoadedWeekEnd: whoLastRu ?? null });
  return transformWeeks(crawl.weeks.map((p) => p.week), coverageContext(whoLastRu ? new Map([['RU', whoLastRu]]) : new Map())).records;
}

/**
 * What the first run loads from the dataset and the server as they are now (SPEC 3): the history,
 * then the weekly posts after WHO's last report for Russia.
 */
export async function expectedFirstRun(p: Pick<FaultPipeline, 'dataset' | 'config' | 'server'>) {
  const ecdc = await expectedRecords('ecdc', p.dataset.ecdc, p.config.FILL_POLICY);
  const who = await expectedRecords('who', p.dataset.who, p.config.FILL_POLICY);
  const weeks = await expectedWeekRecords(p.server, who);
  return { ecdc, who, weeks, total: ecdc.length + who.length + weeks.length };
}

/** The deduplicated view ClickHouse must show: per (country, date) the record of the highest-ranked source. */
export function mergeExpected(...groups: readonly DailyRecord[][]): Expected {
  const expected: Expected = new Map();
  for (const records of groups) {
    for (const r of records) {
      const key = `${r.country}:${r.date}`;
      const have = expected.get(key);
      if (!have || SOURCE_RANK[r.source] > SOURCE_RANK[have.source]) {
        expected.set(key, { cases: r.cases, deaths: r.deaths, source: r.source, estimated: r.estimated });
      }
    }
  }
  return expected;
}

// ---------------------------------------------------------------------------------------------
// Services (infra/stack.sh)

export type Service = 'postgres' | 'clickhouse' | 'kafka';

export interface Outage {
  service: Service;
  /** From the stop command's start until the service answered again. */
  downMs: number;
  /** How long `infra/stack.sh down <service>` took (the service stopping). */
  stopMs: number;
  /** How long `infra/stack.sh up <service>` took. */
  startMs: number;
}

async function stack(command: 'up' | 'down' | 'status', service: Service): Promise<string> {
  const { stdout, stderr } = await exec(path.join(repoRoot, 'infra/stack.sh'), [command, service], { cwd: repoRoot, timeout: 180_000 });
  return `${stdout}${stderr}`;
}

/** True when the service runs from this checkout's pid file (so the test may stop it). */
export async function managedService(service: Service): Promise<boolean> {
  return / running /.test(await stack('status', service));
}

/**
 * Stops a shared service, runs `during` (which should be short), and starts the service again
 * whatever happens. `holdMs` keeps it down at least that long.
 */
export async function withServiceDown(service: Service, during: () => Promise<void> = async () => {}, holdMs = 0): Promise<Outage> {
  const stopped = Date.now();
  let startMs = 0;
  let stopMs = 0;
  try {
    await stack('down', service);
    stopMs = Date.now() - stopped;
    await Promise.all([during(), sleep(holdMs)]);
  } finally {
    const starting = Date.now();
    await stack('up', service);
    startMs = Date.now() - starting;
  }
  return { service, downMs: Date.now() - stopped, stopMs, startMs };
}

// ---------------------------------------------------------------------------------------------
// The pipeline under test

export interface FaultPipelineOptions {
  dataset: Dataset;
  /** Configuration for this test (small claim, retries, timeouts). */
  overrides?: Record<string, string>;
}

/** The small configuration of this tier: claim 20 s (heartbeat 10 s), 2 task retries, short source deadlines. */
export const FAULT_DEFAULTS: Record<string, string> = {
  TASK_CLAIM_SECONDS: '20',
  TASK_RETRIES: '2',
  SOURCE_RETRIES: '1',
  SOURCE_TIMEOUT_MS: '15000',
  VERIFY_TIMEOUT_MS: '30000',
  SINK_BATCH_SIZE: '2000',
  SINK_BATCH_MS: '200',
  // Never fires during a test (the first start runs at once anyway).
  ETL_SCHEDULE: '0 3 1 1 *',
  LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
};

export class FaultPipeline {
  readonly env: TestEnvironment;
  readonly config: Config;
  readonly server: SourceServer;
  readonly pool: Pool;
  readonly clickhouse: ClickHouseClient;
  readonly dataset: Dataset;
  readonly processes: RoleProcess[] = [];
  #producer: StringProducer | undefined;

  private constructor(env: TestEnvironment, server: SourceServer, dataset: Dataset) {
    this.env = env;
    this.config = env.config;
    this.server = server;
    this.dataset = dataset;
    // A pool that survives a PostgreSQL restart (createPool ignores idle-client errors).
    this.pool = createPool(env.config.DATABASE_URL, { max: 3, applicationName: 'fault-test' });
    this.clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, requestTimeoutMs: 10_000 });
  }

  static async create(options: FaultPipelineOptions): Promise<FaultPipeline> {
    const server = await startSourceServer();
    try {
      serveDataset(server, options.dataset);
      const env = await createTestEnvironment({
        kafka: true,
        overrides: {
          ...FAULT_DEFAULTS,
          SOURCE_ECDC_URL: server.ecdcUrl,
          SOURCE_WHO_URL: server.whoUrl,
          SOURCE_STOPCORONAVIRUS_URL: server.stopcoronavirusUrl,
          ...options.overrides,
        },
      });
      return new FaultPipeline(env, server, options.dataset);
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  /** Serves the data set again (after setBody edits) and clears every fault. */
  restoreSources(): void {
    this.server.clearFaults();
    serveDataset(this.server, this.dataset);
  }

  startWorker(env: Record<string, string> = {}): RoleProcess {
    const proc = startRole('worker', this.config, { env });
    this.processes.push(proc);
    return proc;
  }

  startSink(env: Record<string, string> = {}): RoleProcess {
    const proc = startRole('sink', this.config, { env });
    this.processes.push(proc);
    return proc;
  }

  /** What every process printed, for a failure message. */
  logs(tailLines = 60): string {
    return this.processes
      .map((p) => `----- ${p.role} pid ${p.pid} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.output().split('\n').slice(-tailLines).join('\n')}`)
      .join('\n');
  }

  /** Starts a run the way `covid-etl run` does (or joins the active one). */
  async startRun(): Promise<string> {
    const boss = createBoss(this.config, 'client');
    boss.on('error', () => undefined);
    await boss.start();
    try {
      await ensureQueues(boss, this.config);
      const { run } = await startRun({ pool: this.pool, boss }, 'manual');
      return run.id;
    } finally {
      await boss.stop({ graceful: false, timeout: 1_000 }).catch(() => undefined);
    }
  }

  async runs(): Promise<RunRow[]> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM etl_runs ORDER BY id');
    return rows;
  }

  async run(runId: string): Promise<RunRow | undefined> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM etl_runs WHERE id = $1', [runId]);
    return rows[0];
  }

  async tasks(runId: string): Promise<TaskRow[]> {
    const { rows } = await this.pool.query<TaskRow>('SELECT * FROM etl_tasks WHERE run_id = $1 ORDER BY position', [runId]);
    return rows;
  }

  async task(runId: string, name: string): Promise<TaskRow | undefined> {
    return (await this.tasks(runId)).find((t) => t.name === name);
  }

  /** Waits until the run exists and has left 'running'. */
  async waitRunDone(runId: string, timeoutMs: number): Promise<RunRow> {
    return waitFor(`run ${runId} to finish`, async () => {
      const run = await this.run(runId).catch(() => undefined);
      return run && run.state !== 'running' ? run : undefined;
    }, timeoutMs, 250, () => this.logs());
  }

  /** The first run, once it exists (the worker starts one on its first start). */
  async firstRunId(timeoutMs = 30_000): Promise<string> {
    return waitFor('the first run', async () => (await this.runs().catch(() => []))[0]?.id, timeoutMs, 100, () => this.logs());
  }

  /**
   * Starts a sink and a worker whose first run's WHO download arrives slowly (over about
   * `downloadSeconds`, the first download only), and returns 2 s into that download: the moment
   * to kill or freeze the worker, or to stop a service under it.
   */
  async runUntilMidWhoDownload(downloadSeconds: number): Promise<{ worker: RoleProcess; runId: string }> {
    const whoSize = (this.dataset.who as Buffer).length;
    this.server.setFault('who', { kind: 'trickle', bytesPerSecond: Math.ceil(whoSize / downloadSeconds), times: 1 });
    this.startSink();
    const worker = this.startWorker();
    const runId = await this.firstRunId();
    await this.waitTask(runId, 'load_who', 'running', 30_000);
    await sleep(2_000);
    return { worker, runId };
  }

  /** Waits until a task of the run is in `state` (e.g. 'running'). */
  async waitTask(runId: string, name: string, state: string, timeoutMs: number): Promise<TaskRow> {
    return waitFor(`${name} of run ${runId} to be ${state}`, async () => {
      const task = await this.task(runId, name).catch(() => undefined);
      return task?.state === state ? task : undefined;
    }, timeoutMs, 100, () => this.logs());
  }

  // ---- Kafka

  async #admin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin({ clientId: 'fault-test-admin', bootstrapBrokers: this.config.KAFKA_BROKERS, retries: 3, retryDelay: 300 });
    try {
      return await use(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** Sum of the end offsets of a topic's partitions: how many messages were ever written to it. */
  async topicEnd(topic = this.config.KAFKA_TOPIC): Promise<number> {
    return this.#admin(async (admin) => {
      const partitions = Array.from({ length: this.config.KAFKA_PARTITIONS }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
      return (listed?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
    });
  }

  /** Messages of the data topic the sink group has not committed yet. */
  async sinkLag(): Promise<number> {
    return this.#admin(async (admin) => {
      const indexes = Array.from({ length: this.config.KAFKA_PARTITIONS }, (_, i) => i);
      const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: this.config.KAFKA_SINK_GROUP, topics: [{ name: this.config.KAFKA_TOPIC, partitionIndexes: indexes }] }] });
      const committed = new Map<number, bigint>();
      for (const t of group?.topics ?? []) for (const p of t.partitions) committed.set(p.partitionIndex, p.committedOffset);
      const [listed] = await admin.listOffsets({ topics: [{ name: this.config.KAFKA_TOPIC, partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
      let lag = 0;
      for (const p of listed?.partitions ?? []) {
        const at = committed.get(p.partitionIndex) ?? -1n;
        lag += Number(p.offset - (at < 0n ? 0n : at));
      }
      return lag;
    });
  }

  async waitSinkCaughtUp(timeoutMs = 60_000): Promise<void> {
    await waitFor('the sink group to commit up to the end of the data topic', async () => (await this.sinkLag()) === 0, timeoutMs, 250, () => this.logs());
  }

  producer(): StringProducer {
    this.#producer ??= createProducer(this.config.KAFKA_BROKERS, 'fault-test-producer');
    return this.#producer;
  }

  // ---- ClickHouse

  #table(): string {
    return `${sqlIdentifier(this.config.CLICKHOUSE_DATABASE)}.daily`;
  }

  async query<T>(sql: string): Promise<T[]> {
    const result = await this.clickhouse.query({ query: sql.replaceAll('{daily}', this.#table()), format: 'JSONEachRow' });
    return result.json<T>();
  }

  /** Rows in ClickHouse, without deduplication (every insert counts). */
  async rawRowCount(where = '1'): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT count() AS n FROM {daily} WHERE ${where}`);
    return Number(row?.n ?? 0);
  }

  /** (country, date) keys stored for a source or a run, deduplicated. */
  async keyCount(where = '1'): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT uniqExact(country, date) AS n FROM {daily} WHERE ${where}`);
    return Number(row?.n ?? 0);
  }

  /**
   * Oracle 1: no (country, date) twice in the deduplicated read, and the deduplicated table is
   * exactly `expected` (keys and values).
   */
  async assertDaily(expected: Expected, what = 'ClickHouse'): Promise<{ rows: number; raw: number }> {
    const dups = await this.query<{ country: string; date: string; c: string }>(
      'SELECT country, toString(date) AS date, count() AS c FROM {daily} FINAL GROUP BY country, date HAVING c > 1 LIMIT 10',
    );
    assert.deepEqual(dups, [], `${what}: (country, date) shown more than once in the deduplicated read`);
    const rows = await this.query<{ country: string; date: string; cases: number; deaths: number; source: SourceName; estimated: number }>(
      'SELECT country, toString(date) AS date, cases, deaths, source, estimated FROM {daily} FINAL',
    );
    const missing: string[] = [];
    const unexpected: string[] = [];
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const key = `${row.country}:${row.date}`;
      seen.add(key);
      const want = expected.get(key);
      if (!want) {
        unexpected.push(key);
        continue;
      }
      if (row.cases !== want.cases || row.deaths !== want.deaths || row.source !== want.source || row.estimated !== (want.estimated ? 1 : 0)) {
        wrong.push(`${key}: have ${row.source} ${row.cases}/${row.deaths}/${row.estimated}, want ${want.source} ${want.cases}/${want.deaths}/${want.estimated ? 1 : 0}`);
      }
    }
    for (const key of expected.keys()) if (!seen.has(key)) missing.push(key);
    const sample = (list: string[]) => `${list.length}${list.length ? ` (e.g. ${list.slice(0, 5).join(', ')})` : ''}`;
    assert.ok(
      missing.length === 0 && unexpected.length === 0 && wrong.length === 0,
      `${what}: ${rows.length} rows for ${expected.size} expected; missing ${sample(missing)}; unexpected ${sample(unexpected)}; wrong values ${sample(wrong)}`,
    );
    return { rows: rows.length, raw: await this.rawRowCount() };
  }

  /**
   * Oracle 2: the run history tells the truth. Nothing is left 'running'; a 'succeeded' run has
   * every task succeeded or skipped and its verify saw at least what the run published land
   * (and ClickHouse holds that many rows of the run now, unless a later run replaced some);
   * a failed or incomplete run carries its error.
   */
  async assertHistoryTruthful(): Promise<RunRow[]> {
    const runs = await this.runs();
    for (const run of runs) {
      assert.notEqual(run.state, 'running', `run ${run.id} is still 'running'`);
      const tasks = await this.tasks(run.id);
      const stillRunning = tasks.filter((t) => t.state === 'running').map((t) => t.name);
      assert.deepEqual(stillRunning, [], `run ${run.id} is ${run.state} but shows tasks still running`);
      if (run.state === 'succeeded') {
        const open = tasks.filter((t) => t.state !== 'succeeded' && t.state !== 'skipped');
        assert.deepEqual(open.map((t) => `${t.name}:${t.state}`), [], `run ${run.id} succeeded with unfinished tasks`);
        const published = tasks.reduce((sum, t) => sum + (t.name === 'verify' ? 0 : (t.counts.published ?? 0)), 0);
        const verify = tasks.find((t) => t.name === 'verify');
        assert.equal(verify?.state, 'succeeded', `run ${run.id} succeeded without verify`);
        assert.equal(verify?.counts.expected, published, `run ${run.id}: verify expected ${verify?.counts.expected}, tasks published ${published}`);
        assert.ok((verify?.counts.landed ?? -1) >= published, `run ${run.id}: verify saw ${verify?.counts.landed} of ${published} land`);
        assert.equal(run.error, null, `run ${run.id} succeeded with an error`);
      } else {
        assert.ok(run.error && run.error.length > 0, `run ${run.id} is ${run.state} without an error`);
        assert.ok(run.finished_at, `run ${run.id} is ${run.state} without an end`);
      }
    }
    return runs;
  }

  async close(): Promise<void> {
    // SIGKILL: what a test leaves running is of no interest any more, and a clean stop could wait.
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL', 5_000).catch(() => undefined)));
    // FAULTS_LOG_DIR keeps every process's output (for a look at a passing test too).
    const dir = process.env.FAULTS_LOG_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      for (const p of this.processes) writeFileSync(path.join(dir, `${this.config.KAFKA_TOPIC.split('.')[0]}-${p.role}-${p.pid}.log`), p.output());
    }
    await this.#producer?.close().catch(() => undefined);
    await this.server.close();
    await this.pool.end().catch(() => undefined);
    await this.clickhouse.close().catch(() => undefined);
    await this.env.cleanup();
  }
}

function serveDataset(server: SourceServer, dataset: Dataset): void {
  if (typeof dataset.ecdc === 'string') server.setFile('ecdc', dataset.ecdc);
  else server.setBody('ecdc', dataset.ecdc);
  if (typeof dataset.who === 'string') server.setFile('who', dataset.who);
  else server.setBody('who', dataset.who);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export { waitFor };

/** A direct PostgreSQL client for one query that must not use a pool (e.g. right after a restart). */
export async function pgQuery<T extends pg.QueryResultRow>(config: Config, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Seconds with one decimal, for the measurements printed by the tests. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One measurement line, collected by docs/reliability.md by hand. */
export function report(line: string): void {
  console.log(`# fault-measure: ${line}`);
}

export const quietLogger = createLogger('silent', 'fault-test');

/** The data set's bytes for the WHO route, e.g. to derive a revised file. */
export function datasetBytes(content: Buffer | string): Buffer {
  return typeof content === 'string' ? readFileSync(content) : content;
}

/** A process's JSON log lines (pino), parsed; other lines are left out. */
export function logLines(proc: RoleProcess): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of proc.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the test reading mid-write
    }
  }
  return lines;
}

/** The `task failed` lines of a run in these processes' logs: one per failed attempt, with its duration. */
export function failedAttempts(procs: readonly RoleProcess[], runId: string, task: string): { ms: number; message: string }[] {
  return procs
    .flatMap((p) => logLines(p))
    .filter((l) => l.msg === 'task failed' && String(l.runId) === runId && l.task === task)
    .map((l) => ({ ms: Number(l.ms), message: String((l.err as { message?: string } | undefined)?.message ?? '') }));
}
