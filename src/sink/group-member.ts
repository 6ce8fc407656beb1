// The sink's place in the consumer group: joining and opening the message stream (from the
// group's committed offsets, no autocommit), pausing it for backpressure, logging the group's
// events, and leaving. What to do with the messages is sink.ts's business.
import {
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type ConsumerHeartbeatStalledPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { StringConsumer } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';

export type StringMessage = Message<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;

export interface StreamHandlers {
  onMessage: (message: StringMessage) => void;
  onError: (error: unknown) => void;
  /** The stream closed (expected only while leaving). */
  onClose: () => void;
}

export class GroupMember {
  readonly #consumer: StringConsumer;
  readonly #log: Logger;
  readonly #onRebalance: () => void;
  #stream: StringStream | undefined;

  /** `onRebalance` runs each time this member (re)joins the group with its new assignments. */
  constructor(consumer: StringConsumer, logger: Logger, onRebalance: () => void) {
    this.#consumer = consumer;
    this.#log = logger;
    this.#onRebalance = onRebalance;
  }

  /** Joins the group and opens the stream; on failure nothing stays attached. */
  async join(options: { topic: string; fetchMaxBytes: number }, handlers: StreamHandlers): Promise<void> {
    this.#consumer.on('consumer:group:join', this.#onGroupJoin);
    this.#consumer.on('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
    let stream: StringStream;
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
    stream.on('data', handlers.onMessage);
    stream.on('error', handlers.onError);
    stream.on('close', handlers.onClose);
    this.#log.info({ topic: options.topic, groupId: this.#consumer.groupId, memberId: this.#consumer.memberId }, 'sink consuming');
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
    this.#onRebalance();
    this.#log.info(
      { memberId: payload.memberId, generationId: payload.generationId, assignments: (payload.assignments ?? []).map((a) => `${a.topic}:${a.partitions.join(',')}`) },
      'joined the consumer group',
    );
  };

  readonly #onHeartbeatStalled = (payload: ConsumerHeartbeatStalledPayload): void => {
    this.#log.warn({ err: payload.lastError, stalledForMs: payload.stalledFor }, 'consumer group heartbeats are failing');
  };

  #detachListeners(): void {
    this.#consumer.removeListener('consumer:group:join', this.#onGroupJoin);
    this.#consumer.removeListener('consumer:heartbeat:stalled', this.#onHeartbeatStalled);
  }
}
