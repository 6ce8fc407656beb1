// Compression benchmark (issue 15 item 8): the full CSV export (`GET /v1/daily?format=csv`, every
// country, every day) over real HTTP, plain vs gzip vs brotli: bytes on the wire and time to the
// last byte. Data: the real ECDC final and WHO daily files (../shared/data) through the
// pipeline's readers and rules, straight into a fresh ClickHouse database (dropped at the end).
// The export is larger than the response cache's limit, so every request streams from ClickHouse.
//
//   node bench/compression.ts [--runs 3]
import { createReadStream } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from '../src/api/app.ts';
import { createApiDeps } from '../src/api/container.ts';
import type { DailyRecord } from '../src/domain/record.ts';
import { coverageContext } from '../src/domain/transform/coverage.ts';
import { transformSourceSeries } from '../src/domain/transform/source.ts';
import { createClickHouse } from '../src/platform/clickhouse.ts';
import { createPool } from '../src/platform/postgres.ts';
import { collectRead } from '../src/pipeline/sources/collect.ts';
import { readEcdc } from '../src/pipeline/sources/ecdc.ts';
import { readWho } from '../src/pipeline/sources/who.ts';
import { recordVersion } from '../src/sink/version.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';
import { median } from './stats.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(args.runs);
const log = (...parts: unknown[]) => console.error(...parts);

async function records(): Promise<DailyRecord[]> {
  const ecdc = await collectRead('ecdc', readEcdc(createReadStream(SOURCE_FILES.ecdcFinal)));
  const who = await collectRead('who', readWho(createReadStream(SOURCE_FILES.whoDaily)));
  return [
    ...transformSourceSeries('ecdc', ecdc.series, 'ffill', coverageContext()).records,
    ...transformSourceSeries('who', who.series, 'ffill', coverageContext()).records,
  ];
}

function download(port: number, key: string, encoding: string | null): Promise<{ bytes: number; ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const headers: Record<string, string> = { 'x-key': key, ...(encoding ? { 'accept-encoding': encoding } : {}) };
    http
      .get({ host: '127.0.0.1', port, path: '/v1/daily?format=csv', headers }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ bytes, ms: performance.now() - started, status: response.statusCode ?? 0 }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

const env = await createTestEnvironment({ overrides: { DATA_RATE_LIMIT: '0', AUTH_RATE_LIMIT: '0', HTTP_REQUEST_TIMEOUT_MS: '60000', CLICKHOUSE_QUERY_TIMEOUT_MS: '30000' } });
const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE, requestTimeoutMs: 60_000 });
const pool = createPool(env.config.DATABASE_URL, { max: 4 });
try {
  const all = await records();
  const now = Date.now();
  for (let start = 0; start < all.length; start += 50_000) {
    await clickhouse.insert({
      table: 'daily',
      format: 'JSONEachRow',
      values: all.slice(start, start + 50_000).map((r) => ({
        ...r,
        estimated: r.estimated ? 1 : 0,
        estimated_cases: r.estimated_cases ? 1 : 0,
        estimated_deaths: r.estimated_deaths ? 1 : 0,
        version: recordVersion(r.source, now),
        run_id: 1,
      })),
    });
  }
  log(`loaded ${all.length} records`);
  const deps = await createApiDeps({ config: env.config, logger: pino({ level: 'silent' }), pool, clickhouse });
  const app = await buildApp(deps, { defaultMetrics: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const registered = await app.inject({ method: 'POST', url: '/users/register', payload: { username: 'bench', password: 'benchmark password 1' } });
  const key = registered.json<{ api_key: string }>().api_key;

  const modes = [null, 'gzip', 'br'] as const;
  await download(port, key, null); // warm-up: ClickHouse caches, JIT
  const results: Record<string, { bytes: number; ms: number[] }> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const mode of modes) {
      const { bytes, ms, status } = await download(port, key, mode);
      if (status !== 200) throw new Error(`${mode ?? 'identity'}: HTTP ${status}`);
      const entry = (results[mode ?? 'identity'] ??= { bytes, ms: [] });
      entry.ms.push(Math.round(ms));
    }
  }
  await app.close();
  const base = results.identity!;
  const table = Object.fromEntries(
    Object.entries(results).map(([mode, r]) => [
      mode,
      { bytes: r.bytes, ms: r.ms, median_ms: median(r.ms), size_ratio: +(r.bytes / base.bytes).toFixed(3), time_ratio: +(median(r.ms) / median(base.ms)).toFixed(2) },
    ]),
  );
  console.log(JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, rows: all.length, runs: RUNS, results: table }, null, 2));
} finally {
  await pool.end();
  await clickhouse.close();
  await env.cleanup();
}
