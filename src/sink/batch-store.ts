// Storing one batch, the sink's unit of work: its dead letters to the dead-letter topic, its rows
// into ClickHouse, each retried until acknowledged (or the sink stops), and only then its offsets
// committed. Which batch is stored when, and what happens on shutdown, is sink.ts's business.
import type { SinkConsumer, StringProducer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import type { BackoffOptions } from '../platform/backoff.ts';
import type { Clock } from '../platform/clock.ts';
import { retryUntilStopped } from '../platform/retry.ts';
import type { Batch, CommitOffset } from './batch.ts';
import { CommitTracker, ownedPartitions } from './commit-tracker.ts';
import type { RowWriter } from './writer.ts';

export interface BatchStoreDeps {
  consumer: SinkConsumer;
  producer: StringProducer;
  writer: RowWriter;
  logger: Logger;
  clock: Clock;
  deadLetterTopic: string;
  backoff: BackoffOptions;
  /** Aborted when the sink stops: a failed attempt is not retried any more. */
  stop: AbortSignal;
  /** Aborted when the sink gives up the batch being stored: ends the request in flight. */
  abandon: AbortSignal;
}

export interface StoreStats {
  rows: number;
  deadLetters: number;
  batches: number;
  failedAttempts: number;
  commits: number;
  failedCommits: number;
}

const PROGRESS_MS = 10_000;

export class BatchStore {
  readonly #deps: BatchStoreDeps;
  /** What this member committed, and so what it may commit next. */
  readonly #commits = new CommitTracker();
  readonly #stats: StoreStats = { rows: 0, deadLetters: 0, batches: 0, failedAttempts: 0, commits: 0, failedCommits: 0 };
  #progressAt: number;
  #progressRows = 0;

  constructor(deps: BatchStoreDeps) {
    this.#deps = deps;
    this.#progressAt = deps.clock.now();
  }

  stats(): Readonly<StoreStats> {
    return { ...this.#stats };
  }

  /** Stores and commits the batch; rejects with RetryStopped when the sink stopped first. */
  async store(batch: Batch): Promise<void> {
    const { clock, logger, producer, writer, deadLetterTopic } = this.#deps;
    const started = clock.now();
    const { deadLetters, rows } = batch;
    if (deadLetters.length > 0) {
      const messages = deadLetters.map(({ key, value }) => ({ topic: deadLetterTopic, key, value }));
      await this.#retry('dead-letter send', () => producer.send({ messages }));
      logger.warn({ count: deadLetters.length, reasons: summarize(deadLetters.map((d) => d.reason)) }, 'invalid messages sent to the dead-letter topic');
    }
    if (rows.length > 0) await this.#retry('ClickHouse insert', (signal) => writer.insert(rows, signal));
    await this.#commit(batch);
    this.#stats.batches++;
    this.#stats.rows += rows.length;
    this.#stats.deadLetters += deadLetters.length;
    const now = clock.now();
    logger.debug({ messages: batch.size, rows: rows.length, deadLetters: deadLetters.length, ms: now - started }, 'batch stored');
    // Progress of long work (a historical load) at most every PROGRESS_MS, without a timer.
    if (now - this.#progressAt >= PROGRESS_MS) {
      const rowsPerSecond = Math.round(((this.#stats.rows - this.#progressRows) * 1000) / (now - this.#progressAt));
      logger.info({ rows: this.#stats.rows, deadLetters: this.#stats.deadLetters, rowsPerSecond }, 'sink progress');
      this.#progressAt = now;
      this.#progressRows = this.#stats.rows;
    }
  }

  /** After a rebalance: forget what was committed on partitions this member no longer owns. */
  keepOwnedPartitions(): void {
    this.#commits.keepOnly(ownedPartitions(this.#deps.consumer.assignments));
  }

  async #retry(name: string, operation: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const { clock, backoff, stop, abandon, logger } = this.#deps;
    const attempts = await retryUntilStopped(name, operation, {
      clock,
      backoff,
      stop,
      cancel: abandon,
      onFailure: ({ error, attempt, retryInMs }) => {
        this.#stats.failedAttempts++;
        if (retryInMs !== undefined) logger.warn({ err: error, operation: name, attempt, retryInMs }, `${name} failed; retrying the same batch`);
      },
    });
    if (attempts > 1) logger.info({ operation: name, attempts }, `${name} succeeded after retrying`);
  }

  /**
   * Commits highest offset + 1 for each partition of the batch that is still assigned to this
   * member and ahead of what it committed before. Every offset committed here was inserted.
   * Revoked partitions are skipped: their new owner resumes from the last commit and inserts
   * those records again (same version, deduplicated) rather than us moving its position.
   * A failed commit is not fatal: the records are stored, a later commit covers them, and at
   * worst they are re-delivered.
   */
  async #commit(batch: Batch): Promise<void> {
    const { consumer, logger } = this.#deps;
    const offsets = this.#commits.toCommit(batch.commitOffsets(), ownedPartitions(consumer.assignments));
    const skipped = batch.partitions.length - offsets.length;
    if (skipped > 0) logger.debug({ skipped }, 'partitions not committed (revoked or already committed further)');
    if (offsets.length === 0) return;
    try {
      await consumer.commit({ offsets });
      this.#commits.committed(offsets);
      this.#stats.commits++;
    } catch (error) {
      this.#stats.failedCommits++;
      logger.warn({ err: error, offsets: offsets.map(formatOffset) }, 'offset commit failed; the batch is stored and will be re-delivered if no later commit covers it');
    }
  }
}

function formatOffset({ topic, partition, offset }: CommitOffset): string {
  return `${topic}:${partition}@${offset}`;
}

/** Counts by reason code (the part before the first colon), for one log line per batch. */
function summarize(reasons: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reason of reasons) {
    const code = reason.split(':', 1)[0] ?? reason;
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}
