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
  rejected: number;
}

const BATCH = 5_000;

export async function publishRecords(
  producer: StringProducer,
  target: PublishTarget,
  records: DailyRecord[],
  onProgress?: (published: number) => void,
): Promise<PublishResult> {
  const headers = { 'run-id': target.runId };
  const timestamp = BigInt(Date.now());
  const rejects: { key: string; value: string }[] = [];
  let published = 0;
  let batch: { topic: string; key: string; value: string; headers: Record<string, string>; timestamp: bigint }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ messages: batch });
    published += batch.length;
    batch = [];
    onProgress?.(published);
  };

  for (const record of records) {
    const checked = dailyRecordSchema.safeParse(record);
    if (!checked.success) {
      const reason = checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      rejects.push({ key: `${String(record.country)}:${String(record.date)}`, value: JSON.stringify({ reason, record, runId: target.runId }) });
      continue;
    }
    batch.push({ topic: target.topic, key: recordKey(record), value: JSON.stringify(checked.data), headers, timestamp });
    if (batch.length >= BATCH) await flush();
  }
  await flush();

  if (rejects.length > 0) {
    await producer.send({ messages: rejects.map((r) => ({ topic: target.dlqTopic, key: r.key, value: r.value, headers, timestamp })) });
  }
  return { published, rejected: rejects.length };
}
