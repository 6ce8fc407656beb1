// The guard of every data endpoint: one API key in the x-key header (never the query string;
// two x-key headers arrive joined by a comma and fail the key format), then the per-key rate
// limit. Runs on onRequest, before any parsing or validation, so an unauthenticated request
// learns nothing about its parameters.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { ApiKeyService } from '../services/api-key.service.ts';
import type { RateLimiter } from '../services/rate-limiter.ts';

export function createAuthHook(apiKeys: ApiKeyService, limiter: RateLimiter, limitPerSecond: number) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers['x-key'];
    const userId = await apiKeys.authenticate(typeof header === 'string' ? header : undefined);
    const decision = limiter.take(userId);
    if (!decision.allowed) {
      throw new AppError('rate_limited', `more than ${limitPerSecond} requests per second with this API key`, {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }
  };
}
