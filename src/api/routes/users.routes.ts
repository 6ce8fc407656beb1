// Registration and key re-issue (SPEC 6). Rate limits (per client address, per (username,
// address), and a server-wide brake: services/auth-limits.ts) run before any hashing, so a flood
// of attempts costs a map lookup each, not an argon2 hash; none counts by username alone, so
// nobody can lock another user out.
// A new key is shown once: the answer carries Cache-Control: no-store.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { problemResponses } from '../http/openapi.ts';
import type { TimeSource } from '../../platform/clock.ts';
import { credentialsSchema } from '../services/credentials.ts';
import { createAuthLimits } from '../services/auth-limits.ts';
import { createRateLimiter } from '../services/rate-limiter.ts';
import type { UsersService } from '../services/users.service.ts';

export interface UsersRoutesOptions {
  users: UsersService;
  clock: TimeSource;
  /** Attempts per minute per client address and per (username, address); 0 = no limit. */
  attemptsPerMinute: number;
  /** Attempts per second over the server from pairs that never succeeded; 0 = no brake. */
  globalAttemptsPerSecond: number;
}

/** Large enough for any valid pair of credentials, small enough to refuse anything else early. */
export const USERS_BODY_LIMIT = 2_048;

const issuedKeySchema = z
  .object({
    username: z.string(),
    api_key: z.string().meta({ description: 'shown this once; send it in the x-key header' }),
  })
  .meta({ id: 'IssuedKey', example: { username: 'alice', api_key: 'cov_3q2E9sYt0m2l0rS2X2aVbq1Kq8sL3mN4oP5qR6sT7uUxyzAB12' } });

export const usersRoutes: FastifyPluginCallbackZod<UsersRoutesOptions> = (app, { users, clock, attemptsPerMinute, globalAttemptsPerSecond }, done) => {
  const perClient = createRateLimiter({ limit: attemptsPerMinute, windowMs: 60_000, clock });
  const limits = createAuthLimits({ clock, attemptsPerMinute, globalPerSecond: globalAttemptsPerSecond });
  const refuse = (retryAfterSeconds: number, who: string) =>
    new AppError('rate_limited', `more than ${attemptsPerMinute} attempts per minute ${who}`, { retryAfterSeconds });

  app.addHook('onRequest', (request, _reply, next) => {
    const decision = perClient.take(request.ip);
    next(decision.allowed ? undefined : refuse(decision.retryAfterSeconds, 'from this client'));
  });

  const common = { tags: ['users'], body: credentialsSchema };

  app.post(
    '/users/register',
    {
      bodyLimit: USERS_BODY_LIMIT,
      schema: {
        ...common,
        summary: 'Create a user and its first API key',
        response: {
          201: issuedKeySchema,
          ...problemResponses('invalid_request', 'username_taken', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'unavailable'),
        },
      },
    },
    async (request, reply) => {
      limits.admit(request.body.username, request.ip);
      const issued = await users.register(request.body);
      limits.succeeded(issued.username, request.ip);
      reply.code(201).header('cache-control', 'no-store');
      return { username: issued.username, api_key: issued.apiKey };
    },
  );

  app.post(
    '/users/recreate-api-key',
    {
      bodyLimit: USERS_BODY_LIMIT,
      schema: {
        ...common,
        summary: 'Issue a new API key; the old one stops working at once',
        response: {
          200: issuedKeySchema,
          ...problemResponses(
            'invalid_request',
            'invalid_credentials',
            'payload_too_large',
            'unsupported_media_type',
            'rate_limited',
            'unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      limits.admit(request.body.username, request.ip);
      const issued = await users.recreateApiKey(request.body);
      limits.succeeded(issued.username, request.ip);
      reply.header('cache-control', 'no-store');
      return { username: issued.username, api_key: issued.apiKey };
    },
  );
  done();
};
