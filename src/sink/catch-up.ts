// Whether the sink has read everything its partitions hold, so that it stores what it collected
// at once instead of waiting SINK_BATCH_MS for more that is not there. Each fetch response
// carries every partition's end (the last stable offset: what a read-committed consumer can
// reach); the messages delivered say where the sink is. Pure: the consumer's part is in
// group-member.ts. The sink reads one topic, so a partition number names a partition.
export class CatchUp {
  /** Per partition, the end the latest fetch response gave. */
  readonly #end = new Map<number, bigint>();
  /** Per partition, the offset of the next message to be delivered. */
  readonly #next = new Map<number, bigint>();

  /**
   * A fetch response for `partition`, asked from `fetchOffset`. Without records it means the
   * sink is at `fetchOffset`; its records, once delivered, move the position through read().
   */
  fetched(partition: number, fetchOffset: bigint, end: bigint, hasRecords: boolean): void {
    this.#end.set(partition, end);
    if (!hasRecords && fetchOffset > (this.#next.get(partition) ?? -1n)) this.#next.set(partition, fetchOffset);
  }

  /** A message was delivered. */
  read(partition: number, offset: bigint): void {
    this.#next.set(partition, offset + 1n);
  }

  /** Every partition a fetch reported on is read to its end (false before the first fetch). */
  get caughtUp(): boolean {
    if (this.#end.size === 0) return false;
    for (const [partition, end] of this.#end) if ((this.#next.get(partition) ?? -1n) < end) return false;
    return true;
  }

  /** A rebalance: the assignment changed, start over. */
  reset(): void {
    this.#end.clear();
    this.#next.clear();
  }
}
