// Our Produce requests (record batches written into one Buffer, kafka-record-batch.ts) must be
// the very bytes @platformatic/kafka writes for the same messages, for every Produce version it
// knows: the broker checks the CRC, and a consumer reads them with the library's own reader.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { BatchMessage } from '../../../src/platform/kafka-record-batch.ts';
import { encodeRecordBatch } from '../../../src/platform/kafka-record-batch.ts';
import { leanProduceApi, requestWriters, type ProduceApi } from '../../../src/platform/kafka-produce-request.ts';
import { createProducer } from '../../../src/platform/kafka-producer.ts';

const dist = import.meta.resolve('@platformatic/kafka');
const { Reader } = (await import(new URL('./protocol/reader.js', dist).href)) as { Reader: { from(buffer: Buffer): unknown } };
const { readRecordsBatch } = (await import(new URL('./protocol/records.js', dist).href)) as {
  readRecordsBatch: (reader: unknown) => { crc: number; firstSequence: number; records: { key: Buffer | null; value: Buffer | null; timestampDelta: bigint; headers: [Buffer, Buffer][] }[] };
};
const { kApis, kGetApi } = (await import(new URL('./clients/base/base.js', dist).href)) as { kApis: symbol; kGetApi: symbol };
const libraryApis = (await import(new URL('./apis/producer/index.js', dist).href)) as Record<string, { api: ProduceApi }>;

const VERSIONS = [3, 4, 5, 6, 7, 8, 9, 10, 11];
const BASE = 1_764_000_000_000n;

type Options = { producerId?: bigint; producerEpoch?: number; transactionalId?: string; sequences?: Map<string, number> & { getWithDefault(key: string, fallback: number): number } };

function sequences(entries: [string, number][]) {
  const map = new Map(entries) as Map<string, number> & { getWithDefault(key: string, fallback: number): number };
  map.getWithDefault = (key, fallback) => map.get(key) ?? fallback;
  return map;
}

/** Both writers' request bytes for the same messages (each given its own copy: both set timestamps and partitions). */
async function both(version: number, acks: number, make: () => BatchMessage[], options: Options) {
  const { ours, library } = requestWriters(version);
  const a = (await ours(acks, 30_000, make(), { ...options })) as unknown as { buffer: Buffer; context: { noResponse?: boolean } };
  const b = (await library(acks, 30_000, make(), { ...options })) as unknown as { buffer: Buffer; context: { noResponse?: boolean } };
  return { ours: a, library: b };
}

const record = (i: number, country = 'RU'): BatchMessage => ({
  topic: 'covid.daily',
  partition: i % 3,
  key: Buffer.from(`${country}:2021-01-${String((i % 28) + 1).padStart(2, '0')}`),
  value: Buffer.from(`{"country":"${country}","cases":${i * 37},"deaths":${i}}`),
  headers: new Map([[Buffer.from('run-id'), Buffer.from('42')]]),
  timestamp: BASE,
});

test('a load-shaped request (500 records, 3 partitions, idempotent) is byte for byte the library one, in every version', async () => {
  for (const version of VERSIONS) {
    const { ours, library } = await both(version, -1, () => Array.from({ length: 500 }, (_, i) => record(i)), {
      producerId: 9n,
      producerEpoch: 2,
      sequences: sequences([['covid.daily:1', 1_000]]),
    });
    assert.ok(ours.buffer.equals(library.buffer), `Produce v${version}`);
  }
});

test('null and empty keys, values and header values, several headers, timestamps before and after the first, transactional, acks 0', async () => {
  const make = (): BatchMessage[] => [
    { topic: 'a', key: null, value: Buffer.alloc(0), headers: new Map(), timestamp: BASE },
    { topic: 'a', key: Buffer.alloc(0), value: null, headers: new Map([[Buffer.from('h'), undefined]]), timestamp: BASE + 5n },
    { topic: 'a', value: Buffer.from('é'.repeat(100)), timestamp: BASE - 3n, headers: new Map([[Buffer.from('x'), Buffer.from('1')], [Buffer.from('y'), Buffer.alloc(200, 7)]]) },
    { topic: 'b', partition: 4, key: Buffer.from('k'), value: Buffer.from('v'), timestamp: BASE },
    { topic: 'b', partition: 4, key: Buffer.from('n'), value: Buffer.from('a number'), timestamp: Number(BASE + 100_000n) },
    { topic: 'a', key: Buffer.from('k'.repeat(300)), value: Buffer.alloc(70_000, 1), headers: new Map(), timestamp: BASE + 2_000_000_000n },
  ];
  for (const version of VERSIONS) {
    for (const acks of [-1, 0, 1]) {
      const { ours, library } = await both(version, acks, make, { transactionalId: 'tx-1', producerId: 3n, producerEpoch: 1, sequences: sequences([]) });
      assert.ok(ours.buffer.equals(library.buffer), `Produce v${version}, acks ${acks}`);
      assert.equal(ours.context.noResponse, library.context.noResponse);
    }
  }
});

test('random messages: the same bytes as the library (fast-check)', async () => {
  const bytes = fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), { nil: null });
  const message = fc.record({
    topic: fc.constantFrom('t1', 'topic-two'),
    partition: fc.nat(4),
    key: bytes,
    value: bytes,
    headers: fc.array(fc.tuple(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), bytes), { maxLength: 3 }),
    delta: fc.integer({ min: -1_000_000, max: 1_000_000_000 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 40 }), fc.constantFrom(...VERSIONS), async (messages, version) => {
      const make = () => messages.map((m) => ({ topic: m.topic, partition: m.partition, key: m.key, value: m.value, headers: new Map(m.headers), timestamp: BASE + BigInt(m.delta) }));
      const { ours, library } = await both(version, -1, make, { producerId: 5n, producerEpoch: 0, sequences: sequences([['t1:0', 17]]) });
      assert.ok(ours.buffer.equals(library.buffer));
    }),
    { numRuns: 200 },
  );
});

test('a compressed send is the library own request', async () => {
  for (const version of [8, 11]) {
    const { ours, library } = await both(version, -1, () => Array.from({ length: 20 }, (_, i) => record(i)), { compression: 'gzip' } as Options);
    // gzip output carries no timestamp here; the same bytes from the same input
    assert.ok(ours.buffer.equals(library.buffer), `Produce v${version}`);
  }
});

test('the batch reads back with the library reader, CRC and all', () => {
  const messages = Array.from({ length: 50 }, (_, i) => record(i));
  messages[7]!.timestamp = BASE + 2n ** 40n; // beyond what the library itself can write, read back all the same
  const batch = encodeRecordBatch(messages, { producerId: 1n, sequences: sequences([['covid.daily:0', 12]]) }, () => 0x1234_5678);
  const read = readRecordsBatch(Reader.from(batch));
  assert.equal(read.crc, 0x1234_5678);
  assert.equal(read.firstSequence, 12);
  assert.equal(read.records.length, 50);
  assert.equal(read.records[7]!.timestampDelta, 2n ** 40n);
  assert.deepEqual(read.records[3]!.value, messages[3]!.value);
  assert.deepEqual(read.records[3]!.headers, [[Buffer.from('run-id'), Buffer.from('42')]]);
});

test("createProducer's client looks up our Produce API, and the library's for anything else", async () => {
  const producer = createProducer(['127.0.0.1:1'], 'kafka-record-batch-test');
  try {
    const client = producer as unknown as Record<symbol, (name: string, cb: (error: Error | null, api?: ProduceApi) => void) => void>;
    (producer as unknown as Record<symbol, unknown>)[kApis] = [
      { name: 'Produce', minVersion: 0, maxVersion: 12 },
      { name: 'Metadata', minVersion: 0, maxVersion: 12 },
    ];
    const lookup = (name: string) => new Promise<ProduceApi>((resolve, reject) => client[kGetApi]!(name, (error, api) => (error ? reject(error) : resolve(api!))));
    const produce = await lookup('Produce');
    assert.equal(produce.version, 11);
    assert.notEqual(produce, libraryApis.produceV11!.api);
    assert.equal(produce, leanProduceApi(libraryApis.produceV11!.api));
    const metadata = await lookup('Metadata');
    assert.equal(metadata.key, 3);
  } finally {
    await producer.close();
  }
});
