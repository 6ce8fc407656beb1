// The Kafka producer, loaded without the rest of its client library. The package's index loads
// every client and every protocol API (its admin client alone compiles 23 JSON schemas with ajv
// at import): 0.8-1.2 s on the 2-core machine against ~0.4 s for the producer's own modules, the
// larger part of a worker's start before its first task (docs/benchmarks.md, "Pipeline
// hand-overs"). The package exports only its index, so the producer's module is imported by its
// file beside the index (the version is pinned); test/unit/platform/kafka-producer.test.ts checks
// that it is the very class the index exports, so an upgrade that moves it fails there.
import type * as Kafka from '@platformatic/kafka';

const dist = import.meta.resolve('@platformatic/kafka');
const load = async <T>(file: string) => (await import(new URL(file, dist).href)) as T;
const { Producer } = await load<{ Producer: typeof Kafka.Producer }>('./clients/producer/index.js');
export const { ProduceAcks } = await load<{ ProduceAcks: typeof Kafka.ProduceAcks }>('./apis/enumerations.js');

export { Producer as KafkaProducer };
/** A key, value, header key or header value: a string is sent as UTF-8, a Buffer as it is. */
export type MessageBytes = string | Buffer;
/**
 * Messages of strings, or of Buffers serialized once by the caller: the publisher shares one
 * `run-id` header Buffer across a load's 250,000 messages instead of encoding it for each.
 */
export type StringProducer = Kafka.Producer<MessageBytes, MessageBytes, MessageBytes, MessageBytes>;

function toBytes(data?: MessageBytes): Buffer | undefined {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
const serializers = { key: toBytes, value: toBytes, headerKey: toBytes, headerValue: toBytes };

/**
 * An idempotent producer that waits for all in-sync replicas: a send resolves only once the
 * broker has the records, and a failure rejects (never swallowed).
 */
export function createProducer(brokers: string[], clientId: string): StringProducer {
  return new Producer({
    clientId,
    bootstrapBrokers: brokers,
    serializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 5,
    retryDelay: 250,
  });
}
