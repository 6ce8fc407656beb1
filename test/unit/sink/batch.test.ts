import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Batch } from '../../../src/sink/batch.ts';
import { message } from './messages.ts';

describe('Batch', () => {
  it('rows and dead letters are separated; commit is highest offset + 1 per partition', () => {
    const batch = new Batch();
    batch.add(message({ partition: 0, offset: 5n, leaderEpoch: 3 }));
    batch.add(message({ partition: 0, offset: 6n, leaderEpoch: 3, value: 'nope' }));
    batch.add(message({ partition: 1, offset: 9n, leaderEpoch: 4 }));
    // Re-delivered after a rebalance: a lower offset must not lower the commit.
    batch.add(message({ partition: 0, offset: 2n, leaderEpoch: 3 }));
    assert.equal(batch.size, 4);
    assert.equal(batch.rows.length, 3);
    assert.equal(batch.deadLetters.length, 1);
    assert.equal(batch.deadLetters[0]?.key, 'RU:2021-03-01');
    assert.match(batch.deadLetters[0]?.reason ?? '', /^not-json/);
    assert.deepEqual(batch.commitOffsets(), [
      { topic: 'covid.daily', partition: 0, offset: 7n, leaderEpoch: 3 },
      { topic: 'covid.daily', partition: 1, offset: 10n, leaderEpoch: 4 },
    ]);
  });

  it('only partitions still owned are committed', () => {
    const batch = new Batch();
    batch.add(message({ partition: 0, offset: 1n }));
    batch.add(message({ partition: 1, offset: 1n }));
    assert.deepEqual(
      batch.commitOffsets((_topic, partition) => partition === 1).map((o) => o.partition),
      [1],
    );
  });
});
