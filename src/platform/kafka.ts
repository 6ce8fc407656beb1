// Kafka clients (@platformatic/kafka). Topics are created by the system itself, idempotently.
// The producer has a module of its own (kafka-producer.ts), which the worker loads alone.
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';

export { createProducer, ProduceAcks, type MessageBytes, type StringProducer } from './kafka-producer.ts';
export type StringConsumer = Consumer<string, string, string, string>;

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

export function createConsumer(brokers: string[], groupId: string, clientId: string): StringConsumer {
  return new Consumer({
    clientId,
    groupId,
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    autocommit: false,
    sessionTimeout: 20_000,
    heartbeatInterval: 1_000,
    maxWaitTime: 500,
    retries: 10,
    retryDelay: 500,
  });
}
