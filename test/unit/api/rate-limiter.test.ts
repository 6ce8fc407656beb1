import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRateLimiter } from '../../../src/api/services/rate-limiter.ts';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

void describe('rate limiter (token bucket)', () => {
  void it('allows `limit` at once, then refuses with the time until the next token', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 10, windowMs: 60_000, clock: time });
    for (let i = 0; i < 10; i++) assert.deepEqual(limiter.take('a'), { allowed: true });
    assert.deepEqual(limiter.take('a'), { allowed: false, retryAfterSeconds: 6 });
    assert.deepEqual(limiter.take('b'), { allowed: true }, 'keys are independent');
    time.advance(5_999);
    assert.equal(limiter.take('a').allowed, false);
    time.advance(1);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
  });

  void it('refills continuously up to the limit, never beyond', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 2, windowMs: 1_000, clock: time });
    limiter.take('a');
    limiter.take('a');
    time.advance(10_000);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
  });

  void it('retry-after is at least one second', () => {
    const limiter = createRateLimiter({ limit: 1_000, windowMs: 1_000, clock: clock() });
    for (let i = 0; i < 1_000; i++) limiter.take('a');
    assert.deepEqual(limiter.take('a'), { allowed: false, retryAfterSeconds: 1 });
  });

  void it('a limit of 0 turns it off', () => {
    const limiter = createRateLimiter({ limit: 0, windowMs: 1_000, clock: clock() });
    for (let i = 0; i < 10_000; i++) assert.equal(limiter.take('a').allowed, true);
  });
});
