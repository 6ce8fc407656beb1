// Publishes records to the data topic: one JSON message per (country, date), key
// `country:date`, header `run-id`. The producer is idempotent and waits for all in-sync
// replicas, so a resolved publish means Kafka has every record; any failure rejects and fails
// the task. A record that fails validation never reaches the data topic: it goes, with its
// reason, to the dead-letter topic and is counted as rejected.
import { dailyRecordSchema, recordKey, type DailyRecord } from '../domain/record.ts';
import type { StringProducer } from '../platform/kafka.ts';

export interface PublishTarget {
  topic: string;
  dlqTopic: string;
  runId: string;
}

export interface PublishResult {
  published: number;
  /** Records that failed validation: sent to the dead-letter topic instead. */
  invalid: DailyRecord[];
}

/** A source row that could not be read, as the rejects topic receives it. */
export interface SourceReject {
  line: number;
  reason: string;
  raw: string;
}

// Records per send. Small sends keep each one's garbage in V8's young generation: publishing
// 250,000 records in sends of 500 grew the process by ≈ 45 MB, in sends of 5,000 by 200-270 MB,
// and was no slower (docs/benchmarks.md, Pipeline).
const BATCH = 500;
/** Progress is reported every this many records, not on every send. */
const PROGRESS_EVERY = 5_000;

export async function publishRecords(
  producer: StringProducer,
  target: PublishTarget,
  records: DailyRecord[],
  onProgress?: (published: number) => void,
): Promise<PublishResult> {
  const headers = { 'run-id': target.runId };
  const timestamp = BigInt(Date.now());
  const rejects: { key: string; value: string }[] = [];
  const invalid: DailyRecord[] = [];
  let published = 0;
  let batch: { topic: string; key: string; value: string; headers: Record<string, string>; timestamp: bigint }[] = [];

  let reported = 0;
  const flush = async (last: boolean) => {
    if (batch.length > 0) {
      await producer.send({ messages: batch });
      published += batch.length;
      batch = [];
    }
    if (published > reported && (last || published - reported >= PROGRESS_EVERY)) {
      reported = published;
      onProgress?.(published);
    }
  };

  for (const record of records) {
    const checked = dailyRecordSchema.safeParse(record);
    if (!checked.success) {
      const reason = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      invalid.push(record);
      rejects.push({ key: `${String(record.country)}:${String(record.date)}`, value: JSON.stringify({ reason: `invalid-record: ${reason}`, record, runId: target.runId }) });
      continue;
    }
    batch.push({ topic: target.topic, key: recordKey(record), value: JSON.stringify(checked.data), headers, timestamp });
    if (batch.length >= BATCH) await flush(false);
  }
  await flush(true);

  if (rejects.length > 0) {
    await producer.send({ messages: rejects.map((r) => ({ topic: target.dlqTopic, key: r.key, value: r.value, headers, timestamp })) });
  }
  return { published, invalid };
}

/** Source rows that could not be read go to the dead-letter topic with their reason, so nothing disappears silently. */
export async function publishRejects(producer: StringProducer, target: PublishTarget, source: string, rejects: SourceReject[]): Promise<void> {
  const headers = { 'run-id': target.runId };
  for (let start = 0; start < rejects.length; start += BATCH) {
    await producer.send({
      messages: rejects.slice(start, start + BATCH).map((r) => ({
        topic: target.dlqTopic,
        key: `${source}:line:${r.line}`,
        value: JSON.stringify({ reason: `source-row: ${r.reason}`, source, line: r.line, raw: r.raw, runId: target.runId }),
        headers,
      })),
    });
  }
}
