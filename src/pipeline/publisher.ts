// Publishes records to the data topic: one JSON message per (country, date), key
// `country:date`, header `run-id`. The producer is idempotent and waits for all in-sync
// replicas, so a resolved publish means Kafka has every record; any failure rejects and fails
// the task. A record that fails validation never reaches the data topic: it goes, with its
// reason, to the dead-letter topic and is counted as rejected.
import { utcToday } from '../domain/dates.ts';
import { checkRecord, isPlainValidRecord, type DailyRecord } from '../domain/record.ts';
import type { TimeSource } from '../platform/clock.ts';
import type { MessageBytes, StringProducer } from '../platform/kafka.ts';
import { CountryPartitions } from './country-partitions.ts';
import { RecordSlabs } from './record-bytes.ts';

export interface PublishTarget {
  topic: string;
  deadLetterTopic: string;
  runId: string;
}

export interface PublishResult {
  published: number;
  /** Records that failed validation: sent to the dead-letter topic instead. */
  invalid: DailyRecord[];
}

/** A source row that could not be read, as the dead-letter topic receives it. */
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

type Message = { topic: string; key: MessageBytes; value: MessageBytes; headers: Map<MessageBytes, MessageBytes>; timestamp: bigint; partition?: number };

/**
 * Publishes records as they come, in sends of BATCH, so that a load can hand them over a few
 * countries at a time and never hold them all. `finish` sends what is left and resolves once
 * Kafka has everything.
 */
export class RecordPublisher {
  readonly #producer: StringProducer;
  readonly #target: PublishTarget;
  readonly #onProgress: ((published: number) => void) | undefined;
  /**
   * One Map for every message, of Buffers encoded once (the client reads a Map as it is, an
   * object it turns into a new Map per message, and encodes a string for each message).
   */
  readonly #headers: Map<MessageBytes, MessageBytes>;
  /** Publish time, the same for every message of one publish (the sink's version within a source). */
  readonly #timestamp: bigint;
  /** Known once the first record comes (the topic's partition count, from the producer's metadata). */
  #partitions: CountryPartitions | undefined;
  /** The data messages' keys and values, as bytes (record-bytes.ts). */
  readonly #slabs = new RecordSlabs();
  #batch: Message[] = [];
  #deadLetters: Message[] = [];
  #published = 0;
  #invalid = 0;
  #reported = 0;

  constructor(producer: StringProducer, target: PublishTarget, clock: TimeSource, onProgress?: (published: number) => void) {
    this.#producer = producer;
    this.#target = target;
    this.#timestamp = BigInt(clock.now());
    this.#onProgress = onProgress;
    this.#headers = new Map([[Buffer.from('run-id'), Buffer.from(target.runId)]]);
  }

  /**
   * Queues the records for sending (sending full batches); returns those that passed validation
   * (`records` itself when all did, as they almost always do).
   */
  async publish(records: readonly DailyRecord[]): Promise<readonly DailyRecord[]> {
    let valid: DailyRecord[] | undefined;
    // Today as the schema takes it (the system's date), so the plain check and zod never disagree.
    const today = utcToday(new Date());
    for (let i = 0; i < records.length; i++) {
      let record = records[i]!;
      if (!isPlainValidRecord(record, today)) {
        const checked = checkRecord(record, today);
        if (!checked.ok) {
          valid ??= records.slice(0, i);
          await this.#deadLetter(record, checked.problems);
          continue;
        }
        record = checked.record;
      }
      valid?.push(records[i]!);
      this.#partitions ??= await CountryPartitions.of(this.#producer, this.#target.topic);
      const partition = this.#partitions.partition(record.country);
      const { key, value } = this.#slabs.write(record);
      this.#batch.push({ topic: this.#target.topic, partition, key, value, headers: this.#headers, timestamp: this.#timestamp });
      if (this.#batch.length >= BATCH) await this.#flush(false);
    }
    return valid ?? records;
  }

  async finish(): Promise<{ published: number; invalid: number }> {
    await this.#flush(true);
    await this.#sendDeadLetters();
    return { published: this.#published, invalid: this.#invalid };
  }

  /** Sends an invalid record to the dead-letter topic with its reason. */
  async #deadLetter(record: DailyRecord, problems: string[]): Promise<void> {
    this.#invalid++;
    const value = JSON.stringify({ reason: `invalid-record: ${problems.join('; ')}`, record, runId: this.#target.runId });
    this.#deadLetters.push({ topic: this.#target.deadLetterTopic, key: `${String(record.country)}:${String(record.date)}`, value, headers: this.#headers, timestamp: this.#timestamp });
    if (this.#deadLetters.length >= BATCH) await this.#sendDeadLetters();
  }

  async #flush(last: boolean): Promise<void> {
    if (this.#batch.length > 0) {
      const messages = this.#batch;
      this.#batch = [];
      await this.#producer.send({ messages });
      this.#published += messages.length;
    }
    if (this.#published > this.#reported && (last || this.#published - this.#reported >= PROGRESS_EVERY)) {
      this.#reported = this.#published;
      this.#onProgress?.(this.#published);
    }
  }

  async #sendDeadLetters(): Promise<void> {
    if (this.#deadLetters.length === 0) return;
    const messages = this.#deadLetters;
    this.#deadLetters = [];
    await this.#producer.send({ messages });
  }
}

/** All records at once (the weekly posts' few, tests, benchmarks). */
export async function publishRecords(
  producer: StringProducer,
  target: PublishTarget,
  records: DailyRecord[],
  clock: TimeSource,
  onProgress?: (published: number) => void,
): Promise<PublishResult> {
  const publisher = new RecordPublisher(producer, target, clock, onProgress);
  const valid = new Set(await publisher.publish(records));
  const { published } = await publisher.finish();
  return { published, invalid: valid.size === records.length ? [] : records.filter((r) => !valid.has(r)) };
}

/** Source rows that could not be read go to the dead-letter topic with their reason, so nothing disappears silently. */
export async function publishRejects(producer: StringProducer, target: PublishTarget, source: string, rejects: SourceReject[]): Promise<void> {
  const headers = { 'run-id': target.runId };
  for (let start = 0; start < rejects.length; start += BATCH) {
    await producer.send({
      messages: rejects.slice(start, start + BATCH).map((r) => ({
        topic: target.deadLetterTopic,
        key: `${source}:line:${r.line}`,
        value: JSON.stringify({ reason: `source-row: ${r.reason}`, source, line: r.line, raw: r.raw, runId: target.runId }),
        headers,
      })),
    });
  }
}
