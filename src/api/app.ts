// The HTTP application, built without listening (tests use app.inject). Routes validate with
// zod schemas, which also generate the OpenAPI document; every error leaves as a problem
// document; unknown paths get 404 and known paths with another method 405.
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { createAuthHook } from './http/authenticate.ts';
import { createFastPathHook, RememberedUrls, type CachedAnswer, type DataReplyDeps } from './http/data-reply.ts';
import { createDirectAnswer, NOT_ANSWERED, type DirectAnswer } from './http/direct-answer.ts';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './http/error-handler.ts';
import { createLimitedServer } from './http/connection-limits.ts';
import { createLoadShedder } from './http/load-shedding.ts';
import { MIN_COMPRESSED_BYTES } from './http/compression.ts';
import { installMetrics } from './http/metrics.ts';
import { installPipelineMetrics } from './http/pipeline-metrics.ts';
import { installSecurityHeaders } from './http/security-headers.ts';
import { sendProblem } from './http/problem.ts';
import type { TimeSource } from '../platform/clock.ts';
import { appRoutes } from './routes/app.routes.ts';
import { docsRoutes, swaggerUiRoutes } from './routes/docs.routes.ts';
import { opsRoutes } from './routes/ops.routes.ts';
import { originalRoutes } from './routes/original.routes.ts';
import { usersRoutes } from './routes/users.routes.ts';
import { v1Routes } from './routes/v1.routes.ts';
import type { ApiKeyService } from './services/api-key.service.ts';
import type { DataService } from './services/data.service.ts';
import type { ChangeFeed } from './services/change-feed.ts';
import type { DataVersionService } from './services/data-version.service.ts';
import { createByteBudget } from './services/byte-budget.ts';
import { createExportFiles } from './services/export-files.ts';
import { createExportSlots } from './services/export-slots.ts';
import { LruCache } from './services/lru-cache.ts';
import { createReadiness } from './services/readiness.ts';
import { createRateLimiter } from './services/rate-limiter.ts';
import type { StatusService } from './services/status.service.ts';
import type { UsersService } from './services/users.service.ts';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  clock: TimeSource;
  users: UsersService;
  apiKeys: ApiKeyService;
  versions: DataVersionService;
  /** What other processes announce (new data, revoked keys); the process closes it after the app. */
  changes: ChangeFeed;
  data: DataService;
  status: StatusService;
  checks: Record<'postgres' | 'clickhouse', () => Promise<void>>;
}

export interface BuildOptions {
  /** Process metrics (event loop, memory): once per process, so off in tests that build many apps. */
  defaultMetrics?: boolean;
  responseCacheBytes?: number;
  /** Least time between two readiness probes (services/readiness.ts); tests of outages use 0. */
  readinessIntervalMs?: number;
}

const registries = new WeakMap<FastifyInstance, Registry>();

/** The app's metrics registry, for a METRICS_PORT server (http/metrics-server.ts). */
export function metricsRegistryOf(app: FastifyInstance): Registry {
  const registry = registries.get(app);
  if (!registry) throw new Error('not an app built by buildApp');
  return registry;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const DESCRIPTION = `Daily COVID-19 incidence (new cases and deaths) per country, gathered from ECDC, WHO and
объясняем.рф by the covid-etl pipeline.

Register with \`POST /users/register\` and send the key in the \`x-key\` header. Dates are \`YYYY-MM-DD\`;
\`start\` and \`end\` are both optional and inclusive. Errors are RFC 9457 problem documents.
Data answers carry an ETag: send it back in \`If-None-Match\` to get 304 while the data is unchanged.`;

export async function buildApp(deps: ApiDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  let shedCount = 0;
  const shedder = createLoadShedder({ overloadMs: config.HTTP_OVERLOAD_LATENCY_MS, onShed: () => void shedCount++ });
  // Once closing, every answer (those in flight included) ends its connection, so a kept-alive
  // client cannot hold the shutdown open until its idle timeout.
  let closing = false;
  // Set once the data routes' parts exist (below).
  let direct: DirectAnswer = () => NOT_ANSWERED;
  const app = Fastify({
    loggerInstance: deps.logger,
    // The plain Node server Fastify would make, with the load shedder in front of it
    // (http/load-shedding.ts): an overloaded server answers 503 before doing any other work;
    // then a repeated data request is answered from the cache without Fastify
    // (http/direct-answer.ts). Time-outs and the connection cap: http/connection-limits.ts.
    // The time is read once at arrival (the shedder's clock, performance.now()) and shared.
    serverFactory: (handler) =>
      createLimitedServer((request, response) => {
        const arrived = performance.now();
        if (!shedder.admit(request, response, arrived)) return;
        const answered = direct(request, response, arrived);
        if (answered !== NOT_ANSWERED) {
          shedder.answered(arrived, answered);
          return;
        }
        shedder.track(request, response, arrived);
        handler(request, response);
      }, config),
    // No per-request log lines (metrics count requests); errors are logged by the error mapper.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    return503OnClosing: true,
    // Errors found before any route runs are problem documents too (http/error-handler.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body gets 415 instead of reaching a schema as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  const { registry: metrics, requests: requestMetrics } = installMetrics(app, { defaultMetrics: options.defaultMetrics ?? true });
  installPipelineMetrics(metrics, { status: deps.status, versions: deps.versions, logger: deps.logger });
  new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests answered 503 at once by the load shedder (HTTP_OVERLOAD_LATENCY_MS)',
    registers: [metrics],
    collect() {
      this.reset();
      this.inc(shedCount);
    },
  });
  new Gauge({
    name: 'http_admitted_ratio',
    help: 'Share of requests the load shedder admits now (1 = all)',
    registers: [metrics],
    collect() {
      this.set(shedder.admitted());
    },
  });

  // Known paths, to answer 405 (with Allow) instead of 404 for another method.
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    const methods = methodsByPath.get(route.url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByPath.set(route.url, methods);
  });

  installSecurityHeaders(app);
  // Every answer large enough to gain is compressed for clients that accept it; data answers
  // compress (and cache) their own bodies first (http/data-reply.ts), which this plugin leaves be.
  await app.register(compress, { global: true, threshold: MIN_COMPRESSED_BYTES, encodings: ['br', 'gzip'] });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'covid-etl API', version: '1.0.0', description: DESCRIPTION },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-key' } } },
      tags: [
        { name: 'users', description: 'registration and API keys' },
        { name: 'data (original API)', description: 'the endpoints of the original service, same paths and shapes' },
        { name: 'data', description: 'versioned endpoints' },
        { name: 'pipeline', description: 'pipeline runs and data freshness' },
        { name: 'operations', description: 'health, readiness, metrics' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUiRoutes);

  const dataReply: DataReplyDeps = {
    versions: deps.versions,
    bodies: new LruCache<CachedAnswer>(options.responseCacheBytes ?? 64 * 1024 * 1024, (answer) => answer.body.length + 256),
    maxCachedBody: 4 * 1024 * 1024,
    remembered: new RememberedUrls(),
    exports: createExportSlots({ total: config.EXPORT_CONCURRENCY, perUser: config.EXPORT_PER_KEY }),
    exportFiles: createExportFiles(),
    exportBudget: config.EXPORT_BYTES_PER_SECOND > 0 ? createByteBudget(config.EXPORT_BYTES_PER_SECOND) : undefined,
  };
  app.addHook('onClose', (_instance, done) => {
    dataReply.exportFiles.close();
    done();
  });
  await app.register(docsRoutes);
  await app.register(appRoutes);
  registries.set(app, metrics);
  await app.register(opsRoutes, {
    readiness: createReadiness(deps.checks, { minIntervalMs: options.readinessIntervalMs ?? 1_000 }),
    metrics,
    metricsHere: config.METRICS_PORT === 0,
    metricsToken: config.METRICS_TOKEN,
  });
  await app.register(usersRoutes, { users: deps.users, clock: deps.clock, attemptsPerMinute: config.AUTH_RATE_LIMIT, globalAttemptsPerSecond: config.AUTH_GLOBAL_RATE_LIMIT });
  const limiter = createRateLimiter({ limit: config.DATA_RATE_LIMIT, windowMs: 1_000, clock: deps.clock });
  direct = createDirectAnswer({ reply: dataReply, apiKeys: deps.apiKeys, limiter, clock: deps.clock, metrics: requestMetrics, closing: () => closing });
  await app.register(async (scope) => {
    const failures = createRateLimiter({ limit: config.KEY_FAILURE_LIMIT, windowMs: 60_000, clock: deps.clock });
    scope.addHook(
      'onRequest',
      createAuthHook({
        apiKeys: deps.apiKeys,
        limiter,
        limitPerSecond: config.DATA_RATE_LIMIT,
        failures,
        failuresPerMinute: config.KEY_FAILURE_LIMIT,
      }),
    );
    // After the key check and the rate limit: a URL answered before comes from the cache here.
    scope.addHook('onRequest', createFastPathHook(dataReply));
    await scope.register(originalRoutes, { data: deps.data, reply: dataReply, defaultCountry: config.DEFAULT_COUNTRY });
    await scope.register(v1Routes, { data: deps.data, status: deps.status, versions: deps.versions, reply: dataReply });
  });

  for (const [url, methods] of [...methodsByPath]) {
    const allow = METHODS.filter((method) => methods.has(method)).join(', ');
    app.route({
      method: METHODS.filter((method) => !methods.has(method)),
      url,
      schema: { hide: true },
      handler: (_request, reply) => sendProblem(reply, 'method_not_allowed', `${url} allows ${allow}`, { allow }),
    });
  }
  return app;
}
