// Kafka clients (@platformatic/kafka). Topics are created by the system itself, idempotently.
// The producer has a module of its own (kafka-producer.ts), which the worker loads alone.
import { Admin, Consumer, stringDeserializer, stringDeserializers } from '@platformatic/kafka';

export { createProducer, ProduceAcks, type MessageBytes, type StringProducer } from './kafka-producer.ts';
export type StringConsumer = Consumer<string, string, string, string>;
/** The sink's consumer: keys, values and header values as the bytes Kafka sent (header names as text). */
export type SinkConsumer = Consumer<Buffer, Buffer, string, Buffer>;

export interface KafkaTopicsOptions {
  brokers: string[];
  topics: string[];
  partitions: number;
  replicationFactor: number;
}

export async function ensureTopics({ brokers, topics, partitions, replicationFactor }: KafkaTopicsOptions): Promise<string[]> {
  const admin = new Admin({ clientId: 'covid-etl-admin', bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    for (const topic of missing) {
      try {
        await admin.createTopics({ topics: [topic], partitions, replicas: replicationFactor });
      } catch (error) {
        // Another process created it between our list and create: that is the goal.
        if (!(await admin.listTopics()).includes(topic)) throw error;
      }
    }
    return missing;
  } finally {
    await admin.close();
  }
}

const CONSUMER_OPTIONS = {
  autocommit: false,
  sessionTimeout: 20_000,
  heartbeatInterval: 1_000,
  maxWaitTime: 500,
  retries: 10,
  retryDelay: 500,
} as const;

/** A consumer of text messages (tools and tests reading a topic). */
export function createConsumer(brokers: string[], groupId: string, clientId: string): StringConsumer {
  return new Consumer({ clientId, groupId, bootstrapBrokers: brokers, deserializers: stringDeserializers, ...CONSUMER_OPTIONS });
}

const bytes = (data: Buffer | undefined) => data;

/**
 * The sink's: it reads each value from its bytes (sink/record-json.ts), so the client decodes
 * no key, value or header value into a string first (a string per part per message).
 */
export const sinkDeserializers = { key: bytes, value: bytes, headerKey: stringDeserializer, headerValue: bytes };

export function createSinkConsumer(brokers: string[], groupId: string, clientId: string): SinkConsumer {
  return new Consumer({ clientId, groupId, bootstrapBrokers: brokers, deserializers: sinkDeserializers, ...CONSUMER_OPTIONS });
}
