// In-memory rate limits, per process (so per replica: N replicas allow N times the limit).
// A token bucket: `limit` tokens per `windowMs`, refilled continuously, bursts up to `limit`.
// Buckets that are full again are dropped, so memory follows the number of active clients.
import type { TimeSource } from '../../platform/clock.ts';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one token for `key`; a limit of 0 means no limit. `now`: the clock's time, when already read. */
  take(key: string, now?: number): RateDecision;
  /** Whether `take` would allow now, without taking anything. */
  peek(key: string): RateDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const ALLOWED: RateDecision = { allowed: true };

export function createRateLimiter({ limit, windowMs, clock }: { limit: number; windowMs: number; clock: TimeSource }): RateLimiter {
  if (limit === 0) return { take: () => ALLOWED, peek: () => ALLOWED };
  const perMs = limit / windowMs;
  const buckets = new Map<string, Bucket>();
  let lastSweep = clock.now();

  const sweep = (now: number) => {
    // A bucket idle for a whole window is full again: forgetting it changes nothing.
    for (const [key, bucket] of buckets) if (now - bucket.updatedAt >= windowMs) buckets.delete(key);
    lastSweep = now;
  };

  const refused = (tokens: number): RateDecision => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) });

  return {
    take(key, now = clock.now()) {
      if (now - lastSweep >= windowMs) sweep(now);
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { tokens: limit, updatedAt: now };
        buckets.set(key, bucket);
      } else {
        bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.updatedAt) * perMs);
        bucket.updatedAt = now;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return ALLOWED;
      }
      return refused(bucket.tokens);
    },
    peek(key) {
      const bucket = buckets.get(key);
      if (!bucket) return ALLOWED;
      const tokens = Math.min(limit, bucket.tokens + (clock.now() - bucket.updatedAt) * perMs);
      return tokens >= 1 ? ALLOWED : refused(tokens);
    },
  };
}
