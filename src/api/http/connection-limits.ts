// What one connection may hold of the server: the review found no idle-socket time-out and no
// connection cap, so slowloris clients (headers a byte at a time) and slow readers (a request, then
// nothing read) could each keep a socket, and its export slot, for as long as they liked.
// - headersTimeout: the request line and headers within HTTP_HEADERS_TIMEOUT_MS (then 408, closed);
// - requestTimeout: the whole request within HTTP_REQUEST_TIMEOUT_MS;
// - keepAliveTimeout: an idle kept-alive connection closes after HTTP_IDLE_TIMEOUT_MS;
// - socket timeout: a connection with no progress either way for HTTP_SOCKET_TIMEOUT_MS is
//   destroyed (a reader that stopped reading an answer);
// - maxConnections: beyond HTTP_MAX_CONNECTIONS open connections, new ones are closed at once.
import http, { type RequestListener, type Server } from 'node:http';
import type { Config } from '../../platform/config.ts';

export type ConnectionLimits = Pick<
  Config,
  'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_IDLE_TIMEOUT_MS' | 'HTTP_SOCKET_TIMEOUT_MS' | 'HTTP_MAX_CONNECTIONS'
>;

/** A Node HTTP server with these limits. */
export function createLimitedServer(handler: RequestListener, limits: ConnectionLimits): Server {
  const headersTimeout = Math.min(limits.HTTP_HEADERS_TIMEOUT_MS, limits.HTTP_REQUEST_TIMEOUT_MS);
  // Node enforces the header and request time-outs by a sweep every connectionsCheckingInterval
  // (30 s by default, which would let a slowloris client hold a socket that long): sweep often enough.
  const server = http.createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 2))) }, handler);
  return applyConnectionLimits(server, limits);
}

function applyConnectionLimits(server: Server, limits: ConnectionLimits): Server {
  server.requestTimeout = limits.HTTP_REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(limits.HTTP_HEADERS_TIMEOUT_MS, limits.HTTP_REQUEST_TIMEOUT_MS);
  server.keepAliveTimeout = limits.HTTP_IDLE_TIMEOUT_MS;
  server.setTimeout(limits.HTTP_SOCKET_TIMEOUT_MS);
  server.maxConnections = limits.HTTP_MAX_CONNECTIONS;
  return server;
}
