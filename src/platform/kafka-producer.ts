// The Kafka producer, loaded without the rest of its client library. The package's index loads
// every client and every protocol API (its admin client alone compiles 23 JSON schemas with ajv
// at import): 0.8-1.2 s on the 2-core machine against ~0.4 s for the producer's own modules, the
// larger part of a worker's start before its first task (docs/benchmarks.md, "Pipeline
// hand-overs"). The package exports only its index, so the producer's module is imported by its
// file beside the index (the version is pinned); test/unit/platform/kafka-producer.test.ts checks
// that it is the very class the index exports, so an upgrade that moves it fails there.
import type * as Kafka from '@platformatic/kafka';
import { leanProduceApi, type ProduceApi } from './kafka-produce-request.ts';

const dist = import.meta.resolve('@platformatic/kafka');
const load = async <T>(file: string) => (await import(new URL(file, dist).href)) as T;
const { Producer } = await load<{ Producer: typeof Kafka.Producer }>('./clients/producer/index.js');
export const { ProduceAcks } = await load<{ ProduceAcks: typeof Kafka.ProduceAcks }>('./apis/enumerations.js');
/** The client's lookup of a protocol API by name (the symbol of its base class). */
const { kGetApi } = await load<{ kGetApi: symbol }>('./clients/base/base.js');

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

type ApiLookup = (name: string, callback: (error: Error | null, api?: ProduceApi) => void) => void;

/**
 * An idempotent producer that waits for all in-sync replicas: a send resolves only once the
 * broker has the records, and a failure rejects (never swallowed). Its Produce requests carry
 * record batches written by kafka-record-batch.ts (the same bytes, a fraction of the client's
 * CPU): the client's API lookup hands it ours for Produce, its own for everything else.
 */
export function createProducer(brokers: string[], clientId: string): StringProducer {
  const producer = new Producer({
    clientId,
    bootstrapBrokers: brokers,
    serializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 5,
    retryDelay: 250,
  });
  const client = producer as unknown as Record<symbol, ApiLookup>;
  const lookup = client[kGetApi]!.bind(producer);
  client[kGetApi] = (name, callback) => lookup(name, (error, api) => callback(error, error === null && name === 'Produce' && api ? leanProduceApi(api) : api));
  return producer;
}
