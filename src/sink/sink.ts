// The Kafka -> ClickHouse connector (SPEC 3.3). One consumer-group member: it collects a batch
// (SINK_BATCH_SIZE messages or SINK_BATCH_MS after the first, whichever comes first), sends the
// invalid messages to the dead-letter topic, inserts the rest, and only when both were
// acknowledged commits the batch's offsets. Until then nothing is committed, so a crash, a
// SIGTERM or a rebalance re-delivers and never loses; re-delivered rows carry the same version
// and merge away in the ReplacingMergeTree.
//
// Two batches at most: one being stored while the next is collected, so decoding overlaps the
// insert. Batches are stored and committed strictly one after the other, and once one was
// abandoned no later one is stored or committed. Backpressure: when the next batch is full while
// the previous one is still being stored (ClickHouse slow or down), the message stream is
// paused, so the client stops fetching (one fetch response at most stays buffered). Heartbeats
// run on the client's own timer, independent of reading, so a member that waits minutes for
// ClickHouse stays in the group.
import {
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type ConsumerHeartbeatStalledPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { StringConsumer, StringProducer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import { backoffDelay, defaultBackoff, type BackoffOptions } from '../platform/backoff.ts';
import { Batch, type CommitOffset } from './batch.ts';
import { CommitTracker, ownedPartitions } from './commit-tracker.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import type { RowWriter } from './writer.ts';

type StringMessage = Message<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;

export interface SinkOptions {
  topic: string;
  deadLetterTopic: string;
  batchSize: number;
  batchMs: number;
  /** Retry delays while ClickHouse or the dead-letter topic is unavailable (default 1 s doubling to 30 s). */
  backoff?: BackoffOptions;
  /** How long stop() lets an in-flight batch finish before abandoning it (default 10 s). */
  shutdownGraceMs?: number;
  /** Upper bound of one fetch response, which is also what stays buffered while paused (default 1 MiB). */
  fetchMaxBytes?: number;
}

export interface SinkDeps {
  consumer: StringConsumer;
  /** Producer for the dead-letter topic (idempotent, acks from all in-sync replicas). */
  producer: StringProducer;
  writer: RowWriter;
  logger: Logger;
  clock?: Clock;
  options: SinkOptions;
}

export interface SinkStats {
  messages: number;
  rows: number;
  deadLetters: number;
  batches: number;
  failedAttempts: number;
  commits: number;
  failedCommits: number;
  abandonedBatches: number;
}

export interface Sink {
  /** Joins the group and starts consuming; resolves once the stream is open. */
  start(): Promise<void>;
  /** Stops fetching, finishes (or, after the grace period, abandons) the current batch, leaves the group. */
  stop(): Promise<void>;
  /** Settles once the sink has stopped: resolves after stop(), rejects if it stopped on a fatal error. */
  readonly stopped: Promise<void>;
  stats(): Readonly<SinkStats>;
}

const PROGRESS_MS = 10_000;

/** A batch given up without a commit (shutdown): its messages are re-delivered later. */
class BatchAbandoned extends Error {
  override name = 'BatchAbandoned';
}

export function createSink(deps: SinkDeps): Sink {
  return new KafkaClickHouseSink(deps);
}

export async function startSink(deps: SinkDeps): Promise<Sink> {
  const sink = createSink(deps);
  await sink.start();
  return sink;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

class KafkaClickHouseSink implements Sink {
  readonly #consumer: StringConsumer;
  readonly #producer: StringProducer;
  readonly #writer: RowWriter;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #options: Required<SinkOptions>;

  #state: State = 'new';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #stream: StringStream | undefined;
  /** The batch being collected. */
  #batch = new Batch();
  #cancelBatchTimer: (() => void) | undefined;
  /** The collected batch's time is up: store it as soon as the previous one is stored. */
  #batchDue = false;
  /** The batch being stored (dead letters, insert, commit), settled without rejecting. */
  #storing: Promise<void> | undefined;
  /** A batch was given up: nothing after it may be committed any more. */
  #abandoned = false;
  /** Aborted when stopping: ends backoff waits at once. */
  readonly #stopController = new AbortController();
  /** The request in flight (insert or dead-letter send), aborted when the grace period ends. */
  #attemptController: AbortController | undefined;
  /** What this member committed, and so what it may commit next. */
  readonly #commits = new CommitTracker();
  readonly #stopped = Promise.withResolvers<void>();
  #progressAt: number;
  #progressRows = 0;
  readonly #stats: SinkStats = { messages: 0, rows: 0, deadLetters: 0, batches: 0, failedAttempts: 0, commits: 0, failedCommits: 0, abandonedBatches: 0 };

  constructor({ consumer, producer, writer, logger, clock = systemClock, options }: SinkDeps) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    if (!(options.batchMs > 0)) throw new RangeError('batchMs must be positive');
    this.#consumer = consumer;
    this.#producer = producer;
    this.#writer = writer;
    this.#log = logger;
    this.#clock = clock;
    this.#progressAt = clock.now();
    this.#options = { backoff: defaultBackoff, shutdownGraceMs: 10_000, fetchMaxBytes: 1024 * 1024, ...options };
    // Nobody has to listen to `stopped` when stop() is what ended the sink.
    this.#stopped.promise.catch(() => {});
  }

  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  stats(): Readonly<SinkStats> {
    return { ...this.#stats };
  }

  start(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error(`sink cannot start: it is ${this.#state}`));
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { topic } = this.#options;
    this.#consumer.on('consumer:group:join', this.#onGroupJoin);
    this.#consumer.on('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
    let stream: StringStream;
    try {
      stream = await this.#consumer.consume({
        topics: [topic],
        // Resume from the group's committed offsets; a new group starts at the beginning.
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
        maxBytes: this.#options.fetchMaxBytes,
      });
    } catch (error) {
      this.#detachConsumerListeners();
      this.#state = 'stopped';
      this.#stopped.reject(error);
      throw error;
    }
    this.#stream = stream;
    stream.on('data', this.#onMessage);
    stream.on('error', (error) => this.#fail(error));
    stream.on('close', () => {
      if (this.#state === 'running') this.#fail(new Error('the Kafka message stream closed unexpectedly'));
    });
    // stop() may have been called while joining.
    if (this.#state === 'starting') this.#state = 'running';
    this.#log.info({ topic, groupId: this.#consumer.groupId, memberId: this.#consumer.memberId }, 'sink consuming');
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown(undefined);
    return this.#stopping;
  }

  #fail(error: unknown): void {
    if (this.#stopping) {
      this.#log.error({ err: error }, 'sink error while stopping');
      return;
    }
    this.#log.error({ err: error }, 'sink failed; stopping without committing the current batch');
    this.#stopping = this.#shutdown(error);
  }

  // ---- consuming -------------------------------------------------------------------------

  readonly #onMessage = (message: StringMessage): void => {
    // After stop() began nothing more joins a batch; those messages were never committed.
    if (this.#state !== 'running') return;
    this.#batch.add(message);
    this.#stats.messages++;
    if (this.#batch.size >= this.#options.batchSize) {
      this.#handOff();
    } else if (this.#batch.size === 1) {
      this.#cancelBatchTimer = this.#clock.setTimer(() => {
        this.#cancelBatchTimer = undefined;
        this.#batchDue = true;
        this.#handOff();
      }, this.#options.batchMs);
    }
  };

  /**
   * Starts storing the collected batch if no other batch is being stored; otherwise it waits,
   * and once it is full the stream is paused until the one being stored is done.
   */
  #handOff(): void {
    if (this.#storing) {
      if (this.#batch.size >= this.#options.batchSize) this.#stream?.pause();
      return;
    }
    if (this.#batch.size === 0 || this.#abandoned) return;
    this.#cancelBatchTimer?.();
    this.#cancelBatchTimer = undefined;
    this.#batchDue = false;
    const batch = this.#batch;
    this.#batch = new Batch();
    if (this.#state === 'running' && this.#stream?.isPaused()) this.#stream.resume();
    this.#storing = this.#store(batch).then(
      () => {
        this.#storing = undefined;
        if (this.#state !== 'running') return;
        if (this.#batchDue || this.#batch.size >= this.#options.batchSize) this.#handOff();
      },
      (error: unknown) => {
        this.#storing = undefined;
        this.#abandoned = true;
        if (error instanceof BatchAbandoned) {
          this.#stats.abandonedBatches++;
          this.#log.warn({ messages: batch.size, reason: error.message }, 'batch abandoned without commit; it will be re-delivered');
          return;
        }
        this.#fail(error);
      },
    );
  }

  async #store(batch: Batch): Promise<void> {
    const started = this.#clock.now();
    const { deadLetters, rows } = batch;
    if (deadLetters.length > 0) {
      const messages = deadLetters.map(({ key, value }) => ({ topic: this.#options.deadLetterTopic, key, value }));
      await this.#attempt('dead-letter send', () => this.#producer.send({ messages }));
      this.#log.warn({ count: deadLetters.length, reasons: summarize(deadLetters.map((d) => d.reason)) }, 'invalid messages sent to the dead-letter topic');
    }
    if (rows.length > 0) await this.#attempt('ClickHouse insert', (signal) => this.#writer.insert(rows, signal));
    await this.#commit(batch);
    this.#stats.batches++;
    this.#stats.rows += rows.length;
    this.#stats.deadLetters += deadLetters.length;
    const now = this.#clock.now();
    this.#log.debug({ messages: batch.size, rows: rows.length, deadLetters: deadLetters.length, ms: now - started }, 'batch stored');
    // Progress of long work (a historical load) at most every PROGRESS_MS, without a timer.
    if (now - this.#progressAt >= PROGRESS_MS) {
      this.#log.info({ rows: this.#stats.rows, deadLetters: this.#stats.deadLetters, rowsPerSecond: Math.round(((this.#stats.rows - this.#progressRows) * 1000) / (now - this.#progressAt)) }, 'sink progress');
      this.#progressAt = now;
      this.#progressRows = this.#stats.rows;
    }
  }

  /** Runs `operation` until it succeeds, waiting with capped backoff in between; only stopping ends it. */
  async #attempt(name: string, operation: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const controller = new AbortController();
      this.#attemptController = controller;
      try {
        await operation(controller.signal);
        if (attempt > 1) this.#log.info({ operation: name, attempts: attempt }, `${name} succeeded after retrying`);
        return;
      } catch (error) {
        this.#stats.failedAttempts++;
        if (this.#state !== 'running') throw new BatchAbandoned(`${name} failed while stopping: ${(error as Error).message}`);
        const delay = backoffDelay(attempt, this.#options.backoff);
        this.#log.warn({ err: error, operation: name, attempt, retryInMs: delay }, `${name} failed; retrying the same batch`);
        try {
          await this.#clock.sleep(delay, this.#stopController.signal);
        } catch {
          throw new BatchAbandoned(`stopped while waiting to retry the ${name}`);
        }
      } finally {
        if (this.#attemptController === controller) this.#attemptController = undefined;
      }
    }
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
    const offsets = this.#commits.toCommit(batch.commitOffsets(), ownedPartitions(this.#consumer.assignments));
    const skipped = batch.partitions.length - offsets.length;
    if (skipped > 0) this.#log.debug({ skipped }, 'partitions not committed (revoked or already committed further)');
    if (offsets.length === 0) return;
    try {
      await this.#consumer.commit({ offsets });
      this.#commits.committed(offsets);
      this.#stats.commits++;
    } catch (error) {
      this.#stats.failedCommits++;
      this.#log.warn({ err: error, offsets: offsets.map(formatOffset) }, 'offset commit failed; the batch is stored and will be re-delivered if no later commit covers it');
    }
  }

  readonly #onGroupJoin = (payload: ConsumerGroupJoinPayload): void => {
    this.#commits.keepOnly(ownedPartitions(this.#consumer.assignments));
    this.#log.info(
      { memberId: payload.memberId, generationId: payload.generationId, assignments: (payload.assignments ?? []).map((a) => `${a.topic}:${a.partitions.join(',')}`) },
      'joined the consumer group',
    );
  };

  readonly #onHeartbeatStalled = (payload: ConsumerHeartbeatStalledPayload): void => {
    this.#log.warn({ err: payload.lastError, stalledForMs: payload.stalledFor }, 'consumer group heartbeats are failing');
  };

  #detachConsumerListeners(): void {
    this.#consumer.removeListener('consumer:group:join', this.#onGroupJoin);
    this.#consumer.removeListener('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
  }

  // ---- shutdown --------------------------------------------------------------------------

  async #shutdown(fatal: unknown): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      this.#stopped.resolve();
      return;
    }
    if (this.#state === 'starting') await this.#starting?.catch(() => {});
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';

    // 1. Stop fetching and stop waiting to retry.
    this.#cancelBatchTimer?.();
    this.#cancelBatchTimer = undefined;
    this.#stream?.pause();
    this.#stopController.abort(new Error('sink stopping'));

    // 2. Finish the batch being stored, then the one collected, each with one last attempt (no
    //    more retries), within the grace period; what does not make it is abandoned. After a
    //    fatal error both are abandoned at once.
    if (fatal === undefined) {
      const deadline = this.#clock.now() + this.#options.shutdownGraceMs;
      await this.#awaitStoringUntil(deadline);
      this.#handOff();
      await this.#awaitStoringUntil(deadline);
    } else {
      this.#abandoned = true;
      this.#attemptController?.abort(new Error('sink failed'));
      await this.#storing;
    }

    // 3. Leave the group and close. Nothing uncommitted was committed, so whatever was not
    //    stored is re-delivered to the members that remain (or to the next start).
    if (this.#stream) {
      await this.#stream.close().catch((error: unknown) => this.#log.warn({ err: error }, 'closing the message stream failed'));
    }
    await this.#consumer.close().catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the consumer group failed'));
    this.#detachConsumerListeners();
    this.#state = 'stopped';
    this.#log.info({ ...this.#stats }, 'sink stopped');
    if (fatal === undefined) this.#stopped.resolve();
    else this.#stopped.reject(fatal);
  }

  async #awaitStoringUntil(deadline: number): Promise<void> {
    const storing = this.#storing;
    if (!storing) return;
    let cancel: (() => void) | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      cancel = this.#clock.setTimer(() => resolve('grace-over'), Math.max(0, deadline - this.#clock.now()));
    });
    const outcome = await Promise.race([storing.then(() => 'done' as const), graceOver]);
    cancel?.();
    if (outcome === 'grace-over') {
      this.#log.warn({ graceMs: this.#options.shutdownGraceMs }, 'batch still being stored at the end of the shutdown grace period; abandoning it');
      this.#attemptController?.abort(new Error('shutdown grace period over'));
      await storing;
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
