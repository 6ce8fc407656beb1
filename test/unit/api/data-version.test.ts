import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDataVersionService } from '../../../src/api/services/data-version.service.ts';

/** A version check the test resolves by hand. */
function controlledCheck() {
  const pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  return { check, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

void describe('data version: single-flight checks', () => {
  void it('a request arriving during a check waits for the next check, which all such requests share', async () => {
    const { check, pending } = controlledCheck();
    const versions = createDataVersionService(check);
    const first = versions.current();
    assert.equal(pending.length, 1);
    // Arrive while the first check runs: its answer may predate them.
    const late = [versions.current(), versions.current(), versions.current()];
    assert.equal(pending.length, 1, 'no second check while the first runs');
    let lateSettled = false;
    void Promise.all(late).then(() => (lateSettled = true));
    pending[0]!.resolve('v1');
    assert.equal(await first, 'v1');
    await tick();
    assert.equal(lateSettled, false, 'the late requests do not take v1');
    assert.equal(pending.length, 2, 'one next check for all of them');
    pending[1]!.resolve('v2');
    assert.deepEqual(await Promise.all(late), ['v2', 'v2', 'v2']);
  });

  void it('a request arriving while a check is queued joins it; after a quiet period a new check starts', async () => {
    const { check, pending } = controlledCheck();
    const versions = createDataVersionService(check);
    void versions.current();
    const queued = versions.current();
    pending[0]!.resolve('v1');
    await tick();
    const joined = versions.current(); // the queued check has started: this one needs the one after
    assert.equal(pending.length, 2);
    pending[1]!.resolve('v2');
    assert.equal(await queued, 'v2');
    await tick();
    assert.equal(pending.length, 3);
    pending[2]!.resolve('v3');
    assert.equal(await joined, 'v3');
    await tick();
    const fresh = versions.current();
    assert.equal(pending.length, 4);
    pending[3]!.resolve('v4');
    assert.equal(await fresh, 'v4');
  });

  void it('a failed check fails its waiters only; the next request checks again', async () => {
    const { check, pending } = controlledCheck();
    const versions = createDataVersionService(check);
    const failing = versions.current();
    const waiting = versions.current();
    pending[0]!.reject(new Error('down'));
    await assert.rejects(failing, /down/);
    await tick();
    pending[1]!.resolve('v1');
    assert.equal(await waiting, 'v1');
    const next = versions.current();
    pending[2]!.resolve('v2');
    assert.equal(await next, 'v2');
  });

  void it('starts consecutive checks at least minIntervalMs apart, and at once after a quiet period', async () => {
    let now = 0;
    const starts: number[] = [];
    const versions = createDataVersionService(
      async () => {
        starts.push(now);
        await tick();
        return `v${starts.length}`;
      },
      { minIntervalMs: 5, clock: { now: () => now } },
    );
    assert.equal(await versions.current(), 'v1'); // first check at once
    now = 1;
    const waiting = versions.current(); // too soon after the first start: waits 4 ms
    await tick();
    assert.equal(starts.length, 1, 'not started before the interval');
    now = 5; // the clock the timer was set from has moved on when it fires
    assert.equal(await waiting, 'v2');
    assert.deepEqual(starts, [0, 5]);
    now = 100;
    assert.equal(await versions.current(), 'v3');
    assert.deepEqual(starts, [0, 5, 100]);
  });
});
