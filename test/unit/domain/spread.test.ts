import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitExact } from '../../../src/domain/transform/spread.ts';

test('an exact multiple of 7 splits evenly', () => {
  assert.deepEqual(splitExact(14), [2, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual(splitExact(0), [0, 0, 0, 0, 0, 0, 0]);
});

test('the remainder goes, one unit each, to the earliest days', () => {
  assert.deepEqual(splitExact(10), [2, 2, 2, 1, 1, 1, 1]);
  assert.deepEqual(splitExact(17118), [2446, 2446, 2446, 2445, 2445, 2445, 2445]);
  assert.deepEqual(splitExact(6), [1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(splitExact(1), [1, 0, 0, 0, 0, 0, 0]);
});

test('a negative total spreads with its sign (no -0)', () => {
  assert.deepEqual(splitExact(-10), [-2, -2, -2, -1, -1, -1, -1]);
  const small = splitExact(-3);
  assert.deepEqual(small, [-1, -1, -1, 0, 0, 0, 0]);
  assert.ok(small.slice(3).every((v) => Object.is(v, 0)));
});

test('parts always add up to the total', () => {
  for (let total = -50; total <= 50; total++) {
    const parts = splitExact(total);
    assert.equal(parts.reduce((a, b) => a + b, 0), total, String(total));
    assert.ok(Math.max(...parts) - Math.min(...parts) <= 1, String(total));
  }
});

test('splitExact refuses non-integers', () => {
  assert.throws(() => splitExact(1.5), RangeError);
  assert.throws(() => splitExact(7, 0), RangeError);
});
