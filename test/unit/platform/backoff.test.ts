import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/platform/backoff.ts';

describe('backoffDelay', () => {
  it('doubles from 1 s and stays at 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelay(n)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('custom bounds', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, { initialMs: 50, maxMs: 120 })), [50, 100, 120, 120]);
    assert.equal(backoffDelay(0), 0);
  });

  it('equal jitter: half the ceiling fixed, half random, capped', () => {
    const equal = (random: number) => ({ initialMs: 500, maxMs: 30_000, jitter: 0.5, random: () => random });
    assert.equal(backoffDelay(1, equal(0)), 250);
    assert.equal(backoffDelay(1, equal(1)), 500);
    assert.equal(backoffDelay(3, equal(0.5)), 1500);
    assert.equal(backoffDelay(20, equal(1)), 30_000);
  });
});
