// One API under test: its own PostgreSQL and ClickHouse databases (migrated), the real
// services wired by the composition root, and the app built without listening.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Writable } from 'node:stream';
import { buildApp, type ApiDeps } from '../../../src/api/app.ts';
import { createApiDeps, storeTimeoutMs } from '../../../src/api/container.ts';
import { withStatementTimeout } from '../../../src/api/repositories/pg-query.ts';
import type { TimeSource } from '../../../src/platform/clock.ts';
import type { ApiKeyCacheOptions } from '../../../src/api/services/api-key.service.ts';
import { createClickHouse, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import type { Config } from '../../../src/platform/config.ts';
import { announceCountries } from '../../../src/platform/data-announcements.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

export interface DailyInsert {
  country: string;
  date: string;
  cases: number;
  deaths: number;
  source?: string;
  estimated?: boolean;
  /** Both default to `estimated`. */
  estimated_cases?: boolean;
  estimated_deaths?: boolean;
  version?: number;
  /** The WHO region the row carries ('' = none, as ECDC rows). */
  region?: string;
}

export interface ApiTestContext {
  env: TestEnvironment;
  config: Config;
  pool: Pool;
  /** The pipeline's (read-write) user, for the test's own inserts. */
  clickhouse: ClickHouseClient;
  /** The API's read-only user (CLICKHOUSE_READ_URL), which the app queries with. */
  reader: ClickHouseClient;
  deps: ApiDeps;
  app: FastifyInstance;
  /** Inserts as the sink does: into ClickHouse, then announced; resolves once the app knows. */
  insertDaily(rows: readonly DailyInsert[]): Promise<void>;
  /** Inserts into ClickHouse only, as a writer that bypasses the sink would. */
  insertUnannounced(rows: readonly DailyInsert[]): Promise<void>;
  /** Registers a user through the API and returns its key. */
  register(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export interface ContextOptions {
  overrides?: Record<string, string>;
  clock?: TimeSource;
  keyCache?: ApiKeyCacheOptions;
  /** Where the app's logs go (silent when absent). */
  logStream?: Writable;
}

export const PASSWORD = 'correct horse battery staple';

export async function createApiTestContext(options: ContextOptions = {}): Promise<ApiTestContext> {
  const env = await createTestEnvironment({
    overrides: { AUTH_RATE_LIMIT: '0', AUTH_GLOBAL_RATE_LIMIT: '0', DATA_RATE_LIMIT: '0', KEY_FAILURE_LIMIT: '0', ...options.overrides },
  });
  const { config } = env;
  const pool = createPool(withStatementTimeout(config.DATABASE_URL, storeTimeoutMs(config)), { max: 4 });
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL, database: config.CLICKHOUSE_DATABASE, requestTimeoutMs: 5_000 });
  const reader = createClickHouse({ url: config.CLICKHOUSE_READ_URL, database: config.CLICKHOUSE_DATABASE, requestTimeoutMs: 5_000 });
  const logger = options.logStream ? pino({ level: 'trace' }, options.logStream) : pino({ level: 'silent' });
  const deps = await createApiDeps({
    config,
    logger,
    pool,
    clickhouse: reader,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.keyCache ? { keyCache: options.keyCache } : {}),
  });
  const app = await buildApp(deps, { defaultMetrics: false });
  await app.ready();

  const insertUnannounced = async (rows: readonly DailyInsert[]) => {
    await clickhouse.insert({
      table: 'daily',
      format: 'JSONEachRow',
      values: rows.map((row, i) => ({
        country: row.country,
        date: row.date,
        cases: row.cases,
        deaths: row.deaths,
        source: row.source ?? 'who',
        estimated: row.estimated ? 1 : 0,
        estimated_cases: (row.estimated_cases ?? row.estimated) ? 1 : 0,
        estimated_deaths: (row.estimated_deaths ?? row.estimated) ? 1 : 0,
        region: row.region ?? '',
        version: row.version ?? Date.now() * 1000 + i,
        run_id: 1,
      })),
    });
  };

  return {
    env,
    config,
    pool,
    clickhouse,
    reader,
    deps,
    app,
    insertUnannounced,
    async insertDaily(rows) {
      await insertUnannounced(rows);
      const countries = [...new Set(rows.map((row) => row.country))];
      const before = countries.map((country) => deps.versions.country(country));
      await announceCountries(pool, countries);
      // The notification arrives within milliseconds; wait for it so tests stay deterministic.
      for (let waited = 0; countries.some((country, i) => deps.versions.country(country) === before[i]); waited += 5) {
        if (waited > 5_000) throw new Error(`the app did not hear of the new versions of ${countries.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async register(username, password = PASSWORD) {
      const response = await app.inject({ method: 'POST', url: '/users/register', payload: { username, password } });
      if (response.statusCode !== 201) throw new Error(`register ${username}: ${response.statusCode} ${response.body}`);
      return (response.json<{ api_key: string }>()).api_key;
    },
    async close() {
      await app.close();
      await deps.changes.close();
      await clickhouse.close();
      await reader.close();
      await pool.end();
      await env.cleanup();
    },
  };
}

/** Consecutive dates from `start`, `count` of them. */
export function dateRange(start: string, count: number): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
}

export interface FakeClock extends TimeSource {
  advance(ms: number): void;
}

export function fakeClock(start = Date.parse('2024-01-01T00:00:00Z')): FakeClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}
