// The sink's commit rules on their own: owned partitions only, offsets only forward, and a
// rebalance forgets partitions this member lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommitOffset } from '../../../src/sink/batch.ts';
import { CommitTracker, ownedPartitions } from '../../../src/sink/commit-tracker.ts';

const at = (partition: number, offset: bigint): CommitOffset => ({ topic: 't', partition, offset, leaderEpoch: 0 });
const owning = (...partitions: number[]) => ownedPartitions([{ topic: 't', partitions }]);

describe('commit tracker', () => {
  it('names owned partitions by topic and partition; none before the first assignment', () => {
    assert.deepEqual([...ownedPartitions([{ topic: 'a', partitions: [0, 2] }, { topic: 'b', partitions: [1] }])], ['a:0', 'a:2', 'b:1']);
    assert.equal(ownedPartitions(null).size, 0);
    assert.equal(ownedPartitions(undefined).size, 0);
  });

  it('commits only partitions this member owns', () => {
    const tracker = new CommitTracker();
    assert.deepEqual(tracker.toCommit([at(0, 5n), at(1, 7n)], owning(1)), [at(1, 7n)]);
    assert.deepEqual(tracker.toCommit([at(0, 5n)], owning()), []);
  });

  it('commits only forward of what it committed before', () => {
    const tracker = new CommitTracker();
    tracker.committed([at(0, 10n)]);
    assert.deepEqual(tracker.toCommit([at(0, 10n)], owning(0)), [], 'the same offset again');
    assert.deepEqual(tracker.toCommit([at(0, 9n)], owning(0)), [], 'an older offset');
    assert.deepEqual(tracker.toCommit([at(0, 11n)], owning(0)), [at(0, 11n)]);
    assert.deepEqual(tracker.toCommit([at(0, 0n)], owning(0)).length, 0, 'offset 0 after 10');
  });

  it('an offset 0 is committed on a partition never committed', () => {
    assert.deepEqual(new CommitTracker().toCommit([at(3, 0n)], owning(3)), [at(3, 0n)]);
  });

  it('a rebalance forgets lost partitions: one that comes back may commit from the start', () => {
    const tracker = new CommitTracker();
    tracker.committed([at(0, 10n), at(1, 20n)]);
    tracker.keepOnly(owning(1));
    assert.deepEqual(tracker.toCommit([at(0, 3n)], owning(0, 1)), [at(0, 3n)], 'partition 0 was lost and came back');
    assert.deepEqual(tracker.toCommit([at(1, 3n)], owning(0, 1)), [], 'partition 1 was kept: still forward only');
  });
});
