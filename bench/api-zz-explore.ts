import { spawn } from 'node:child_process';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { repoRoot } from '../test/support/paths.ts';
import { runLoad } from './api-loadgen.ts';
const env = await createTestEnvironment();
const ch = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
const first = Date.parse('2020-01-03T00:00:00Z');
await ch.insert({ table: 'daily', format: 'JSONEachRow', values: Array.from({ length: 1200 }, (_, d) => ({ country: 'RU', date: new Date(first + d * 86400000).toISOString().slice(0, 10), cases: 20000 + d * 37 % 100000, deaths: 300 + d % 200, source: 'who', estimated: 0, version: 1, run_id: 1 })) });
const q = `SELECT count(), sum(rows), max(max_block_number), sum(cityHash64(name)), toUnixTimestamp(max(modification_time)) FROM system.parts WHERE database = '${env.config.CLICKHOUSE_DATABASE}' AND table = 'daily' AND active`;
let t = performance.now();
for (let i = 0; i < 500; i++) await (await ch.query({ query: q, format: 'TabSeparated' })).text();
console.error('version check sequential mean ms', ((performance.now() - t) / 500).toFixed(3));
const port = 18123;
const server = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), 'src/cli/main.ts', 'serve'], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: env.config.DATABASE_URL, CLICKHOUSE_DATABASE: env.config.CLICKHOUSE_DATABASE, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', AUTH_RATE_LIMIT: '0', DATA_RATE_LIMIT: '0' }, stdio: 'inherit' });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const reg = await fetch(`http://127.0.0.1:${port}/users/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'user1', password: 'password 12345' }) });
const key = ((await reg.json()) as { api_key: string }).api_key;
for (const [path, conns] of (process.env.SCEN ?? '/healthz:32,/cases?country=RU:32,/cases?country=RU:64').split(',').map((s) => s.split(':'))) {
  await runLoad({ port, connections: Number(conns), durationMs: 1000, request: () => ({ path: path!, headers: { 'x-key': key } }) });
  const r = await runLoad({ port, connections: Number(conns), durationMs: 5000, request: () => ({ path: path!, headers: { 'x-key': key } }) });
  console.error(path, conns, Math.round(r.perSecond), 'p50', r.latencyMs.p50.toFixed(2), 'p99', r.latencyMs.p99.toFixed(2), JSON.stringify(r.statuses));
}
server.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 1000));
await ch.close();
await env.cleanup();
