import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../../src/api/errors.ts';
import { gatedHasher } from '../../../src/api/services/hash-gate.ts';

function slowHasher() {
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const work = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => releases.push(resolve));
    running--;
  };
  return {
    hasher: {
      hash: async (password: string) => {
        await work();
        return `hash:${password}`;
      },
      verify: async (phc: string, password: string) => {
        await work();
        return phc === `hash:${password}`;
      },
    },
    peak: () => peak,
    release: () => releases.shift()?.(),
    pending: () => releases.length,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

void describe('hash gate', () => {
  void it('runs at most `concurrency` hashes at once, queues up to `maxQueued`, and refuses the rest with 429 at once', async () => {
    const slow = slowHasher();
    const gated = gatedHasher(slow.hasher, { concurrency: 2, maxQueued: 3 });
    const results = Array.from({ length: 5 }, (_, i) => gated.verify('hash:x', i % 2 ? 'x' : 'y'));
    const refused = gated.hash('z');
    await assert.rejects(refused, (error: unknown) => isAppError(error) && error.code === 'rate_limited' && error.details.retryAfterSeconds === 1);
    await tick();
    assert.equal(slow.pending(), 2, 'two running');
    for (let i = 0; i < 5; i++) {
      slow.release();
      await tick();
      await tick();
    }
    assert.deepEqual(await Promise.all(results), [false, true, false, true, false]);
    assert.equal(slow.peak(), 2);
    // Free again: a new call runs.
    const again = gated.hash('w');
    await tick();
    slow.release();
    assert.equal(await again, 'hash:w');
  });

  void it('a failed hash frees its slot', async () => {
    const gated = gatedHasher(
      { hash: () => Promise.reject(new Error('boom')), verify: () => Promise.resolve(true) },
      { concurrency: 1, maxQueued: 0 },
    );
    await assert.rejects(gated.hash('a'), /boom/);
    assert.equal(await gated.verify('p', 'a'), true);
  });
});
