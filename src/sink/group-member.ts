// The sink's place in the consumer group: joining and opening the message stream (from the
// group's committed offsets, no autocommit), pausing it for backpressure, logging the group's
// events, knowing when it has read everything there is (catch-up.ts), and leaving. What to do
// with the messages is sink.ts's business.
import {
  consumerFetchesChannel,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type ConsumerHeartbeatStalledPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { SinkConsumer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import { CatchUp } from './catch-up.ts';

export type ConsumedMessage = Message<Buffer, Buffer, string, Buffer>;
type ByteStream = MessagesStream<Buffer, Buffer, string, Buffer>;

export interface StreamHandlers {
  onMessage: (message: ConsumedMessage) => void;
  /** A fetch found nothing new: every partition is read to its end. */
  onCaughtUp: () => void;
  onError: (error: unknown) => void;
  /** The stream closed (expected only while leaving). */
  onClose: () => void;
}

/** What the client's `consumer:fetches` channel publishes when a fetch answered (the parts read here). */
interface FetchEvent {
  client: unknown;
  options?: { topics?: { topicId: string; partitions: { partition: number; fetchOffset: bigint }[] }[] };
  result?: {
    responses: {
      topicId: string;
      partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; lastStableOffset: bigint; records?: unknown[] | null }[];
    }[];
  };
}

export class GroupMember {
  readonly #consumer: SinkConsumer;
  readonly #log: Logger;
  readonly #onRebalance: () => void;
  #stream: ByteStream | undefined;
  readonly #catchUp = new CatchUp();
  #onCaughtUp: (() => void) | undefined;
  #onError: ((error: unknown) => void) | undefined;

  /** `onRebalance` runs each time this member (re)joins the group with its new assignments. */
  constructor(consumer: SinkConsumer, logger: Logger, onRebalance: () => void) {
    this.#consumer = consumer;
    this.#log = logger;
    this.#onRebalance = onRebalance;
  }

  /** Joins the group and opens the stream; on failure nothing stays attached. */
  async join(options: { topic: string; fetchMaxBytes: number }, handlers: StreamHandlers): Promise<void> {
    this.#consumer.on('consumer:group:join', this.#onGroupJoin);
    this.#consumer.on('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
    this.#onCaughtUp = handlers.onCaughtUp;
    this.#onError = handlers.onError;
    consumerFetchesChannel.asyncStart.subscribe(this.#onFetched);
    let stream: ByteStream;
    try {
      stream = await this.#consumer.consume({
        topics: [options.topic],
        // Resume from the group's committed offsets; a new group starts at the beginning.
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
        maxBytes: options.fetchMaxBytes,
      });
    } catch (error) {
      this.#detachListeners();
      throw error;
    }
    this.#stream = stream;
    const { onMessage } = handlers;
    stream.on('data', (message: ConsumedMessage) => {
      this.#catchUp.read(message.partition, message.offset);
      onMessage(message);
    });
    stream.on('error', handlers.onError);
    stream.on('close', handlers.onClose);
    this.#log.info({ topic: options.topic, groupId: this.#consumer.groupId, memberId: this.#consumer.memberId }, 'sink consuming');
  }

  /** Every message the partitions held when last fetched was delivered. */
  get caughtUp(): boolean {
    return this.#catchUp.caughtUp;
  }

  /** Stops fetching: at most one fetch response stays buffered. */
  pause(): void {
    this.#stream?.pause();
  }

  resume(): void {
    if (this.#stream?.isPaused()) this.#stream.resume();
  }

  /** Closes the stream and leaves the group; failures are logged, never thrown. */
  async leave(): Promise<void> {
    if (this.#stream) {
      await this.#stream.close().catch((error: unknown) => this.#log.warn({ err: error }, 'closing the message stream failed'));
    }
    await this.#consumer.close().catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the consumer group failed'));
    this.#detachListeners();
  }

  readonly #onGroupJoin = (payload: ConsumerGroupJoinPayload): void => {
    this.#catchUp.reset();
    this.#onRebalance();
    this.#log.info(
      { memberId: payload.memberId, generationId: payload.generationId, assignments: (payload.assignments ?? []).map((a) => `${a.topic}:${a.partitions.join(',')}`) },
      'joined the consumer group',
    );
  };

  readonly #onHeartbeatStalled = (payload: ConsumerHeartbeatStalledPayload): void => {
    this.#log.warn({ err: payload.lastError, stalledForMs: payload.stalledFor }, 'consumer group heartbeats are failing');
  };

  /**
   * Each fetch response of this consumer, as the client's diagnostics channel publishes it
   * before the stream delivers its records: the partitions' ends. Only partitions the request
   * asked for count (a fetch session may answer for others, which the stream ignores too).
   */
  readonly #onFetched = (event: unknown): void => {
    // A subscriber's exception would be thrown again outside any handler (diagnostics_channel)
    // and end the process: report it as the stream's error instead.
    try {
      this.#fetched(event as FetchEvent);
    } catch (error) {
      this.#onError?.(error);
    }
  };

  #fetched({ client, options, result }: FetchEvent): void {
    if (client !== this.#consumer || !result || !options?.topics) return;
    const asked = new Map<string, bigint>();
    for (const { topicId, partitions } of options.topics) for (const { partition, fetchOffset } of partitions) asked.set(`${topicId}:${partition}`, fetchOffset);
    for (const { topicId, partitions } of result.responses) {
      for (const { partitionIndex, errorCode, highWatermark, lastStableOffset, records } of partitions) {
        const fetchOffset = asked.get(`${topicId}:${partitionIndex}`);
        if (fetchOffset === undefined || errorCode !== 0) continue;
        this.#catchUp.fetched(partitionIndex, fetchOffset, lastStableOffset >= 0n ? lastStableOffset : highWatermark, (records?.length ?? 0) > 0);
      }
    }
    if (this.#catchUp.caughtUp) this.#onCaughtUp?.();
  }

  #detachListeners(): void {
    consumerFetchesChannel.asyncStart.unsubscribe(this.#onFetched);
    this.#consumer.removeListener('consumer:group:join', this.#onGroupJoin);
    this.#consumer.removeListener('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
  }
}
