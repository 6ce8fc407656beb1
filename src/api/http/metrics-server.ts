// /metrics on its own loopback port (METRICS_PORT): scrapers on the machine (or a sidecar) read
// them, the public port does not serve them at all. Still behind METRICS_TOKEN when one is set.
import http from 'node:http';
import type { Registry } from 'prom-client';
import { metricsAuthorized } from './metrics-access.ts';

export function createMetricsServer(registry: Registry, token: string | undefined): http.Server {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!metricsAuthorized(request.headers.authorization, token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  // Nothing but a scrape comes here: short time-outs, few connections.
  server.headersTimeout = 5_000;
  server.requestTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 16;
  return server;
}
