import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/sink/backoff.ts';

describe('backoffDelay', () => {
  it('doubles from 1 s and stays at 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelay(n)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('custom bounds', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { initialMs: 50, maxMs: 120 })), [50, 100, 120, 120]);
    assert.equal(backoffDelay(0), 0);
  });
});
