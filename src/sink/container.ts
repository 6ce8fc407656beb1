// The sink's composition root: builds its clients from the configuration, each registered for
// release in reverse order.
import { hostname } from 'node:os';
import type { Config } from '../platform/config.ts';
import { createClickHouse, type ClickHouseClient } from '../platform/clickhouse.ts';
import { createProducer, createSinkConsumer, ensureTopics, type SinkConsumer } from '../platform/kafka.ts';
import { Resources } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { announceCountries } from '../platform/data-announcements.ts';
import { createPool } from '../platform/postgres.ts';
import { announcingWriter } from './announce.ts';
import { createSink, type Sink } from './sink.ts';
import { createClickHouseWriter } from './writer.ts';

export interface SinkContainer {
  sink: Sink;
  resources: Resources;
  /** For the health port (src/sink/health.ts). */
  consumer: SinkConsumer;
  clickhouse: ClickHouseClient;
}

/** A batch of SINK_BATCH_SIZE rows may take longer than an interactive query: allow at least 30 s. */
const MIN_INSERT_TIMEOUT_MS = 30_000;

export async function createSinkContainer(config: Config, logger: Logger): Promise<SinkContainer> {
  const resources = new Resources();
  try {
    // The topics are normally created by `migrate`; creating them here too keeps a sink that
    // starts first from failing (idempotent, SPEC 4).
    await ensureTopics({
      brokers: config.KAFKA_BROKERS,
      topics: [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC],
      partitions: config.KAFKA_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
    const clientId = `covid-etl-sink-${hostname()}-${process.pid}`;
    const clickhouse = resources.add(
      'clickhouse',
      createClickHouse({ url: config.CLICKHOUSE_URL, requestTimeoutMs: Math.max(config.CLICKHOUSE_QUERY_TIMEOUT_MS, MIN_INSERT_TIMEOUT_MS) }),
      (client) => client.close(),
    );
    // Only for announcing new data (sink/announce.ts): one connection is enough.
    const pool = resources.add('postgres', createPool(config.DATABASE_URL, { max: 1, applicationName: 'covid-etl-sink' }), (p) => p.end());
    const producer = resources.add('dead-letter producer', createProducer(config.KAFKA_BROKERS, `${clientId}-dlq`), (p) => p.close());
    const consumer = resources.add('consumer', createSinkConsumer(config.KAFKA_BROKERS, config.KAFKA_SINK_GROUP, clientId), (c) => c.close());
    const sink = createSink({
      consumer,
      producer,
      writer: announcingWriter(createClickHouseWriter(clickhouse, config.CLICKHOUSE_DATABASE), (countries) => announceCountries(pool, countries), logger),
      logger,
      options: {
        topic: config.KAFKA_TOPIC,
        deadLetterTopic: config.KAFKA_DLQ_TOPIC,
        batchSize: config.SINK_BATCH_SIZE,
        batchMs: config.SINK_BATCH_MS,
        idleMs: config.SINK_IDLE_MS,
      },
    });
    // Registered last, released first: leave the group before the clients close.
    resources.add('sink', sink, (s) => s.stop());
    return { sink, resources, consumer, clickhouse };
  } catch (error) {
    await resources.close(logger);
    throw error;
  }
}
