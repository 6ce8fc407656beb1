// What this consumer-group member may commit, kept apart from the sink's I/O so the rules are
// plain and tested on their own: only partitions it still owns (a revoked partition's new owner
// resumes from the last commit; moving its position would skip records), and only offsets ahead
// of what it committed before (commits only move forward). A rebalance forgets the partitions
// it no longer owns, so one that comes back later starts from the group's committed offset.
import type { CommitOffset } from './batch.ts';

export type Assignments = readonly { topic: string; partitions: readonly number[] }[];

export function partitionId(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function ownedPartitions(assignments: Assignments | null | undefined): Set<string> {
  const owned = new Set<string>();
  for (const { topic, partitions } of assignments ?? []) {
    for (const partition of partitions) owned.add(partitionId(topic, partition));
  }
  return owned;
}

export class CommitTracker {
  /** Next offset to read per `topic:partition`, as this member committed it. */
  readonly #committed = new Map<string, bigint>();

  /** Of a batch's offsets, those to commit: owned by this member and ahead of its last commit. */
  toCommit(offsets: readonly CommitOffset[], owned: ReadonlySet<string>): CommitOffset[] {
    return offsets.filter(({ topic, partition, offset }) => {
      const id = partitionId(topic, partition);
      return owned.has(id) && (this.#committed.get(id) ?? -1n) < offset;
    });
  }

  /** The broker acknowledged these commits. */
  committed(offsets: readonly CommitOffset[]): void {
    for (const { topic, partition, offset } of offsets) this.#committed.set(partitionId(topic, partition), offset);
  }

  /** After a rebalance: forget what was committed for partitions no longer owned. */
  keepOnly(owned: ReadonlySet<string>): void {
    for (const id of this.#committed.keys()) if (!owned.has(id)) this.#committed.delete(id);
  }

}
