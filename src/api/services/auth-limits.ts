// Limits on password attempts (registration and key re-issue), checked before any hashing. The
// review found that a per-username limit lets anyone lock a user out: ten wrong passwords for
// `alice` from ten addresses, and alice herself got 429. So attempts are limited by (username,
// address) and by address (routes/users.routes.ts), never by username alone, and a server-wide
// brake bounds a flood spread over many addresses and names. The brake is never applied to a
// (username, address) pair that has succeeded before: a user who re-issues her key from where she
// registered it is not slowed by anyone else's attempts. (A first attempt from a new address
// during a distributed flood may get 429 + Retry-After: docs/security.md.)
import { AppError } from '../errors.ts';
import type { TimeSource } from '../../platform/clock.ts';
import { createRateLimiter } from './rate-limiter.ts';

export interface AuthLimitsOptions {
  clock: TimeSource;
  /** Attempts per minute per (username, address); 0 = no limit. */
  attemptsPerMinute: number;
  /** Attempts per second over the whole server from pairs without a success; 0 = no brake. */
  globalPerSecond: number;
  /** Pairs remembered as good (oldest forgotten first). */
  maxKnownPairs?: number;
}

export interface AuthLimits {
  /** Throws rate_limited (429, with Retry-After) when this attempt must not reach the hasher. */
  admit(username: string, address: string): void;
  /** Records a successful attempt: this pair bypasses the global brake from now on. */
  succeeded(username: string, address: string): void;
}

export function createAuthLimits({ clock, attemptsPerMinute, globalPerSecond, maxKnownPairs = 10_000 }: AuthLimitsOptions): AuthLimits {
  const perPair = createRateLimiter({ limit: attemptsPerMinute, windowMs: 60_000, clock });
  const global = createRateLimiter({ limit: globalPerSecond, windowMs: 1_000, clock });
  const known = new Set<string>();
  // A NUL cannot be in a username (credentials.ts), so the pair's text is unambiguous.
  const pair = (username: string, address: string) => `${username}\0${address}`;

  return {
    admit(username, address) {
      const id = pair(username, address);
      const own = perPair.take(id);
      if (!own.allowed) {
        throw new AppError('rate_limited', `more than ${attemptsPerMinute} attempts per minute for this username from this client`, {
          retryAfterSeconds: own.retryAfterSeconds,
        });
      }
      if (known.has(id)) return;
      const brake = global.take('*');
      if (!brake.allowed) {
        throw new AppError('rate_limited', 'the server is receiving too many password attempts; retry after the time in Retry-After', {
          retryAfterSeconds: brake.retryAfterSeconds,
        });
      }
    },
    succeeded(username, address) {
      const id = pair(username, address);
      known.delete(id);
      known.add(id);
      if (known.size > maxKnownPairs) known.delete(known.values().next().value!);
    },
  };
}
