import type { Config } from '../platform/config.ts';
import { clickhouseUrls, createClickHouse, type ClickHouseClient } from '../platform/clickhouse.ts';
import { ensureTopics } from '../platform/kafka.ts';
import { migrate, MigrationChangedError } from '../platform/migrations.ts';
import { createPool } from '../platform/postgres.ts';

export async function runMigrate(config: Config): Promise<number> {
  const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'covid-etl-migrate' });
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL });
  // With a cluster, every replica gets its tables: one client per URL, no failover.
  const replicas = config.CLICKHOUSE_CLUSTER ? clickhouseUrls(config.CLICKHOUSE_URL).map((url) => ({ url, client: createClickHouse({ url }) })) : [];
  const closeReplicas = () => Promise.all(replicas.map(({ client }: { client: ClickHouseClient }) => client.close()));
  try {
    const cluster = config.CLICKHOUSE_CLUSTER ? { name: config.CLICKHOUSE_CLUSTER, replicas } : undefined;
    const { applied } = await migrate(pool, clickhouse, config.CLICKHOUSE_DATABASE, { cluster });
    const created = await ensureTopics({
      brokers: config.KAFKA_BROKERS,
      topics: [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC],
      partitions: config.KAFKA_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
    console.log(`migrations applied: ${applied.length ? applied.join(', ') : 'none (up to date)'}`);
    console.log(`kafka topics created: ${created.length ? created.join(', ') : 'none (present)'}`);
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationChangedError)) throw error;
    // Nothing was applied: the message names the file; a stack trace would only hide it.
    console.error(`covid-etl migrate: ${error.message}`);
    return 65; // EX_DATAERR
  } finally {
    await closeReplicas();
    await clickhouse.close();
    await pool.end();
  }
}
