// The Produce request of @platformatic/kafka 2.12.1 (versions 3-11) with its record batches
// written by kafka-record-batch.ts, each into one Buffer, instead of the library's ~13 small
// Buffers per record. Everything else is the library's: the envelope is written with its
// Writer exactly as its produce-vN.js writes it, the response parsed by that version's own
// parser, and a compressed send is left to the library whole. The producer (kafka-producer.ts)
// hands this to the client through the client's API lookup; the version is pinned, and
// test/unit/platform/kafka-record-batch.test.ts compares the requests byte for byte with the
// library's for every version, so an upgrade that changes them fails there.
import type * as Kafka from '@platformatic/kafka';
import { encodeRecordBatch, type BatchMessage, type BatchOptions } from './kafka-record-batch.ts';

const dist = import.meta.resolve('@platformatic/kafka');
const load = async <T>(file: string) => (await import(new URL(file, dist).href)) as T;

interface Writer {
  length: number;
  dynamicBuffer: object;
  context: { noResponse?: boolean };
  append(buffer: Buffer): Writer;
  appendString(value: string | null | undefined, compact?: boolean): Writer;
  appendInt16(value: number): Writer;
  appendInt32(value: number): Writer;
  appendUnsignedVarInt(value: number): Writer;
  appendArray<T>(value: T[], entry: (w: Writer, item: T) => void, compact?: boolean, taggedFields?: boolean): Writer;
  appendTaggedFields(): Writer;
}
type RequestCreator = (acks: number | undefined, timeout: number | undefined, topicData: BatchMessage[], options?: ProduceOptions) => Writer | Promise<Writer>;
type ResponseParser = (...args: unknown[]) => unknown;
interface ProduceVersion {
  createRequest: RequestCreator;
  createRequestAsync?: RequestCreator;
  parseResponse: ResponseParser;
}
/** A Produce API as the client calls it (createAPI's result). */
export type ProduceApi = Kafka.API<unknown[], unknown>;
type ProduceOptions = BatchOptions & { compression?: string | undefined };

const { Writer } = await load<{ Writer: { create(): Writer } }>('./protocol/writer.js');
const { groupByProperty } = await load<{ groupByProperty: <T>(entries: T[], property: string) => [string, T[]][] }>('./utils.js');
const { createAPI } = await load<{ createAPI: (key: number, version: number, create: RequestCreator, parse: ResponseParser, requestTags?: boolean, responseTags?: boolean) => ProduceApi }>(
  './apis/definitions.js',
);
/** The library's own DynamicBuffer class (a dependency of its own, not ours), from one of its Writers. */
const DynamicBuffer = Writer.create().dynamicBuffer.constructor as new (buffer: Buffer) => object;
const { crc32c: libraryCrc32c } = await load<{ crc32c: (bytes: object) => number }>('./protocol/crc32c.js');
/** The library's CRC32C (native when @node-rs/crc32 is there); a DynamicBuffer of one Buffer is read without a copy. */
const crc32c = (bytes: Buffer) => libraryCrc32c(new DynamicBuffer(bytes));

const PRODUCE_KEY = 0;
/** Versions 9 on are "flexible": compact strings and arrays, tagged fields. */
const FIRST_FLEXIBLE = 9;
const NO_RESPONSE = 0;

const versions = new Map<number, ProduceVersion>();
for (let version = 3; version <= 11; version++) versions.set(version, await load<ProduceVersion>(`./apis/producer/produce-v${version}.js`));

/** The request of one version: produce-vN.js's createRequest, the record batches our own. */
function createRequest(version: number, library: ProduceVersion): RequestCreator {
  const flexible = version >= FIRST_FLEXIBLE;
  return (acks = 1, timeout = 0, topicData, options = {}) => {
    if ((options.compression ?? 'none') !== 'none') {
      return options.compression === 'gzip' && library.createRequestAsync ? library.createRequestAsync(acks, timeout, topicData, options) : library.createRequest(acks, timeout, topicData, options);
    }
    const now = BigInt(Date.now());
    for (const message of topicData) {
      message.partition ??= 0;
      message.timestamp ??= now;
    }
    const writer = Writer.create()
      .appendString(options.transactionalId, flexible)
      .appendInt16(acks)
      .appendInt32(timeout)
      .appendArray(
        groupByProperty(topicData, 'topic'),
        (w, [topic, messages]) => {
          w.appendString(topic, flexible).appendArray(
            groupByProperty(messages, 'partition'),
            (w, [partition, messages]) => {
              const records = encodeRecordBatch(messages, options, crc32c);
              w.appendInt32(Number(partition));
              if (flexible) w.appendUnsignedVarInt(records.length + 1);
              else w.appendInt32(records.length);
              w.append(records);
            },
            flexible,
            flexible,
          );
        },
        flexible,
        flexible,
      );
    if (flexible) writer.appendTaggedFields();
    if (acks === NO_RESPONSE) writer.context.noResponse = true;
    return writer;
  };
}

const apis = new Map<number, ProduceApi>();

/** Our Produce API for the version the client chose (the library's own for a version we do not know). */
export function leanProduceApi(api: ProduceApi): ProduceApi {
  const library = versions.get(api.version);
  if (api.key !== PRODUCE_KEY || library === undefined) return api;
  let lean = apis.get(api.version);
  if (lean === undefined) {
    const flexible = api.version >= FIRST_FLEXIBLE;
    lean = createAPI(PRODUCE_KEY, api.version, createRequest(api.version, library), library.parseResponse, flexible, flexible);
    apis.set(api.version, lean);
  }
  return lean;
}

/** For the test: the request our API writes and the library's, for one version. */
export const requestWriters = (version: number) => {
  const library = versions.get(version);
  if (library === undefined) throw new RangeError(`no Produce version ${version}`);
  return { ours: createRequest(version, library), library: library.createRequest };
};
