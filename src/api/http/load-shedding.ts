// Global load shedding. The per-user rate limit (DATA_RATE_LIMIT) stops one key from taking the
// server, but many keys each within their limit can still offer more than the process can do;
// then requests queue in socket buffers, the event loop falls behind and every answer gets
// slower without bound (measured: 2x the sustainable rate for 5 s gave 14 s latencies that took
// 15 s to drain). So the server watches its own event loop: a timer due every `sampleMs` fires
// late by as long as the loop was busy, and while the last `samples` delays all exceed
// `maxDelayMs` the loop is not keeping up. New requests are then answered at once, before
// routing, authentication or any parsing, with a fixed 503 problem and `Retry-After: 1`: a few
// microseconds each instead of a full answer, so the work that was accepted finishes in bounded
// time and the server recovers as soon as the offered load drops. Health, readiness and metrics
// are never shed (an orchestrator must not restart or drain a server for being busy, and
// monitoring must see it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export interface LoadShedderOptions {
  /** Event loop delay (ms) above which requests are shed; 0 turns shedding off. */
  maxDelayMs: number;
  /** How often the delay is measured. */
  sampleMs?: number;
  /** Consecutive late samples needed to start shedding (one long GC pause is not overload). */
  samples?: number;
  /** Called once per shed request (metrics). */
  onShed?: () => void;
}

export interface LoadShedder {
  /** Answers the request with 503 and returns true when the server is overloaded (and the path may be shed). */
  shed(request: IncomingMessage, response: ServerResponse): boolean;
  /** The latest measured event loop delay, ms. */
  delayMs(): number;
  close(): void;
}

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

const BODY = Buffer.from(JSON.stringify(problemBody('unavailable', 'the server is overloaded; retry after the time in Retry-After')));

const HEADERS: Record<string, string | number> = {
  ...SECURITY_HEADERS,
  'content-type': PROBLEM_CONTENT_TYPE,
  'content-length': BODY.length,
  'cache-control': 'no-store',
  'retry-after': '1',
};

export function createLoadShedder({ maxDelayMs, sampleMs = 10, samples = 2, onShed }: LoadShedderOptions): LoadShedder {
  const recent: number[] = [];
  let latest = 0;
  let overloaded = false;
  let expected = performance.now() + sampleMs;
  const timer =
    maxDelayMs > 0
      ? setInterval(() => {
          const now = performance.now();
          latest = Math.max(0, now - expected);
          expected = now + sampleMs;
          recent.push(latest);
          if (recent.length > samples) recent.shift();
          overloaded = recent.length === samples && recent.every((delay) => delay > maxDelayMs);
        }, sampleMs)
      : undefined;
  timer?.unref();

  return {
    shed(request, response) {
      if (!overloaded) return false;
      const url = request.url ?? '/';
      const query = url.indexOf('?');
      if (EXEMPT.has(query < 0 ? url : url.slice(0, query))) return false;
      onShed?.();
      response.writeHead(503, HEADERS).end(BODY);
      return true;
    },
    delayMs: () => latest,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
