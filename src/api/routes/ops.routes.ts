// Health and operations: liveness, readiness (both stores answer), Prometheus metrics.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { sendProblem } from '../http/problem.ts';

export interface OpsRoutesOptions {
  checks: Record<'postgres' | 'clickhouse', () => Promise<void>>;
  metrics: Registry;
}

export const opsRoutes: FastifyPluginCallbackZod<OpsRoutesOptions> = (app, { checks, metrics }, done) => {
  const tags = ['operations'];
  app.get(
    '/healthz',
    { schema: { tags, summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'PostgreSQL and ClickHouse are reachable',
        response: { 200: z.object({ status: z.literal('ready'), postgres: z.literal('up'), clickhouse: z.literal('up') }) },
      },
    },
    async (_request, reply) => {
      const entries = Object.entries(checks);
      const results = await Promise.allSettled(entries.map(([, check]) => check()));
      const down = entries.filter((_, i) => results[i]!.status === 'rejected').map(([name]) => name);
      reply.header('cache-control', 'no-store');
      if (down.length > 0) return sendProblem(reply, 'unavailable', `not reachable: ${down.join(', ')}`);
      return { status: 'ready' as const, postgres: 'up' as const, clickhouse: 'up' as const };
    },
  );

  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (text format)' } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.metrics();
  });
  done();
};
