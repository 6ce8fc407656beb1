// What one connection may hold of the server: the review found no idle-socket time-out and no
// connection cap, so slowloris clients (headers a byte at a time) and slow readers (a request, then
// nothing read) could each keep a socket, and its export slot, for as long as they liked.
// - headersTimeout: the request line and headers within HTTP_HEADERS_TIMEOUT_MS (then 408, closed);
// - requestTimeout: the whole request within HTTP_REQUEST_TIMEOUT_MS;
// - keepAliveTimeout: an idle kept-alive connection closes after HTTP_IDLE_TIMEOUT_MS;
// - socket timeout: a connection with no progress either way for HTTP_SOCKET_TIMEOUT_MS is
//   destroyed (a reader that stopped reading an answer); found by a sweep, like the two above,
//   rather than by Node's socket time-out, which re-arms a timer on every read and write of
//   every socket (3.6 % of a cached answer's CPU under load: docs/benchmarks.md);
// - maxConnections: beyond HTTP_MAX_CONNECTIONS open connections, new ones are closed at once.
import http, { type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
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
  sweepStalledSockets(server, limits.HTTP_SOCKET_TIMEOUT_MS);
  server.maxConnections = limits.HTTP_MAX_CONNECTIONS;
  return server;
}

/**
 * Destroys a connection that made no progress for `timeoutMs`: no byte read, no byte of its
 * answer taken by the kernel (bytesWritten counts what is still queued, writableLength takes it
 * off again). Checked every second at most, so a stalled socket goes after timeoutMs plus up to
 * one sweep.
 */
export function sweepStalledSockets(server: Server, timeoutMs: number): void {
  const sockets = new Map<Socket, { progress: number; since: number }>();
  const progressOf = (socket: Socket) => socket.bytesRead + (socket.bytesWritten ?? 0) - socket.writableLength;
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { progress: progressOf(socket), since: Date.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [socket, seen] of sockets) {
        const progress = progressOf(socket);
        if (progress !== seen.progress) {
          seen.progress = progress;
          seen.since = now;
        } else if (now - seen.since >= timeoutMs) socket.destroy();
      }
    },
    Math.max(100, Math.min(1_000, Math.floor(timeoutMs / 2))),
  ).unref();
  server.once('close', () => clearInterval(sweep));
}
