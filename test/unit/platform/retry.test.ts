// The retry-until-stopped loop and the deadline wait, on fake time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settlesWithin } from '../../../src/platform/clock.ts';
import { retryUntilStopped, RetryStopped } from '../../../src/platform/retry.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const backoff = { initialMs: 100, maxMs: 250 };

function failing(times: number) {
  const calls: AbortSignal[] = [];
  const operation = (signal: AbortSignal) => {
    calls.push(signal);
    return calls.length <= times ? Promise.reject(new Error(`down ${calls.length}`)) : Promise.resolve();
  };
  return { calls, operation };
}

describe('retryUntilStopped', () => {
  it('retries with capped backoff until the operation succeeds, and says how many attempts it took', async () => {
    const clock = new FakeClock();
    const { calls, operation } = failing(3);
    const failures: { attempt: number; retryInMs: number | undefined }[] = [];
    const cancel = new AbortController().signal;
    const done = retryUntilStopped('insert', operation, {
      clock,
      backoff,
      stop: new AbortController().signal,
      cancel,
      onFailure: ({ attempt, retryInMs }) => failures.push({ attempt, retryInMs }),
    });
    await clock.advance(100 + 200 + 249);
    assert.equal(calls.length, 3, 'the fourth attempt waits 250 ms, not 249');
    await clock.advance(1);
    assert.equal(await done, 4);
    assert.deepEqual(failures, [
      { attempt: 1, retryInMs: 100 },
      { attempt: 2, retryInMs: 200 },
      { attempt: 3, retryInMs: 250 },
    ]);
    assert.ok(calls.every((signal) => signal === cancel), 'every attempt gets the cancel signal');
  });

  it('stop ends the wait for the next attempt at once', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const { calls, operation } = failing(Infinity);
    const done = retryUntilStopped('insert', operation, { clock, backoff, stop: stop.signal, cancel: new AbortController().signal });
    await clock.advance(100);
    stop.abort(new Error('stopping'));
    await assert.rejects(done, (error: unknown) => error instanceof RetryStopped && error.message === 'stopped while waiting to retry the insert');
    assert.equal(calls.length, 2);
    assert.deepEqual(clock.pending, [], 'no timer left behind');
  });

  it('an attempt that fails after stop is the last one', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const held = Promise.withResolvers<void>();
    const failures: (number | undefined)[] = [];
    const done = retryUntilStopped('dead-letter send', () => held.promise, {
      clock,
      backoff,
      stop: stop.signal,
      cancel: new AbortController().signal,
      onFailure: ({ retryInMs }) => failures.push(retryInMs),
    });
    stop.abort(new Error('stopping'));
    held.reject(new Error('broker unavailable'));
    await assert.rejects(done, (error: unknown) => error instanceof RetryStopped && error.message === 'dead-letter send failed while stopping: broker unavailable');
    assert.deepEqual(failures, [undefined]);
  });
});

describe('settlesWithin', () => {
  it('true when the promise settles (resolved or rejected) in time, false when the time is up first', async () => {
    const clock = new FakeClock();
    assert.equal(await settlesWithin(clock, Promise.resolve(), 10), true);
    assert.equal(await settlesWithin(clock, Promise.reject(new Error('x')), 10), true);
    assert.deepEqual(clock.pending, [], 'the timer is cancelled');
    const never = settlesWithin(clock, new Promise(() => {}), 10);
    await clock.advance(9);
    const late = Promise.withResolvers<void>();
    const lateResult = settlesWithin(clock, late.promise, 5);
    await clock.advance(1);
    assert.equal(await never, false);
    late.resolve();
    assert.equal(await lateResult, true);
  });
});
