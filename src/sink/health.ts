// The sink's health port (src/platform/health-server.ts): ready once it consumes as a member of
// its group and Kafka and ClickHouse answer. Metrics: the process defaults (among them
// process_start_time_seconds, which shows every restart), the group's lag per partition, and
// the sink's own counters (rows, dead letters, failed attempts).
import { Counter, Gauge, collectDefaultMetrics, Registry } from 'prom-client';
import type { ClickHouseClient } from '../platform/clickhouse.ts';
import type { Config } from '../platform/config.ts';
import { clickhouseCheck, kafkaCheck } from '../platform/health-checks.ts';
import { startHealthServer, type HealthServer } from '../platform/health-server.ts';
import type { SinkConsumer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import type { Sink, SinkStats } from './sink.ts';

const LAG_TIMEOUT_MS = 2_000;

export interface SinkHealthDeps {
  sink: Sink;
  consumer: SinkConsumer;
  clickhouse: ClickHouseClient;
  logger: Logger;
}

export async function startSinkHealth(config: Config, deps: SinkHealthDeps): Promise<HealthServer> {
  const registry = sinkRegistry(config, deps);
  let consuming = false;
  return startHealthServer({
    role: 'sink',
    host: config.HEALTH_HOST,
    port: config.SINK_HEALTH_PORT,
    registry,
    logger: deps.logger,
    // Started means: joined the group at least once; after that a member that lost the group
    // (broker gone, rebalance) shows as waiting for Kafka.
    starting: () => {
      consuming ||= deps.consumer.isActive();
      return consuming ? undefined : 'consumer group';
    },
    checks: {
      kafka: async (signal) => {
        await kafkaCheck(deps.consumer, config.KAFKA_TOPIC)(signal);
        if (consuming && !deps.consumer.isActive()) throw new Error('not a member of the consumer group');
      },
      clickhouse: clickhouseCheck(deps.clickhouse),
    },
  });
}

export function sinkRegistry(config: Config, { sink, consumer, logger }: Pick<SinkHealthDeps, 'sink' | 'consumer' | 'logger'>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stat = (name: string, help: string, key: keyof SinkStats) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sink.stats()[key]);
      },
    });
  stat('covid_etl_sink_messages_total', 'Messages read from the data topic by this process', 'messages');
  stat('covid_etl_sink_rows_total', 'Rows inserted into ClickHouse (and committed) by this process', 'rows');
  stat('covid_etl_sink_dead_letters_total', 'Invalid messages sent to the dead-letter topic by this process', 'deadLetters');
  stat('covid_etl_sink_failed_attempts_total', 'Failed ClickHouse inserts or dead-letter sends (each retried)', 'failedAttempts');

  const topic = config.KAFKA_TOPIC;
  new Gauge({
    name: 'covid_etl_sink_consumer_lag',
    help: "Messages of the data topic not yet committed by the sink's consumer group, per partition",
    labelNames: ['topic', 'partition'],
    registers: [registry],
    // Asked of the brokers at each scrape; when they do not answer in time the last values stay.
    async collect() {
      try {
        for (const [partition, lag] of (await withTimeout(groupLag(consumer, topic), LAG_TIMEOUT_MS)).entries()) {
          this.set({ topic, partition: String(partition) }, lag);
        }
      } catch (error) {
        logger.debug({ err: error }, 'consumer lag not available');
      }
    },
  });
  return registry;
}

/** End offset minus the group's committed offset, per partition (a partition never committed counts from 0). */
export async function groupLag(consumer: SinkConsumer, topic: string): Promise<number[]> {
  const end = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
  const partitions = end.map((_, i) => i);
  const done = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions }] })).get(topic) ?? [];
  return end.map((offset, i) => {
    const at = done[i] ?? -1n;
    return Number(offset - (at < 0n ? 0n : at));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
