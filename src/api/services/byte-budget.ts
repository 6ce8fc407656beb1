// A server-wide budget of bytes per second shared by every export being sent (issue 12): however
// many exports run and however fast their readers read, together they send at most this much a
// second, so the CPU that writing them out takes (and ClickHouse-free cached copies alike) stays a
// bounded share of the machine. A token bucket holding one second's worth: a chunk that finds the
// bucket empty waits until its bytes would have been earned; the waits of concurrent exports add
// up, so they share the rate.
import { Transform } from 'node:stream';

export interface ByteBudget {
  /** Takes `bytes` from the budget; returns how long (ms) the sender should wait first. */
  take(bytes: number): number;
}

export function createByteBudget(bytesPerSecond: number, now: () => number = () => performance.now()): ByteBudget {
  let tokens = bytesPerSecond;
  let last = now();
  return {
    take(bytes) {
      const at = now();
      tokens = Math.min(bytesPerSecond, tokens + ((at - last) * bytesPerSecond) / 1_000);
      last = at;
      tokens -= bytes;
      return tokens >= 0 ? 0 : (-tokens / bytesPerSecond) * 1_000;
    },
  };
}

/** Passes chunks through as the budget allows (no budget: unchanged). */
export function pacedStream(budget: ByteBudget | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const wait = budget ? budget.take(chunk.length) : 0;
      if (wait <= 0) done(null, chunk);
      else setTimeout(() => done(null, chunk), wait);
    },
  });
}
