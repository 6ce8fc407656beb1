// The Kafka -> ClickHouse connector (SPEC 3.3). One consumer-group member: it collects a batch
// (SINK_BATCH_SIZE messages, or SINK_BATCH_MS after the first, or once it has read its partitions
// to their ends and nothing new came for SINK_IDLE_MS, whichever comes first: a publisher that
// writes in bursts is caught up with between two bursts, and waiting that little for the next
// one makes a few large inserts instead of many small ones, each a part ClickHouse merges
// again), sends the invalid messages to the
// dead-letter topic, inserts the rest, and only when both were
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
import type { Logger } from '../platform/logger.ts';
import { defaultBackoff } from '../platform/backoff.ts';
import { settlesWithin, systemClock, type Clock } from '../platform/clock.ts';
import { RetryStopped } from '../platform/retry.ts';
import { Batch } from './batch.ts';
import { BatchStore } from './batch-store.ts';
import { GroupMember, type ConsumedMessage } from './group-member.ts';
import type { Sink, SinkDeps, SinkOptions, SinkStats } from './sink.types.ts';

export type { Sink, SinkDeps, SinkOptions, SinkStats } from './sink.types.ts';

export function createSink(deps: SinkDeps): Sink {
  return new KafkaClickHouseSink(deps);
}

export async function startSink(deps: SinkDeps): Promise<Sink> {
  const sink = createSink(deps);
  await sink.start();
  return sink;
}

/** SINK_IDLE_MS's default (platform/config.ts): the gap between the worker's bursts is shorter. */
export const DEFAULT_IDLE_MS = 50;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

class KafkaClickHouseSink implements Sink {
  readonly #member: GroupMember;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #options: Required<SinkOptions>;

  #state: State = 'new';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  /** The batch being collected. */
  #batch = new Batch();
  #cancelBatchTimer: (() => void) | undefined;
  /** Caught up: the idle timer, and how many messages had come when it was set. */
  #cancelIdleTimer: (() => void) | undefined;
  #messagesAtIdleTimer = 0;
  /** The collected batch's time is up: store it as soon as the previous one is stored. */
  #batchDue = false;
  /** The batch being stored (dead letters, insert, commit), settled without rejecting. */
  #storing: Promise<void> | undefined;
  readonly #store: BatchStore;
  /** A batch was given up: nothing after it may be committed any more. */
  #abandoned = false;
  /** Aborted when stopping: ends backoff waits at once, and a failed attempt is the last. */
  readonly #stopController = new AbortController();
  /** Aborted when the batch being stored is given up (grace period over, fatal error): ends its request in flight. */
  readonly #abandonController = new AbortController();
  readonly #stopped = Promise.withResolvers<void>();
  #messages = 0;
  #abandonedBatches = 0;

  constructor({ consumer, producer, writer, logger, clock = systemClock, options }: SinkDeps) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    if (!(options.batchMs > 0)) throw new RangeError('batchMs must be positive');
    this.#log = logger;
    this.#clock = clock;
    if (options.idleMs !== undefined && !(Number.isInteger(options.idleMs) && options.idleMs >= 0)) throw new RangeError('idleMs must be a non-negative integer');
    this.#options = { backoff: defaultBackoff, shutdownGraceMs: 10_000, fetchMaxBytes: 1024 * 1024, idleMs: DEFAULT_IDLE_MS, ...options };
    this.#store = new BatchStore({
      consumer,
      producer,
      writer,
      logger,
      clock,
      deadLetterTopic: this.#options.deadLetterTopic,
      backoff: this.#options.backoff,
      stop: this.#stopController.signal,
      abandon: this.#abandonController.signal,
    });
    this.#member = new GroupMember(consumer, logger, () => this.#store.keepOwnedPartitions());
    // Nobody has to listen to `stopped` when stop() is what ended the sink.
    this.#stopped.promise.catch(() => {});
  }

  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  stats(): Readonly<SinkStats> {
    return { messages: this.#messages, ...this.#store.stats(), abandonedBatches: this.#abandonedBatches };
  }

  start(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error(`sink cannot start: it is ${this.#state}`));
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { topic, fetchMaxBytes } = this.#options;
    try {
      await this.#member.join(
        { topic, fetchMaxBytes },
        {
          onMessage: this.#onMessage,
          onCaughtUp: () => {
            if (this.#state === 'running' && this.#batch.size > 0) this.#storeWhenIdle();
          },
          onError: (error) => this.#fail(error),
          onClose: () => {
            if (this.#state === 'running') this.#fail(new Error('the Kafka message stream closed unexpectedly'));
          },
        },
      );
    } catch (error) {
      this.#state = 'stopped';
      this.#stopped.reject(error);
      throw error;
    }
    // stop() may have been called while joining.
    if (this.#state === 'starting') this.#state = 'running';
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

  readonly #onMessage = (message: ConsumedMessage): void => {
    // After stop() began nothing more joins a batch; those messages were never committed.
    if (this.#state !== 'running') return;
    this.#batch.add(message);
    this.#messages++;
    if (this.#batch.size >= this.#options.batchSize) {
      this.#handOff();
      return;
    }
    // batchMs bounds every batch, also one whose messages trickle in closer than idleMs apart.
    if (this.#batch.size === 1) {
      this.#cancelBatchTimer = this.#clock.setTimer(() => {
        this.#cancelBatchTimer = undefined;
        this.#batchDue = true;
        this.#handOff();
      }, this.#options.batchMs);
    }
    if (this.#member.caughtUp) this.#storeWhenIdle();
  };

  /**
   * Caught up: the batch is due once nothing new came for idleMs (a timer that, when messages
   * came meanwhile, waits once more; one timer, not one per message), at once with idleMs 0.
   */
  #storeWhenIdle(): void {
    if (this.#options.idleMs === 0) {
      this.#storeNow();
      return;
    }
    if (this.#cancelIdleTimer) return;
    this.#messagesAtIdleTimer = this.#messages;
    this.#cancelIdleTimer = this.#clock.setTimer(() => {
      this.#cancelIdleTimer = undefined;
      if (this.#batch.size === 0) return;
      if (this.#messages !== this.#messagesAtIdleTimer) this.#storeWhenIdle();
      else this.#storeNow();
    }, this.#options.idleMs);
  }

  /**
   * Nothing more to read for now: the collected batch is due at once (as soon as the one being
   * stored, if any, is done; meanwhile what arrives joins it, so a stream slower than the
   * sink's inserts still makes batches of what came during one insert).
   */
  #storeNow(): void {
    this.#batchDue = true;
    this.#handOff();
  }

  /**
   * Starts storing the collected batch if no other batch is being stored; otherwise it waits,
   * and once it is full the stream is paused until the one being stored is done.
   */
  #handOff(): void {
    if (this.#storing) {
      if (this.#batch.size >= this.#options.batchSize) this.#member.pause();
      return;
    }
    if (this.#batch.size === 0 || this.#abandoned) return;
    this.#cancelTimers();
    this.#batchDue = false;
    const batch = this.#batch;
    this.#batch = new Batch();
    if (this.#state === 'running') this.#member.resume();
    this.#storing = this.#store.store(batch).then(
      () => {
        this.#storing = undefined;
        if (this.#state !== 'running') return;
        if (this.#batchDue || this.#batch.size >= this.#options.batchSize) this.#handOff();
      },
      (error: unknown) => {
        this.#storing = undefined;
        this.#abandoned = true;
        // Stopped before the batch was stored: nothing of it was committed.
        if (error instanceof RetryStopped) {
          this.#abandonedBatches++;
          this.#log.warn({ messages: batch.size, reason: error.message }, 'batch abandoned without commit; it will be re-delivered');
          return;
        }
        this.#fail(error);
      },
    );
  }

  #cancelTimers(): void {
    this.#cancelBatchTimer?.();
    this.#cancelBatchTimer = undefined;
    this.#cancelIdleTimer?.();
    this.#cancelIdleTimer = undefined;
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
    this.#cancelTimers();
    this.#member.pause();
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
      this.#abandonController.abort(new Error('sink failed'));
      await this.#storing;
    }

    // 3. Leave the group and close. Nothing uncommitted was committed, so whatever was not
    //    stored is re-delivered to the members that remain (or to the next start).
    await this.#member.leave();
    this.#state = 'stopped';
    this.#log.info(this.stats(), 'sink stopped');
    if (fatal === undefined) this.#stopped.resolve();
    else this.#stopped.reject(fatal);
  }

  async #awaitStoringUntil(deadline: number): Promise<void> {
    const storing = this.#storing;
    if (!storing || (await settlesWithin(this.#clock, storing, deadline - this.#clock.now()))) return;
    this.#log.warn({ graceMs: this.#options.shutdownGraceMs }, 'batch still being stored at the end of the shutdown grace period; abandoning it');
    this.#abandonController.abort(new Error('shutdown grace period over'));
    await storing;
  }
}
