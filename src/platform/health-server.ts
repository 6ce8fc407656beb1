// Liveness, readiness and Prometheus metrics of a process role without an HTTP API (worker,
// sink), on its own small port, for an orchestrator (compose healthchecks, a supervisor, a
// load balancer) and for Prometheus:
//   GET /healthz  200 while the process runs and its event loop turns (liveness)
//   GET /readyz   200 when the role is started and every dependency answers; otherwise 503 and
//                 `waiting_for` names what it waits for (e.g. ["kafka", "clickhouse"])
//   GET /metrics  the role's Prometheus registry (text format)
// Plain node:http: three fixed routes need no framework, and the server must answer even while
// the role itself is struggling.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';

/** A dependency check: resolves when the dependency answers, rejects (with the reason) otherwise. */
export type DependencyCheck = (signal: AbortSignal) => Promise<unknown>;

export interface HealthServerOptions {
  role: string;
  host: string;
  /** 0: any free port (the bound port is logged and returned). */
  port: number;
  /** Named dependencies, e.g. { postgres, kafka, clickhouse }, checked on each /readyz. */
  checks: Record<string, DependencyCheck>;
  /** What the role itself still waits for (e.g. 'consumer group'), or undefined once it is started. */
  starting: () => string | undefined;
  registry: Registry;
  logger: Logger;
  /** Each check gets this long before it counts as down (default 2 s). */
  checkTimeoutMs?: number;
}

export interface Readiness {
  status: 'ready' | 'not_ready';
  role: string;
  waiting_for: string[];
  checks: Record<string, string>;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Runs every check at once, each bounded by `timeoutMs`; 'up' or 'down: <reason>' per name. */
export async function readiness(options: Pick<HealthServerOptions, 'role' | 'checks' | 'starting' | 'checkTimeoutMs'>): Promise<Readiness> {
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  const names = Object.keys(options.checks);
  const results = await Promise.allSettled(
    names.map((name) => {
      const signal = AbortSignal.timeout(timeoutMs);
      const timedOut = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true }),
      );
      return Promise.race([options.checks[name]!(signal), timedOut]);
    }),
  );
  const checks: Record<string, string> = {};
  const waiting: string[] = [];
  const starting = options.starting();
  if (starting) waiting.push(starting);
  results.forEach((result, i) => {
    const name = names[i]!;
    if (result.status === 'fulfilled') {
      checks[name] = 'up';
    } else {
      checks[name] = `down: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`;
      waiting.push(name);
    }
  });
  return { status: waiting.length === 0 ? 'ready' : 'not_ready', role: options.role, waiting_for: waiting, checks };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const started = Date.now();
  const server = http.createServer((request, response) => {
    const reply = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, JSON.stringify({ error: 'method not allowed' }));
    const path = (request.url ?? '/').split('?', 1)[0];
    const answer = async () => {
      switch (path) {
        case '/healthz':
          return reply(200, JSON.stringify({ status: 'ok', role: options.role, uptime_seconds: Math.round((Date.now() - started) / 1000) }));
        case '/readyz': {
          const ready = await readiness(options);
          return reply(ready.status === 'ready' ? 200 : 503, JSON.stringify(ready));
        }
        case '/metrics':
          return reply(200, await options.registry.metrics(), options.registry.contentType);
        default:
          return reply(404, JSON.stringify({ error: 'not found', paths: ['/healthz', '/readyz', '/metrics'] }));
      }
    };
    answer().catch((error: unknown) => {
      options.logger.warn({ err: error, path }, 'health server request failed');
      if (!response.headersSent) reply(500, JSON.stringify({ error: 'internal error' }));
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`health port ${options.host}:${options.port} of the ${options.role} is in use by another process (set ${options.role.toUpperCase()}_HEALTH_PORT)`)
          : error,
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  // A role must never stay up because of its health port.
  server.unref();
  options.logger.info({ host: options.host, port, paths: ['/healthz', '/readyz', '/metrics'] }, 'health server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
