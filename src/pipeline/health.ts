// The worker's health port (src/platform/health-server.ts): ready once the job queue handlers
// are registered and PostgreSQL (the job queue and run history), Kafka (where tasks publish) and
// ClickHouse (what verify reads) answer. Metrics: the process defaults, among them
// process_start_time_seconds, which shows every restart.
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ClickHouseClient } from '../platform/clickhouse.ts';
import type { Config } from '../platform/config.ts';
import { clickhouseCheck, kafkaCheck, postgresCheck } from '../platform/health-checks.ts';
import { startHealthServer, type HealthServer } from '../platform/health-server.ts';
import type { StringProducer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import type { Pool } from '../platform/postgres.ts';

export interface WorkerHealth {
  server: HealthServer;
  /** Called once the worker takes jobs. */
  markStarted(): void;
}

export async function startWorkerHealth(
  config: Config,
  deps: { pool: Pool; producer: StringProducer; clickhouse: ClickHouseClient; logger: Logger },
): Promise<WorkerHealth> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let started = false;
  const server = await startHealthServer({
    role: 'worker',
    host: config.HEALTH_HOST,
    port: config.WORKER_HEALTH_PORT,
    registry,
    logger: deps.logger,
    starting: () => (started ? undefined : 'job queue'),
    checks: {
      postgres: postgresCheck(deps.pool),
      kafka: kafkaCheck(deps.producer, config.KAFKA_TOPIC),
      clickhouse: clickhouseCheck(deps.clickhouse),
    },
  });
  return { server, markStarted: () => (started = true) };
}
