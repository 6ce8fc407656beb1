// What the second ClickHouse replica costs: the same batches inserted, in alternating rounds, into
// a plain ReplacingMergeTree and a ReplicatedReplacingMergeTree on the same server (replica 1 of
// infra/cluster/clickhouse.sh, started here if it is not running), and for the replicated table
// how long each batch takes to be readable on replica 2. Also the price of a failover: a query
// while replica 1 is stopped, against one when both answer. Not part of the test suite:
//   node bench/replication.ts [rows per batch] [batches per table]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import { clickhouseUrls, createClickHouse, type ClickHouseClient } from '../src/platform/clickhouse.ts';
import { repoRoot } from '../test/support/paths.ts';
import { median } from './stats.ts';

const batchRows = Number(process.argv[2] ?? 10_000);
const batches = Number(process.argv[3] ?? 10);
const script = path.join(repoRoot, 'infra/cluster/clickhouse.sh');
execFileSync(script, ['up'], { cwd: repoRoot, stdio: 'inherit' });
const env = readFileSync(path.join(repoRoot, '.data/cluster/clickhouse.env'), 'utf8');
const urls = clickhouseUrls(/^CLICKHOUSE_URL=(.*)$/m.exec(env)![1]!);
const [first, second] = urls.map((url) => createClickHouse({ url, requestTimeoutMs: 60_000 })) as [ClickHouseClient, ClickHouseClient];
const both = createClickHouse({ url: urls.join(','), requestTimeoutMs: 60_000 });
const db = `bench_replication_${Date.now().toString(36)}`;
const columns = 'country FixedString(2), date Date, cases Int32, deaths Int32, source String, estimated UInt8, version UInt64, run_id UInt64';
const tail = 'PARTITION BY toYear(date) ORDER BY (country, date)';

const countries = [...COUNTRY_CODES];
function batch(b: number) {
  return Array.from({ length: batchRows }, (_, i) => {
    const n = b * batchRows + i;
    const date = new Date(Date.UTC(2020, 0, 1) + Math.floor(n / countries.length) * 86_400_000).toISOString().slice(0, 10);
    return { country: countries[n % countries.length], date, cases: n % 5_000, deaths: n % 50, source: 'who', estimated: 0, version: 1, run_id: 1 };
  });
}
const count = async (client: ClickHouseClient, table: string) =>
  Number(await (await client.query({ query: `SELECT count() FROM ${db}.${table}`, format: 'TabSeparated' })).text());

try {
  for (const client of [first, second]) {
    await client.command({ query: `CREATE DATABASE ${db}` });
    await client.command({
      query: `CREATE TABLE ${db}.replicated (${columns}) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${db}/replicated', '{replica}', version) ${tail}`,
    });
  }
  await first.command({ query: `CREATE TABLE ${db}.plain (${columns}) ENGINE = ReplacingMergeTree(version) ${tail}` });

  const insertMs: Record<'plain' | 'replicated', number[]> = { plain: [], replicated: [] };
  const lagMs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const rows = batch(b);
    for (const table of b % 2 === 0 ? (['plain', 'replicated'] as const) : (['replicated', 'plain'] as const)) {
      const started = performance.now();
      await first.insert({ table: `${db}.${table}`, format: 'JSONEachRow', values: rows });
      const inserted = performance.now();
      insertMs[table].push(inserted - started);
      if (table === 'replicated') {
        while ((await count(second, 'replicated')) < (b + 1) * batchRows) await new Promise((resolve) => setTimeout(resolve, 10));
        lagMs.push(performance.now() - inserted);
      }
    }
  }
  const rate = (ms: number[]) => Math.round((batchRows * ms.length) / (ms.reduce((a, b) => a + b, 0) / 1000));
  console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString()}`);
  console.log(`${batches} batches of ${batchRows} rows per table, alternating order`);
  console.log(`plain insert ms: ${insertMs.plain.map((v) => v.toFixed(0)).join(' ')} -> ${rate(insertMs.plain)} rows/s, median ${median(insertMs.plain).toFixed(0)} ms`);
  console.log(`replicated insert ms: ${insertMs.replicated.map((v) => v.toFixed(0)).join(' ')} -> ${rate(insertMs.replicated)} rows/s, median ${median(insertMs.replicated).toFixed(0)} ms`);
  console.log(`replicated / plain insert time (medians): ${(median(insertMs.replicated) / median(insertMs.plain)).toFixed(2)}`);
  console.log(`readable on replica 2 after the insert returned, ms: ${lagMs.map((v) => v.toFixed(0)).join(' ')} (median ${median(lagMs).toFixed(0)})`);

  // Failover: the same small query through the two-URL client, both up, then replica 1 stopped.
  const query = async () => {
    const started = performance.now();
    await (await both.query({ query: `SELECT count() FROM ${db}.replicated FINAL`, format: 'TabSeparated' })).text();
    return performance.now() - started;
  };
  const healthy = [];
  for (let i = 0; i < 20; i++) healthy.push(await query());
  execFileSync(script, ['stop', '1'], { cwd: repoRoot, stdio: 'inherit' });
  const failover = [await query()];
  for (let i = 0; i < 19; i++) failover.push(await query());
  execFileSync(script, ['start', '1'], { cwd: repoRoot, stdio: 'inherit' });
  console.log(`query ms, both up: median ${median(healthy).toFixed(1)}; replica 1 stopped: first ${failover[0]!.toFixed(1)}, then median ${median(failover.slice(1)).toFixed(1)}`);
} finally {
  for (const client of [first, second]) await client.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
  await Promise.all([first, second, both].map((client) => client.close()));
}
