// The composition root of the API role: every repository and service built by hand from the
// clients the process opened. main.ts uses it with the real clients; tests use it with clients
// pointed at their own databases (and a fake clock or a cheaper hasher where that matters).
import type { Config } from '../platform/config.ts';
import type { ClickHouseClient } from '../platform/clickhouse.ts';
import type { Logger } from '../platform/logger.ts';
import type { Pool } from '../platform/postgres.ts';
import type { ApiDeps } from './app.ts';
import { systemClock, type TimeSource } from '../platform/clock.ts';
import { createClickHouseProbe } from './repositories/clickhouse-probe.ts';
import { selectTsv } from './repositories/clickhouse-tsv.ts';
import { createDailyRepository } from './repositories/daily.repository.ts';
import { createMeasuresRepository } from './repositories/measures.repository.ts';
import { createPasswordHasher, type PasswordHasher } from './repositories/password-hasher.ts';
import { createPipelineStatusRepository } from './repositories/pipeline-status.repository.ts';
import { timedQuery } from './repositories/pg-query.ts';
import { guarded } from './repositories/store-errors.ts';
import { createUsersRepository } from './repositories/users.repository.ts';
import { createApiKeyService, DEFAULT_KEY_CACHE, type ApiKeyCacheOptions } from './services/api-key.service.ts';
import { createDataService } from './services/data.service.ts';
import { rotateVersionEpoch } from '../platform/data-announcements.ts';
import { createChangeFeed, type ChangeFeed } from './services/change-feed.ts';
import { createDataVersionState } from './services/data-version.service.ts';
import { createDataVersionSync } from './services/data-version-sync.ts';
import { createStatusService, type StatusSettings } from './services/status.service.ts';
import { gatedHasher } from './services/hash-gate.ts';
import { createUsersService } from './services/users.service.ts';

export interface ApiClients {
  config: Config;
  logger: Logger;
  /** Opened with `withStatementTimeout(url, storeTimeoutMs(config))` (repositories/pg-query.ts). */
  pool: Pool;
  /** Opened with CLICKHOUSE_READ_URL: a user whose profile is read-only (infra/clickhouse/users.d/reader.xml). */
  clickhouse: ClickHouseClient;
  /** For streamed exports, with EXPORT_CONCURRENCY connections (the main client when absent). */
  exportClickhouse?: ClickHouseClient;
  clock?: TimeSource;
  hasher?: PasswordHasher;
  keyCache?: ApiKeyCacheOptions;
  /** Time between two safety checks of the data versions (services/data-version-sync.ts). */
  versionPollMs?: number;
}

/** What the API says shapes the data: the worker reads the same configuration (.env, compose's env_file). */
export function statusSettings(config: Config): StatusSettings {
  return {
    fillPolicy: config.FILL_POLICY,
    schedule: config.ETL_SCHEDULE,
    sources: [
      { source: 'ecdc', location: config.SOURCE_ECDC_URL, staleAfterDays: config.SOURCE_ECDC_STALE_DAYS },
      { source: 'who', location: config.SOURCE_WHO_URL, staleAfterDays: config.SOURCE_WHO_STALE_DAYS },
      { source: 'stopcoronavirus', location: config.SOURCE_STOPCORONAVIRUS_URL, staleAfterDays: config.SOURCE_STOPCORONAVIRUS_STALE_DAYS },
    ],
  };
}

/** Half a second: data written past the sink is seen within two polls, about a second. */
export const DEFAULT_VERSION_POLL_MS = 500;

/**
 * Store calls must fail before the HTTP request does, so the client gets a 503 rather than a
 * dropped connection: they get at most half the HTTP time limit.
 */
export function storeTimeoutMs(config: Config): number {
  return Math.min(config.CLICKHOUSE_QUERY_TIMEOUT_MS, Math.floor(config.HTTP_REQUEST_TIMEOUT_MS / 2));
}

/**
 * The API sends no settings with its queries: the user's profile makes them read-only. Say so
 * at start when it does not (a CLICKHOUSE_READ_URL naming a read-write user); unknown while
 * ClickHouse is down, then nothing is said.
 */
async function warnUnlessReadOnly(clickhouse: ClickHouseClient, logger: Logger): Promise<void> {
  const rows = await selectTsv(clickhouse, "SELECT value FROM system.settings WHERE name = 'readonly'").catch(() => undefined);
  const readonly = rows?.[0]?.[0];
  if (readonly !== undefined && readonly !== '1') {
    logger.warn({ readonly }, "the API's ClickHouse user (CLICKHOUSE_READ_URL) is not read-only (its profile's readonly is not 1): its queries could write");
  }
}

export async function createApiDeps({
  config,
  logger,
  pool,
  clickhouse,
  exportClickhouse = clickhouse,
  clock = systemClock,
  hasher = createPasswordHasher(),
  keyCache = DEFAULT_KEY_CACHE,
  versionPollMs = DEFAULT_VERSION_POLL_MS,
}: ApiClients): Promise<ApiDeps> {
  const timeoutMs = storeTimeoutMs(config);
  const usersRepository = createUsersRepository(pool, timeoutMs);
  const probe = createClickHouseProbe(config.CLICKHOUSE_READ_URL, timeoutMs);
  const daily = createDailyRepository(clickhouse, probe, config.CLICKHOUSE_DATABASE, exportClickhouse);
  const apiKeys = createApiKeyService(usersRepository, clock, keyCache);
  const versions = createDataVersionState();
  const data = createDataService(daily, createMeasuresRepository(clickhouse, config.CLICKHOUSE_DATABASE), versions);
  // What the safety check compares with first. ClickHouse may be down at start: readiness says so.
  const initialDigest = await daily.partsDigest().catch(() => 'unavailable');
  void warnUnlessReadOnly(clickhouse, logger);
  const changes: ChangeFeed = createChangeFeed({
    databaseUrl: config.DATABASE_URL,
    versions: createDataVersionSync(
      {
        state: versions,
        clickhouseDigest: () => daily.partsDigest(),
        rotateEpoch: () => rotateVersionEpoch(pool),
        clock: { now: () => performance.now() },
        logger,
      },
      initialDigest,
    ),
    apiKeys,
    logger,
    pollMs: versionPollMs,
    queryTimeoutMs: timeoutMs,
  });
  await changes.start();
  return {
    changes,
    config,
    logger,
    clock,
    apiKeys,
    data,
    // Whatever arrives, hashing takes at most half the cores (services/hash-gate.ts).
    users: await createUsersService({ users: usersRepository, hasher: gatedHasher(hasher), apiKeys }),
    versions,
    status: createStatusService(createPipelineStatusRepository(pool, timeoutMs), data, statusSettings(config), clock),
    checks: {
      postgres: () => guarded('postgres', async () => void (await pool.query(timedQuery('SELECT 1', [], timeoutMs)))),
      clickhouse: () => daily.ping(),
    },
  };
}
