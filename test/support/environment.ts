// Isolated, real services for one integration test file: its own PostgreSQL database, its own
// ClickHouse database and its own Kafka topics and consumer group, all migrated, and dropped
// again by cleanup(), topics included. The services themselves are started by `infra/stack.sh up`
// (make test).
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { parseConfig, readEnvironment, type Config } from '../../src/platform/config.ts';
import { clickhouseUrls, createClickHouse } from '../../src/platform/clickhouse.ts';
import { ensureTopics } from '../../src/platform/kafka.ts';
import { migrate } from '../../src/platform/migrations.ts';
import { createPool } from '../../src/platform/postgres.ts';

export interface TestEnvironment {
  config: Config;
  cleanup(): Promise<void>;
}

/** The configuration the stack was started with (.env and environment), for tests. */
export function baseConfig(overrides: Record<string, string> = {}): Config {
  // Health ports: any free one, so the roles of tests running side by side never clash.
  return parseConfig({ ...readEnvironment(), NODE_ENV: 'test', LOG_LEVEL: 'silent', WORKER_HEALTH_PORT: '0', SINK_HEALTH_PORT: '0', ...overrides });
}

export async function createTestEnvironment(
  options: { kafka?: boolean; overrides?: Record<string, string> } = {},
): Promise<TestEnvironment> {
  const base = baseConfig();
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseName = `covid_${id}`;

  const adminUrl = new URL(base.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();

  const databaseUrl = new URL(base.DATABASE_URL);
  databaseUrl.pathname = `/${databaseName}`;

  const config = baseConfig({
    DATABASE_URL: databaseUrl.toString(),
    CLICKHOUSE_DATABASE: databaseName,
    KAFKA_TOPIC: `${id}.daily`,
    KAFKA_DLQ_TOPIC: `${id}.daily.dlq`,
    KAFKA_SINK_GROUP: `${id}-sink`,
    KAFKA_PARTITIONS: '3',
    ...options.overrides,
  });

  const pool = createPool(config.DATABASE_URL, { max: 1 });
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL });
  // With CLICKHOUSE_CLUSTER (the suite run against replicas), replicated tables on each replica.
  const replicas = config.CLICKHOUSE_CLUSTER ? clickhouseUrls(config.CLICKHOUSE_URL).map((url) => ({ url, client: createClickHouse({ url }) })) : [];
  try {
    await migrate(pool, clickhouse, config.CLICKHOUSE_DATABASE, config.CLICKHOUSE_CLUSTER ? { cluster: { name: config.CLICKHOUSE_CLUSTER, replicas } } : {});
  } finally {
    await pool.end();
  }
  if (options.kafka) {
    await ensureTopics({
      brokers: config.KAFKA_BROKERS,
      topics: [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC],
      partitions: config.KAFKA_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
  }

  return {
    config,
    async cleanup() {
      for (const { client } of replicas) {
        await client.command({ query: `DROP DATABASE IF EXISTS ${databaseName}` }).catch(() => {});
        await client.close();
      }
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${databaseName}` }).catch(() => {});
      await clickhouse.close();
      const dropper = new pg.Client({ connectionString: adminUrl.toString() });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => {});
      await dropper.end();
      await deleteTopics(config.KAFKA_BROKERS, `${id}.`);
    },
  };
}

/**
 * Deletes the test's topics (every name under its prefix, whoever created them). Left behind,
 * thousands of them (a few hundred test files a run) made a Kafka restart take over a minute on a
 * developer's stack. Best effort: no Kafka, no topics to delete.
 */
async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Admin({ clientId: 'test-cleanup', bootstrapBrokers: brokers, retries: 0 });
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // the test did not use Kafka, or Kafka is down (a fault test): nothing to clean here
  } finally {
    await admin.close().catch(() => {});
  }
}
