// What the sink collected since its last commit: rows for ClickHouse, dead letters, and per
// partition the highest offset seen, from which the commit is computed once both landed.
import { utcToday } from '../domain/dates.ts';
import { decodeMessage, deadLetterValue, text, type DailyRow, type SinkMessage } from './decode.ts';

export interface DeadLetter {
  key: string | undefined;
  value: string;
  reason: string;
}

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** Highest offset in the batch. */
  offset: bigint;
  leaderEpoch: number;
}

/** What Kafka's OffsetCommit wants: the offset of the next message to read. */
export interface CommitOffset {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
}

export class Batch {
  readonly rows: DailyRow[] = [];
  readonly deadLetters: DeadLetter[] = [];
  readonly #positions = new Map<string, PartitionPosition>();
  #last: PartitionPosition | undefined;
  #size = 0;
  /** The day the batch began, for the plain record check (decode.ts). */
  readonly #today = utcToday(new Date());

  /** Messages in the batch, valid or not. */
  get size(): number {
    return this.#size;
  }

  add(message: SinkMessage): void {
    const result = decodeMessage(message, this.#today);
    if (result.ok) {
      this.rows.push(result.row);
    } else {
      this.deadLetters.push({ key: text(message.key) ?? undefined, value: deadLetterValue(message, result.reason), reason: result.reason });
    }
    this.#size++;
    // Messages come in runs of one partition: the last one's position is checked first, so most
    // messages look nothing up.
    let position = this.#last;
    if (position?.partition !== message.partition || position.topic !== message.topic) {
      const id = `${message.topic}:${message.partition}`;
      position = this.#positions.get(id);
      if (!position) {
        position = { topic: message.topic, partition: message.partition, offset: message.offset, leaderEpoch: message.leaderEpoch };
        this.#positions.set(id, position);
      }
      this.#last = position;
    }
    // After a rebalance the client may deliver a partition again from its committed offset,
    // so offsets are not necessarily increasing within a batch: keep the highest.
    if (message.offset > position.offset) {
      position.offset = message.offset;
      position.leaderEpoch = message.leaderEpoch;
    }
  }

  /** Highest offset + 1 per partition, for the partitions `owned` says are still ours. */
  commitOffsets(owned: (topic: string, partition: number) => boolean = () => true): CommitOffset[] {
    const offsets: CommitOffset[] = [];
    for (const { topic, partition, offset, leaderEpoch } of this.#positions.values()) {
      if (owned(topic, partition)) offsets.push({ topic, partition, offset: offset + 1n, leaderEpoch });
    }
    return offsets;
  }

  get partitions(): PartitionPosition[] {
    return [...this.#positions.values()];
  }
}
