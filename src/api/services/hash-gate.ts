// A server-wide bound on password hashing. The per-address and per-username limits (AUTH_RATE_LIMIT)
// stop a flood from one client or against one name before any hashing, but a flood spread over
// many addresses and names passes both, and each attempt is an argon2id hash (19 MiB, tens of ms
// of CPU) on libuv's pool: measured on 2 vCPUs, 250 addresses guessing at once cut the data
// endpoints' throughput by 3.6x and raised their p99 from 13 to 84 ms. So at most `concurrency`
// hashes run at once (half the cores, at least one), at most `maxQueued` wait, and an attempt
// beyond that is refused at once with 429 and Retry-After, without hashing: whatever arrives, the
// hashing takes at most half the machine and the data endpoints keep the rest.
import { availableParallelism } from 'node:os';
import { AppError } from '../errors.ts';
import type { PasswordHasher } from '../repositories/password-hasher.ts';

export interface HashGateOptions {
  concurrency: number;
  maxQueued: number;
}

export function defaultHashGate(): HashGateOptions {
  const concurrency = Math.max(1, Math.floor(availableParallelism() / 2));
  return { concurrency, maxQueued: 16 * concurrency };
}

export function gatedHasher(hasher: PasswordHasher, { concurrency, maxQueued }: HashGateOptions = defaultHashGate()): PasswordHasher {
  let running = 0;
  const waiting: (() => void)[] = [];

  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) {
      if (waiting.length >= maxQueued) {
        throw new AppError('rate_limited', 'too many password checks in progress on this server; retry shortly', { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };

  return {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (phc, password) => run(() => hasher.verify(phc, password)),
  };
}
