import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../../src/api/errors.ts';
import { createAuthLimits } from '../../../src/api/services/auth-limits.ts';

const clock = () => {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

const refused = (admit: () => void) => {
  try {
    admit();
    return null;
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'rate_limited');
    return error.details.retryAfterSeconds;
  }
};

void describe('auth limits', () => {
  void it('count per (username, address): another name or another address is not affected', () => {
    const c = clock();
    const limits = createAuthLimits({ clock: c, attemptsPerMinute: 3, globalPerSecond: 0 });
    for (let i = 0; i < 3; i++) assert.equal(refused(() => limits.admit('alice', 'A')), null);
    assert.ok((refused(() => limits.admit('alice', 'A')) ?? 0) >= 1);
    assert.equal(refused(() => limits.admit('alice', 'B')), null);
    assert.equal(refused(() => limits.admit('bob', 'A')), null);
    c.advance(20_000);
    assert.equal(refused(() => limits.admit('alice', 'A')), null, 'a token back after a third of the minute');
  });

  void it('the global brake spares pairs that succeeded, and forgets the oldest beyond its bound', () => {
    const c = clock();
    const limits = createAuthLimits({ clock: c, attemptsPerMinute: 0, globalPerSecond: 2, maxKnownPairs: 2 });
    limits.succeeded('alice', 'A');
    limits.succeeded('bob', 'B');
    assert.equal(refused(() => limits.admit('x', '1')), null);
    assert.equal(refused(() => limits.admit('y', '2')), null);
    assert.equal(refused(() => limits.admit('z', '3')), 1);
    assert.equal(refused(() => limits.admit('alice', 'A')), null);
    assert.equal(refused(() => limits.admit('alice', 'B')), 1, 'the pair, not the name');
    limits.succeeded('carol', 'C');
    assert.equal(refused(() => limits.admit('alice', 'A')), 1, 'alice was the oldest and is forgotten');
    assert.equal(refused(() => limits.admit('bob', 'B')), null);
  });
});
