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
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
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
  metrics: RequestMetrics;
  /** True once the server is closing: answers then end their connection, which Fastify does. */
  closing: () => boolean;
}

/** The whole header set of a cached answer, built once per cached entry. */
interface WireHeaders {
  ok: OutgoingHttpHeaders;
  notModified: OutgoingHttpHeaders;
}

/** Answers the request and returns true, or returns false having written nothing. */
export type DirectAnswer = (request: IncomingMessage, response: ServerResponse) => boolean;

export function createDirectAnswer({ reply, apiKeys, limiter, metrics, closing }: DirectAnswerDeps): DirectAnswer {
  const wire = new WeakMap<CachedAnswer, WireHeaders>();
  const wireHeaders = (answer: CachedAnswer): WireHeaders => {
    let headers = wire.get(answer);
    if (!headers) {
      const notModified = { ...SECURITY_HEADERS, ...answer.headers };
      headers = { notModified, ok: { ...notModified, 'content-length': String(answer.body.length) } };
      wire.set(answer, headers);
    }
    return headers;
  };

  return (request, response) => {
    if (request.method !== 'GET' || closing()) return false;
    const started = performance.now();
    const key = request.headers['x-key'];
    if (typeof key !== 'string') return false;
    const userId = apiKeys.cachedUser(key);
    if (userId === undefined) return false;
    const found = rememberedAnswer(reply, { url: request.url!, accept: request.headers.accept, acceptEncoding: request.headers['accept-encoding'] });
    if (!found || !limiter.take(userId).allowed) return false;
    const { answer, route } = found;
    const headers = wireHeaders(answer);
    let status: number;
    if (etagMatches(request.headers['if-none-match'], answer.etag)) {
      status = 304;
      response.writeHead(status, headers.notModified).end();
    } else {
      status = 200;
      response.writeHead(status, headers.ok).end(answer.body);
    }
    metrics.observe('GET', route, status, (performance.now() - started) / 1000);
    return true;
  };
}
