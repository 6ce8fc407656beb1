// Health and operations: liveness, readiness (both stores answer, from a cached probe:
// services/readiness.ts), Prometheus metrics (on this port unless METRICS_PORT moves them, behind
// METRICS_TOKEN when set).
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { metricsAuthorized } from '../http/metrics-access.ts';
import { sendProblem } from '../http/problem.ts';
import type { Readiness } from '../services/readiness.ts';

export interface OpsRoutesOptions {
  readiness: Readiness;
  metrics: Registry;
  /** Serve /metrics here (false when METRICS_PORT serves them on loopback). */
  metricsHere: boolean;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
}

export const opsRoutes: FastifyPluginCallbackZod<OpsRoutesOptions> = (app, { readiness, metrics, metricsHere, metricsToken }, done) => {
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
      const { down } = await readiness.current();
      reply.header('cache-control', 'no-store');
      if (down.length > 0) return sendProblem(reply, 'unavailable', `not reachable: ${down.join(', ')}`);
      return { status: 'ready' as const, postgres: 'up' as const, clickhouse: 'up' as const };
    },
  );

  if (metricsHere) {
    app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics (text format)' } }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!metricsAuthorized(request.headers.authorization, metricsToken)) {
        return sendProblem(reply, 'unauthenticated', 'metrics need the token in Authorization: Bearer', { challenge: 'Bearer realm="metrics"' });
      }
      reply.type(metrics.contentType);
      return metrics.metrics();
    });
  }
  done();
};
