// The sink's contract (sink.ts implements it): what the composition root passes in, what the
// health port reads, what a caller may do with a running sink.
import type { BackoffOptions } from '../platform/backoff.ts';
import type { Clock } from '../platform/clock.ts';
import type { SinkConsumer, StringProducer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import type { StoreStats } from './batch-store.ts';
import type { RowWriter } from './writer.ts';

export interface SinkOptions {
  topic: string;
  deadLetterTopic: string;
  batchSize: number;
  batchMs: number;
  /**
   * Having read its partitions to their ends, how long nothing new must come before the sink
   * stores what it collected (default 50 ms; 0: at once).
   */
  idleMs?: number;
  /** Retry delays while ClickHouse or the dead-letter topic is unavailable (default 1 s doubling to 30 s). */
  backoff?: BackoffOptions;
  /** How long stop() lets an in-flight batch finish before abandoning it (default 10 s). */
  shutdownGraceMs?: number;
  /** Upper bound of one fetch response, which is also what stays buffered while paused (default 1 MiB). */
  fetchMaxBytes?: number;
}

export interface SinkDeps {
  consumer: SinkConsumer;
  /** Producer for the dead-letter topic (idempotent, acks from all in-sync replicas). */
  producer: StringProducer;
  writer: RowWriter;
  logger: Logger;
  clock?: Clock;
  options: SinkOptions;
}

export interface SinkStats extends StoreStats {
  messages: number;
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
