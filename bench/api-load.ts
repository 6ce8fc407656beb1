// API benchmark (issue 4): `GET /cases?country=RU` (full history, ~1,200 rows) and /v1 exports
// under concurrent load with 1,000 registered users, plus the cost of one key check with 1 user
// and with 1,000. The server runs as its own process (`covid-etl serve`), the load generator
// (bench/api-loadgen.ts) in this one, both on this machine, against the native stack.
//
//   node bench/api-load.ts [--seconds 10] [--users 1000]
//
// Data: synthetic but shaped like the real table (230 countries x 1,200 days, RU like the real
// series in size), in a fresh database pair (test/support/environment.ts), dropped at the end.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createUsersRepository } from '../src/api/repositories/users.repository.ts';
import { createApiKeyService } from '../src/api/services/api-key.service.ts';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import { createPool } from '../src/platform/postgres.ts';
import { seedDaily } from '../test/support/api-seed.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { startRole, type RoleProcess } from '../test/support/processes.ts';
import { runLoad, type LoadResult } from './api-loadgen.ts';
import { freePort } from '../test/support/ports.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, users: { type: 'string', default: '1000' } } });
const SECONDS = Number(args.seconds);
const USERS = Number(args.users);
const DAYS = 1_200;
const PASSWORD = 'benchmark password 1';

const log = (...parts: unknown[]) => console.error(...parts);

async function http(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : null,
  });
  return { status: response.status, text: await response.text() };
}

async function register(port: number, from: number, to: number): Promise<string[]> {
  const keys: string[] = [];
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const { status, text } = await http(port, 'POST', '/users/register', { username: `user${i}`, password: PASSWORD });
      if (status !== 201) throw new Error(`register user${i}: ${status} ${text}`);
      keys[i - from] = (JSON.parse(text) as { api_key: string }).api_key;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return keys;
}

/** Mean time of one key check against PostgreSQL (cache off) and from the cache, in µs. */
async function keyCheckCost(databaseUrl: string, keys: string[]) {
  const pool = createPool(databaseUrl, { max: 1 });
  const users = createUsersRepository(pool, 5_000);
  const uncached = createApiKeyService(users, { now: () => Date.now() }, { positiveTtlMs: 0, negativeTtlMs: 0, maxEntries: 1 });
  const cached = createApiKeyService(users, { now: () => Date.now() }, { positiveTtlMs: 3_600_000, negativeTtlMs: 0, maxEntries: 100_000 });
  const measure = async (service: typeof cached, rounds: number) => {
    for (let i = 0; i < 200; i++) await service.authenticate(keys[i % keys.length]); // warm-up
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await service.authenticate(keys[i % keys.length]);
    return Number(process.hrtime.bigint() - started) / rounds / 1_000;
  };
  const result = { database: await measure(uncached, 3_000), cached: await measure(cached, 200_000) };
  const plan = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT user_id FROM api_keys WHERE key_digest = '\\x00'::bytea AND revoked_at IS NULL`,
  );
  await pool.end();
  return { ...result, plan: plan.rows.map((r) => r['QUERY PLAN']).join(' / ') };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | 'self' | undefined): number {
  if (pid === undefined) return NaN;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN; // the process is gone (someone restarted ClickHouse during the run)
  }
  const fields = stat.split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
}

/** Busy share of the whole machine (all cores), from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

function clickhousePid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('clickhouse-server')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

function rssNow(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const fmt = (r: LoadResult) =>
  `${Math.round(r.perSecond).toLocaleString('en')} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ` +
  `p99.9 ${r.latencyMs.p999.toFixed(2)} ms, max ${r.latencyMs.max.toFixed(1)} ms, ${(r.bytes / r.requests / 1024).toFixed(1)} KiB/answer, ` +
  `statuses ${JSON.stringify(r.statuses)}`;

const env = await createTestEnvironment({ overrides: {} });
const port = await freePort();
let server: RoleProcess | undefined;
try {
  log('loading data…');
  const rows = await seedDaily(env.config, ['RU', ...[...COUNTRY_CODES].filter((c) => c !== 'RU')].slice(0, 230), DAYS);
  // AUTH_RATE_LIMIT=0: the 1,000 registrations come from one address. DATA_RATE_LIMIT stays at
  // its default (50/s per user): the load is spread over all keys, ~15 requests/s each.
  server = startRole('serve', env.config, { env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', AUTH_RATE_LIMIT: '0', DATA_RATE_LIMIT: '50' } });
  for (let i = 0; ; i++) {
    try {
      if ((await http(port, 'GET', '/readyz')).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error(`server did not start:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const [firstKey] = await register(port, 0, 1);
  const oneUser = await keyCheckCost(env.config.DATABASE_URL, [firstKey!]);
  log(`key check, 1 user: database ${oneUser.database.toFixed(1)} µs, cached ${oneUser.cached.toFixed(2)} µs`);
  log(`registering ${USERS - 1} more users…`);
  const registerStarted = performance.now();
  const keys = [firstKey!, ...(await register(port, 1, USERS))];
  const registerSeconds = (performance.now() - registerStarted) / 1000;
  const manyUsers = await keyCheckCost(env.config.DATABASE_URL, keys);
  log(`key check, ${USERS} users: database ${manyUsers.database.toFixed(1)} µs, cached ${manyUsers.cached.toFixed(2)} µs; plan: ${manyUsers.plan}`);

  const byKey = (path: string, extra: Record<string, string> = {}) => (connection: number, i: number) => ({
    path,
    headers: { 'x-key': keys[(connection * 7919 + i) % keys.length]!, ...extra },
  });
  const results: Record<string, LoadResult & { connections: number; cpu: Record<string, number> }> = {};
  const scenario = async (name: string, connections: number, request: ReturnType<typeof byKey>, seconds = SECONDS) => {
    await runLoad({ port, connections, durationMs: 1_500, request }); // warm-up
    const chPid = clickhousePid();
    const before = { server: cpuSeconds(server!.pid), loadgen: cpuSeconds('self'), clickhouse: cpuSeconds(chPid), machine: machineTicks() };
    const result = await runLoad({ port, connections, durationMs: seconds * 1_000, request });
    const machine = machineTicks();
    // Cores used by each process during the run, and by the whole machine (others included).
    const cpu = {
      server: (cpuSeconds(server!.pid) - before.server) / result.seconds,
      loadgen: (cpuSeconds('self') - before.loadgen) / result.seconds,
      clickhouse: (cpuSeconds(chPid) - before.clickhouse) / result.seconds,
      machine: ((machine.busy - before.machine.busy) / (machine.total - before.machine.total)) * os.cpus().length,
      serverMicrosecondsPerRequest: ((cpuSeconds(server!.pid) - before.server) / result.requests) * 1e6,
    };
    results[`${name} @${connections}`] = { ...result, connections, cpu };
    log(
      `${name} (${connections} connections): ${fmt(result)}\n    cores used: server ${cpu.server.toFixed(2)}, load generator ${cpu.loadgen.toFixed(2)}, ` +
        `clickhouse ${cpu.clickhouse.toFixed(2)}, whole machine ${cpu.machine.toFixed(2)} of ${os.cpus().length}; server CPU per request ${cpu.serverMicrosecondsPerRequest.toFixed(0)} µs`,
    );
    return result;
  };

  await scenario('GET /cases?country=RU', 32, byKey('/cases?country=RU'));
  await scenario('GET /cases?country=RU', 100, byKey('/cases?country=RU'));
  await scenario('GET /cases?country=RU', 10, byKey('/cases?country=RU'));
  await scenario('GET /v1/daily?country=RU (JSON, cached)', 32, byKey('/v1/daily?country=RU'));
  await scenario('GET /v1/daily?country=RU&format=csv (cached)', 32, byKey('/v1/daily?country=RU&format=csv'));
  const rssBefore = rssNow(server.pid);
  const exportResult = await scenario('GET /v1/daily?format=csv (whole table, streamed)', 4, byKey('/v1/daily?format=csv'));
  const rssPeak = peakRss(server.pid);
  log(`whole-table export: ${(exportResult.bytes / exportResult.requests / 1024 / 1024).toFixed(1)} MiB per answer, ${(exportResult.bytes / exportResult.seconds / 1024 / 1024).toFixed(0)} MiB/s; server RSS ${rssBefore.toFixed(0)} MiB before, peak ${rssPeak.toFixed(0)} MiB`);

  console.log(
    JSON.stringify(
      {
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
        date: new Date().toISOString(),
        rows,
        users: USERS,
        registerSeconds,
        keyCheck: { oneUser, manyUsers },
        results,
        exportRss: { beforeMiB: rssBefore, peakMiB: rssPeak },
      },
      null,
      1,
    ),
  );
} finally {
  await server?.stop('SIGTERM');
  await env.cleanup();
}
