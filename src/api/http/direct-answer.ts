// A repeated data request answered by the Node server itself, before Fastify sees it. The profile
// of cached answers (docs/benchmarks.md, issue 9) showed Fastify's per-request work (request and
// reply objects, routing, the child logger, five hooks, header bookkeeping) costing more than the
// answer itself; a cached answer needs none of it.
//
// It answers only what the full path would answer the same way, from the same caches: a GET of
// a URL that passed validation before (the fast path's memory, http/data-reply.ts), an answer
// cached for the current data version, a key live in the key cache, and a rate limit not
// exceeded. Anything else (no key, an unknown or expired key, a new URL, new data, a refused
// rate limit, a server closing) returns false and goes to Fastify, which checks, refuses or
// produces as always; a refused rate limit is refused again there (a refusal takes no token), so
// the 429 answer is Fastify's. The headers are those the full path sends (the security headers,
// the answer's own, the length), the 304 rules are the same function's, and the request is
// counted in the same metrics under the same route. Errors cannot happen here: nothing is read
// or parsed but the headers Node already parsed.
//
// Per request it reads the time twice: the server's reading at arrival is passed in (the load
// shedder's), the key cache and the rate limiter share one reading of their clock, and one more
// at the end gives the duration; the metrics series of each route and status is looked up once.
import type { TimeSource } from '../../platform/clock.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyService } from '../services/api-key.service.ts';
import type { RateLimiter } from '../services/rate-limiter.ts';
import { etagMatches, rememberedAnswer, type CachedAnswer, type DataReplyDeps } from './data-reply.ts';
import type { RequestMetrics } from './metrics.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export interface DirectAnswerDeps {
  reply: DataReplyDeps;
  apiKeys: Pick<ApiKeyService, 'cachedUser'>;
  /** The same per-key limiter the full path's key check takes from. */
  limiter: RateLimiter;
  /** The clock of the key cache and the limiter. */
  clock: TimeSource;
  metrics: RequestMetrics;
  /** True once the server is closing: answers then end their connection, which Fastify does. */
  closing: () => boolean;
}

/** The whole header set of a cached answer, built once per cached entry. */
// As flat [name, value, ...] lists, which writeHead walks by index: the same bytes as an object,
// whose keys it enumerates with for...in and a hasOwn check each (a few hundred ns a request).
interface WireHeaders {
  ok: string[];
  notModified: string[];
}

/**
 * Answers the request and returns the time (performance.now()) its answer was written, or
 * returns -1 having written nothing. `arrived`: performance.now() when the request came.
 */
export type DirectAnswer = (request: IncomingMessage, response: ServerResponse, arrived: number) => number;

/** Not answered here: the request goes on to Fastify. */
export const NOT_ANSWERED = -1;

/** The bound metrics observers of one route (http/metrics.ts `bind`), made on its first answer. */
interface RouteSeries {
  ok: (seconds: number) => void;
  notModified: (seconds: number) => void;
}

export function createDirectAnswer({ reply, apiKeys, limiter, clock, metrics, closing }: DirectAnswerDeps): DirectAnswer {
  const wire = new WeakMap<CachedAnswer, WireHeaders>();
  const wireHeaders = (answer: CachedAnswer): WireHeaders => {
    let headers = wire.get(answer);
    if (!headers) {
      // An object first: an answer's own header replaces a security header of the same name.
      const notModified = Object.entries({ ...SECURITY_HEADERS, ...answer.headers }).flat();
      headers = { notModified, ok: [...notModified, 'content-length', String(answer.body.length)] };
      wire.set(answer, headers);
    }
    return headers;
  };

  const seriesByRoute = new Map<string, RouteSeries>();
  const seriesOf = (route: string): RouteSeries => {
    let series = seriesByRoute.get(route);
    if (!series) {
      series = { ok: metrics.bind('GET', route, 200), notModified: metrics.bind('GET', route, 304) };
      seriesByRoute.set(route, series);
    }
    return series;
  };

  return (request, response, arrived) => {
    if (request.method !== 'GET' || closing()) return NOT_ANSWERED;
    const requestHeaders = request.headers;
    const key = requestHeaders['x-key'];
    if (typeof key !== 'string') return NOT_ANSWERED;
    const now = clock.now();
    const userId = apiKeys.cachedUser(key, now);
    if (userId === undefined) return NOT_ANSWERED;
    const found = rememberedAnswer(reply, { url: request.url!, accept: requestHeaders.accept, acceptEncoding: requestHeaders['accept-encoding'] });
    if (!found || !limiter.take(userId, now).allowed) return NOT_ANSWERED;
    const { answer, route } = found;
    const headers = wireHeaders(answer);
    const series = seriesOf(route);
    if (etagMatches(requestHeaders['if-none-match'], answer.etag)) {
      response.writeHead(304, headers.notModified).end();
      const ended = performance.now();
      series.notModified((ended - arrived) / 1000);
      return ended;
    }
    response.writeHead(200, headers.ok).end(answer.body);
    const ended = performance.now();
    series.ok((ended - arrived) / 1000);
    return ended;
  };
}
