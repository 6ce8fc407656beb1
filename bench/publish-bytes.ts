// The bytes of a historical load's messages, in this process, without Kafka: CPU of
//   1. the Produce requests of 250,000 load-shaped messages in requests of 500 (3 partitions,
//      the run-id header, idempotent), as the library writes them and as we do
//      (src/platform/kafka-produce-request.ts, decision 0116), the request's bytes taken whole
//      as the connection takes them;
//   2. the 250,000 keys and JSON values: strings encoded by Buffer.from, as the producer's
//      serializers did, against record-bytes.ts's slabs.
// Alternating, each round in the same process; medians.
//
//   node --expose-gc bench/publish-bytes.ts [--rounds N]   (prints Markdown)
import os from 'node:os';
import { recordJson, recordKey, type DailyRecord } from '../src/domain/record.ts';
import { requestWriters } from '../src/platform/kafka-produce-request.ts';
import type { BatchMessage } from '../src/platform/kafka-record-batch.ts';
import { RecordSlabs } from '../src/pipeline/record-bytes.ts';
import { loadAverage, median } from './stats.ts';

const RECORDS = 250_000;
const BATCH = 500;
const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
const gc = (globalThis as { gc?: () => void }).gc;

const records: DailyRecord[] = Array.from({ length: RECORDS }, (_, i) => ({
  country: ['RU', 'DE', 'FR', 'US', 'BR'][i % 5]!,
  date: `202${i % 4}-0${1 + (i % 9)}-1${i % 10}`,
  cases: (i * 7919) % 100_000,
  deaths: i % 300,
  source: 'who',
  estimated: i % 7 === 0,
  estimated_cases: i % 7 === 0,
  estimated_deaths: false,
  region: 'EUR',
}));

const headers = new Map([[Buffer.from('run-id'), Buffer.from('12345')]]);
const timestamp = BigInt(Date.now());
/** The messages as the producer hands them to the Produce API (Buffers, one header Map each). */
const batches: BatchMessage[][] = [];
for (let start = 0; start < RECORDS; start += BATCH) {
  batches.push(
    records.slice(start, start + BATCH).map((r, i) => ({
      topic: 'covid.daily',
      partition: (start / BATCH + (i > 400 ? 1 : 0)) % 3,
      key: Buffer.from(recordKey(r)),
      value: Buffer.from(recordJson(r)),
      headers: new Map(headers),
      timestamp,
    })),
  );
}
const sequences = Object.assign(new Map<string, number>(), { getWithDefault: (_key: string, fallback: number) => fallback });
const { ours, library } = requestWriters(11);

function cpuMs(work: () => number): { ms: number; check: number } {
  gc?.();
  const before = process.cpuUsage();
  const check = work();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, check };
}

const request = (write: typeof ours) => () => {
  let bytes = 0;
  for (const batch of batches) bytes += ((write(-1, 30_000, batch, { producerId: 7n, producerEpoch: 0, sequences }) as unknown as { buffer: Buffer }).buffer).length;
  return bytes;
};
const viaStrings = () => {
  let bytes = 0;
  for (const r of records) bytes += Buffer.from(recordKey(r)).length + Buffer.from(recordJson(r)).length;
  return bytes;
};
const viaSlabs = () => {
  const slabs = new RecordSlabs();
  let bytes = 0;
  for (const r of records) {
    const { key, value } = slabs.write(r);
    bytes += key.length + value.length;
  }
  return bytes;
};

const cases = [
  ['Produce requests, library (createRecordsBatch)', request(library)],
  ['Produce requests, ours (encodeRecordBatch)', request(ours)],
  ['keys and values, strings + Buffer.from', viaStrings],
  ['keys and values, record-bytes slabs', viaSlabs],
] as const;

console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}.\n`);
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
const checks = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  for (const [name, work] of cases) {
    const { ms, check } = cpuMs(work);
    times.get(name)!.push(ms);
    if (checks.has(name) && checks.get(name) !== check) throw new Error(`${name}: ${check} bytes, then ${checks.get(name)}`);
    checks.set(name, check);
  }
}
if (checks.get(cases[0][0]) !== checks.get(cases[1][0]) || checks.get(cases[2][0]) !== checks.get(cases[3][0])) throw new Error('the two ways wrote different sizes');
console.log(`| ${RECORDS.toLocaleString('en-US')} records | CPU per round (ms) | median |\n|---|---|---|`);
for (const [name, ms] of times) console.log(`| ${name} | ${ms.map((m) => m.toFixed(0)).join(', ')} | **${median(ms).toFixed(0)} ms** |`);
const ratio = (a: string, b: string) => (median(times.get(a)!) / median(times.get(b)!)).toFixed(2);
console.log(`\nOurs / library: requests **${ratio(cases[1][0], cases[0][0])}×**, keys and values **${ratio(cases[3][0], cases[2][0])}×**; load average after: ${loadAverage()}.`);
