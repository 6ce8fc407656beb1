// The guard of every data endpoint: one API key in the x-key header (never the query string;
// two x-key headers arrive joined by a comma and fail the key format), then the per-key rate
// limit. Runs on onRequest, before any parsing or validation, so an unauthenticated request
// learns nothing about its parameters.
//
// Failed lookups are limited per client address (KEY_FAILURE_LIMIT a minute): past it, a
// well-formed key that is not in the cache is refused with 429 before any database lookup, so a
// client guessing keys costs PostgreSQL at most that many lookups a minute. Malformed keys never
// reach the database and are not counted; cached keys still pass (they cost nothing), so a user
// behind the same address keeps working while her key is cached.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { isWellFormedApiKey } from '../services/api-key-format.ts';
import type { ApiKeyService } from '../services/api-key.service.ts';
import type { RateLimiter } from '../services/rate-limiter.ts';

export interface AuthHookOptions {
  apiKeys: ApiKeyService;
  /** Per key: DATA_RATE_LIMIT a second. */
  limiter: RateLimiter;
  limitPerSecond: number;
  /** Per client address: failed checks (KEY_FAILURE_LIMIT a minute). */
  failures: RateLimiter;
  failuresPerMinute: number;
}

const users = new WeakMap<FastifyRequest, string>();

/** The id of the user whose key this request carried (set by the auth hook). */
export function userOf(request: FastifyRequest): string {
  const userId = users.get(request);
  if (userId === undefined) throw new Error('userOf: the request did not pass the auth hook');
  return userId;
}

export function createAuthHook({ apiKeys, limiter, limitPerSecond, failures, failuresPerMinute }: AuthHookOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers['x-key'];
    const key = typeof header === 'string' ? header : undefined;
    const needsLookup = key !== undefined && isWellFormedApiKey(key) && !apiKeys.isCached(key);
    if (needsLookup) {
      const budget = failures.peek(request.ip);
      if (!budget.allowed) {
        throw new AppError('rate_limited', `more than ${failuresPerMinute} failed API key checks per minute from this client`, {
          retryAfterSeconds: budget.retryAfterSeconds,
        });
      }
    }
    let userId: string;
    try {
      userId = await apiKeys.authenticate(key);
    } catch (error) {
      if (needsLookup && error instanceof AppError && error.code === 'unauthenticated') failures.take(request.ip);
      throw error;
    }
    users.set(request, userId);
    const decision = limiter.take(userId);
    if (!decision.allowed) {
      throw new AppError('rate_limited', `more than ${limitPerSecond} requests per second with this API key`, {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }
  };
}
