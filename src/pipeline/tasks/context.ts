// What every task implementation gets: the clients of the worker process and its config.
import type { Config } from '../../platform/config.ts';
import type { ClickHouseClient } from '../../platform/clickhouse.ts';
import type { Clock } from '../../platform/clock.ts';
import type { StringProducer } from '../../platform/kafka.ts';
import type { Pool } from '../../platform/postgres.ts';
import type { FetchOptions } from '../../platform/source-fetch.ts';

export interface TaskDeps {
  config: Config;
  pool: Pool;
  clickhouse: ClickHouseClient;
  producer: StringProducer;
  /** The worker's clock (container.ts): publish time, today's date for the quality gates, verify's waits. */
  clock: Clock;
}

export function fetchOptions(config: Config, signal: AbortSignal): FetchOptions {
  return {
    headersTimeoutMs: config.SOURCE_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: config.SOURCE_IDLE_TIMEOUT_MS,
    deadlineMs: config.SOURCE_TIMEOUT_MS,
    retries: config.SOURCE_RETRIES,
    signal,
  };
}

export const stateKeys = {
  rows: (source: string) => `${source}.rows`,
  validators: (source: string) => `${source}.validators`,
  /** The region of each country as last published (WHO), see regions.ts. */
  regions: (source: string) => `${source}.regions`,
  lastWeekEnd: 'stopcoronavirus.last_week_end',
} as const;
