// Kafka clients (@platformatic/kafka). Topics are created by the system itself, idempotently.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, ProduceAcks } from '@platformatic/kafka';

export { ProduceAcks };
export type StringProducer = Producer<string, string, string, string>;
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

/**
 * An idempotent producer that waits for all in-sync replicas: a send resolves only once the
 * broker has the records, and a failure rejects (never swallowed).
 */
export function createProducer(brokers: string[], clientId: string): StringProducer {
  return new Producer({
    clientId,
    bootstrapBrokers: brokers,
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 5,
    retryDelay: 250,
  });
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
