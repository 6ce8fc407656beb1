// In-memory stand-ins for the Kafka consumer, its message stream, the dead-letter producer and
// ClickHouse (time: test/support/fake-clock.ts), so the sink's batching, retry and shutdown
// rules run without services.
import { EventEmitter } from 'node:events';
import { consumerFetchesChannel } from '@platformatic/kafka';
import { Readable } from 'node:stream';
import type { SinkConsumer, StringProducer } from '../../../src/platform/kafka.ts';
import type { DailyRow, SinkMessage } from '../../../src/sink/decode.ts';
import type { RowWriter } from '../../../src/sink/writer.ts';

export class FakeStream extends Readable {
  closed_ = false;
  constructor() {
    super({ objectMode: true, highWaterMark: 1024 });
  }
  override _read(): void {}
  close(): Promise<void> {
    this.closed_ = true;
    this.destroy();
    return Promise.resolve();
  }
}

export interface Commit {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

export class FakeConsumer extends EventEmitter {
  groupId = 'group';
  memberId: string | null = 'member-1';
  assignments: { topic: string; partitions: number[] }[] | null = [{ topic: 'covid.daily', partitions: [0, 1, 2] }];
  readonly stream = new FakeStream();
  readonly commits: Commit[][] = [];
  closed = false;
  failCommits = 0;

  consume(): Promise<FakeStream> {
    return Promise.resolve(this.stream);
  }
  commit({ offsets }: { offsets: Commit[] }): Promise<void> {
    if (this.failCommits > 0) {
      this.failCommits--;
      return Promise.reject(new Error('commit failed'));
    }
    this.commits.push(offsets);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  /** Delivers messages as the client would (through the stream, so pause holds them back). */
  deliver(...messages: SinkMessage[]): void {
    for (const message of messages) this.stream.push(message);
  }
  /**
   * A fetch response as the client's diagnostics channel reports it (what group-member.ts reads
   * to know it has caught up): partition 0 of the topic, asked from `fetchOffset`, ending at
   * `end`, with or without records.
   */
  fetched(fetchOffset: bigint, end: bigint, hasRecords: boolean): void {
    consumerFetchesChannel.asyncStart.publish({
      client: this,
      options: { topics: [{ topicId: 'covid.daily', partitions: [{ partition: 0, fetchOffset }] }] },
      result: { responses: [{ topicId: 'covid.daily', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: end, lastStableOffset: end, records: hasRecords ? [{}] : [] }] }] },
    });
  }
  asConsumer(): SinkConsumer {
    return this as unknown as SinkConsumer;
  }
}

export class FakeProducer {
  readonly sent: { topic: string; key: string | undefined; value: string }[] = [];
  failures = 0;
  send({ messages }: { messages: { topic: string; key: string | undefined; value: string }[] }): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('broker unavailable'));
    }
    this.sent.push(...messages);
    return Promise.resolve();
  }
  asProducer(): StringProducer {
    return this as unknown as StringProducer;
  }
}

/** ClickHouse: fails `failures` times, then stores; `hold()` makes the next insert wait. */
export class FakeWriter implements RowWriter {
  readonly inserts: DailyRow[][] = [];
  attempts = 0;
  failures = 0;
  #held: PromiseWithResolvers<void> | undefined;

  hold(): PromiseWithResolvers<void> {
    this.#held = Promise.withResolvers<void>();
    return this.#held;
  }
  async insert(rows: DailyRow[], signal?: AbortSignal): Promise<void> {
    this.attempts++;
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      signal?.addEventListener('abort', () => held.reject(signal.reason as Error), { once: true });
      await held.promise;
    }
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
    }
    this.inserts.push([...rows]);
  }
}

export { FakeClock, settle } from '../../support/fake-clock.ts';
