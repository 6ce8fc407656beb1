// Helpers for the sink's integration tests: publish records the way the pipeline does, start
// sinks in-process against the real services, read what landed in ClickHouse and what the group
// committed in Kafka.
import { waitFor } from '../../support/wait.ts';
import { randomBytes } from 'node:crypto';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import type { Config } from '../../../src/platform/config.ts';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { createProducer, createSinkConsumer, type SinkConsumer, type StringProducer } from '../../../src/platform/kafka.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import type { DailyRecord } from '../../../src/domain/record.ts';
import { startSink, type Sink, type SinkOptions } from '../../../src/sink/sink.ts';
import { createClickHouseWriter, type RowWriter } from '../../../src/sink/writer.ts';

export interface Published {
  record: DailyRecord;
  /** Kafka timestamp (publish time), ms. */
  timestamp?: number;
  runId?: number;
  /** Overrides the `country:date` key. */
  key?: string;
}

export function dailyRecords(count: number, overrides: Partial<DailyRecord> = {}): DailyRecord[] {
  const countries = ['RU', 'DE', 'FR', 'IT', 'ES', 'GB', 'US', 'BR', 'IN', 'JP'];
  const records: DailyRecord[] = [];
  const start = Date.UTC(2020, 2, 1);
  for (let i = 0; i < count; i++) {
    const country = countries[i % countries.length] ?? 'RU';
    const date = new Date(start + Math.floor(i / countries.length) * 86_400_000).toISOString().slice(0, 10);
    const estimated = i % 5 === 0;
    records.push({ country, date, cases: i * 3 - 7, deaths: i % 11, source: 'who', estimated, estimated_cases: estimated, estimated_deaths: false, ...overrides });
  }
  return records;
}

export async function publish(producer: StringProducer, topic: string, items: Published[]): Promise<void> {
  const chunk = 5_000;
  for (let i = 0; i < items.length; i += chunk) {
    await producer.send({
      messages: items.slice(i, i + chunk).map(({ record, timestamp, runId, key }) => ({
        topic,
        key: key ?? `${record.country}:${record.date}`,
        value: JSON.stringify(record),
        ...(runId === undefined ? {} : { headers: new Map([['run-id', String(runId)]]) }),
        ...(timestamp === undefined ? {} : { timestamp: BigInt(timestamp) }),
      })),
    });
  }
}

/** A raw message, for the ones that are not records at all. */
export async function publishRaw(producer: StringProducer, topic: string, messages: { key?: string; value: string }[]): Promise<void> {
  await producer.send({ messages: messages.map((m) => ({ topic, ...m })) });
}

export interface StoredRow {
  country: string;
  date: string;
  cases: number;
  deaths: number;
  source: string;
  estimated: number;
  estimated_cases: number;
  estimated_deaths: number;
  version: string;
  run_id: string;
}

export async function finalRows(clickhouse: ClickHouseClient, database: string): Promise<StoredRow[]> {
  const result = await clickhouse.query({
    query: `SELECT country, toString(date) AS date, cases, deaths, source, estimated, estimated_cases, estimated_deaths, version, run_id
            FROM ${sqlIdentifier(database)}.daily FINAL ORDER BY country, date`,
    format: 'JSONEachRow',
  });
  return result.json<StoredRow>();
}

export async function countRows(clickhouse: ClickHouseClient, database: string, final: boolean): Promise<number> {
  const result = await clickhouse.query({
    query: `SELECT count() AS n FROM ${sqlIdentifier(database)}.daily${final ? ' FINAL' : ''}`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/** Committed offset per partition (-1 when none), and the end of each partition. */
export async function groupPosition(config: Config, topic = config.KAFKA_TOPIC, group = config.KAFKA_SINK_GROUP) {
  const admin = new Admin({ clientId: 'sink-test-admin', bootstrapBrokers: config.KAFKA_BROKERS });
  try {
    const [committedGroup] = await admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1, 2] }] }] });
    const committed = new Map<number, bigint>();
    for (const t of committedGroup?.topics ?? []) for (const p of t.partitions) committed.set(p.partitionIndex, p.committedOffset);
    const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
    const end = new Map<number, bigint>();
    for (const p of listed?.partitions ?? []) end.set(p.partitionIndex, p.offset);
    // No commit yet (-1) counts as position 0.
    const lag = [...end].reduce((sum, [partition, offset]) => sum + offset - maxBig(committed.get(partition) ?? -1n, 0n), 0n);
    return { committed, end, lag };
  } finally {
    await admin.close();
  }
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export { waitFor };

/** Reads `count` messages of a topic from the beginning, with a throwaway group. */
export async function readTopic(config: Config, topic: string, count: number, timeoutMs = 20_000) {
  const consumer = new Consumer({
    clientId: 'sink-test-reader',
    groupId: `reader-${randomBytes(4).toString('hex')}`,
    bootstrapBrokers: config.KAFKA_BROKERS,
    deserializers: stringDeserializers,
    autocommit: false,
    maxWaitTime: 200,
  });
  const messages: { key: string | undefined; value: string }[] = [];
  const timer = setTimeout(() => void stream?.close(), timeoutMs);
  let stream: Awaited<ReturnType<typeof consumer.consume>> | undefined;
  try {
    stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    for await (const message of stream) {
      messages.push({ key: message.key, value: message.value });
      if (messages.length >= count) break;
    }
    return messages;
  } finally {
    clearTimeout(timer);
    await stream?.close();
    await consumer.close(true);
  }
}

export interface RunningSink {
  sink: Sink;
  consumer: SinkConsumer;
  close(): Promise<void>;
}

/**
 * A sink in this process with its own clients. `clickhouseUrl` points it elsewhere (a dead
 * port); `writer` replaces ClickHouse altogether; `consumer` brings a consumer with other timeouts.
 */
export async function runSinkInProcess(
  config: Config,
  options: { clickhouseUrl?: string; writer?: RowWriter; consumer?: SinkConsumer; sink?: Partial<SinkOptions>; name?: string } = {},
): Promise<RunningSink> {
  const name = options.name ?? `sink-${randomBytes(3).toString('hex')}`;
  const clickhouse = createClickHouse({ url: options.clickhouseUrl ?? config.CLICKHOUSE_URL, requestTimeoutMs: 5_000 });
  const producer = createProducer(config.KAFKA_BROKERS, `${name}-dlq`);
  const consumer = options.consumer ?? createSinkConsumer(config.KAFKA_BROKERS, config.KAFKA_SINK_GROUP, name);
  const logger = createLogger(process.env.SINK_TEST_LOG ?? 'silent', name);
  try {
    const sink = await startSink({
      consumer,
      producer,
      writer: options.writer ?? createClickHouseWriter(clickhouse, config.CLICKHOUSE_DATABASE),
      logger,
      options: {
        topic: config.KAFKA_TOPIC,
        deadLetterTopic: config.KAFKA_DLQ_TOPIC,
        batchSize: 500,
        batchMs: 200,
        backoff: { initialMs: 200, maxMs: 1_000 },
        shutdownGraceMs: 2_000,
        ...options.sink,
      },
    });
    return {
      sink,
      consumer,
      async close() {
        await sink.stop();
        await consumer.close(true);
        await producer.close();
        await clickhouse.close();
      },
    };
  } catch (error) {
    await consumer.close(true).catch(() => {});
    await producer.close().catch(() => {});
    await clickhouse.close();
    throw error;
  }
}

/** Waits until every partition of the group is committed up to its end. */
export async function waitForCommitted(config: Config, timeoutMs = 30_000): Promise<void> {
  await waitFor('offsets committed up to the end of every partition', async () => (await groupPosition(config)).lag === 0n, timeoutMs, 300);
}
