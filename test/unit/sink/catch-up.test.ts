import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatchUp } from '../../../src/sink/catch-up.ts';

test('caught up once every partition a fetch reported on is delivered to its end', () => {
  const catchUp = new CatchUp();
  assert.equal(catchUp.caughtUp, false, 'nothing known before the first fetch');
  catchUp.fetched(0, 0n, 3n, true);
  catchUp.fetched(1, 5n, 5n, false); // already at its end
  assert.equal(catchUp.caughtUp, false);
  catchUp.read(0, 0n);
  catchUp.read(0, 1n);
  assert.equal(catchUp.caughtUp, false);
  catchUp.read(0, 2n);
  assert.equal(catchUp.caughtUp, true);
  // More was written: the next response moves the end ahead of the position.
  catchUp.fetched(1, 5n, 9n, true);
  assert.equal(catchUp.caughtUp, false);
  catchUp.read(1, 8n);
  assert.equal(catchUp.caughtUp, true);
});

test('a response cut short by the fetch size (no records, position below the end) is not the end', () => {
  const catchUp = new CatchUp();
  catchUp.fetched(0, 0n, 10n, true);
  catchUp.fetched(2, 4n, 10n, false);
  for (let offset = 0n; offset < 10n; offset++) catchUp.read(0, offset);
  assert.equal(catchUp.caughtUp, false, 'partition 2 still has 6 messages');
  catchUp.fetched(2, 4n, 10n, true);
  catchUp.read(2, 9n);
  assert.equal(catchUp.caughtUp, true);
});

test('an empty response does not move a position back; a rebalance forgets everything', () => {
  const catchUp = new CatchUp();
  catchUp.fetched(0, 0n, 2n, true);
  catchUp.read(0, 1n);
  catchUp.fetched(0, 0n, 2n, false); // a late response asked from an older offset
  assert.equal(catchUp.caughtUp, true);
  catchUp.reset();
  assert.equal(catchUp.caughtUp, false);
});
