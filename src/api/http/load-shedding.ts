// Global load shedding. The per-user rate limit (DATA_RATE_LIMIT) stops one key from taking the
// server, but many keys each within their limit can still offer more than the process can do.
// Without shedding the requests then queue (in socket buffers, or in the clients' connection
// pools) and every answer gets slower without bound: measured, twice the sustainable rate for
// 5 s gave 3 to 14 s latencies that took as long again to drain.
//
// The signal is the event loop's delay: a timer due every `sampleMs` fires late by as long as
// the loop was busy, so the delay is how long a request that has just arrived waits before the
// server even reads it. Its minimum over a window (`windowMs`) is the standing queue: one GC
// pause or one heavy answer makes a single late sample, overload makes them all late. While the
// window minimum is above `maxDelayMs` the share of requests admitted is cut (x `decrease` per
// window, down to `minAdmitted`); once it is below, the share grows back (+`increase` per
// window). A request not admitted is answered at once, before routing, authentication or any
// parsing, with a fixed 503 problem and `Retry-After: 1`: a few microseconds instead of a full
// answer, so the work that is admitted finishes in bounded time and the server is back to
// admitting everything about half a second after the offered load drops. Health, readiness and
// metrics are never shed (an orchestrator must not restart or drain a server for being busy,
// and monitoring must see it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export interface LoadShedderOptions {
  /** Event loop delay (ms) that the window's minimum must stay under; 0 turns shedding off. */
  maxDelayMs: number;
  sampleMs?: number;
  windowMs?: number;
  /** Factor the admitted share is multiplied by after a window over the limit. */
  decrease?: number;
  /** Added to the admitted share after a window under the limit. */
  increase?: number;
  minAdmitted?: number;
  random?: () => number;
  /** Called once per shed request (metrics). */
  onShed?: () => void;
}

export interface LoadShedder {
  /** Answers with 503 and returns true when this request is shed. */
  shed(request: IncomingMessage, response: ServerResponse): boolean;
  /** The share of requests admitted now (1 = all), and the last window's least delay (ms). */
  state(): { admitted: number; delayMs: number };
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

function exempt(url: string | undefined): boolean {
  if (!url) return false;
  const query = url.indexOf('?');
  return EXEMPT.has(query < 0 ? url : url.slice(0, query));
}

/** The admission controller alone (no timer): fed one window minimum at a time. */
export function createAdmission({ maxDelayMs, decrease = 0.7, increase = 0.2, minAdmitted = 0.02 }: Pick<LoadShedderOptions, 'maxDelayMs' | 'decrease' | 'increase' | 'minAdmitted'>) {
  let admitted = 1;
  return {
    window(minDelayMs: number): number {
      admitted = minDelayMs > maxDelayMs ? Math.max(minAdmitted, admitted * decrease) : Math.min(1, admitted + increase);
      return admitted;
    },
    admitted: () => admitted,
  };
}

export function createLoadShedder(options: LoadShedderOptions): LoadShedder {
  const { maxDelayMs, sampleMs = 5, windowMs = 100, random = Math.random, onShed } = options;
  if (maxDelayMs <= 0) return { shed: () => false, state: () => ({ admitted: 1, delayMs: 0 }), close: () => {} };
  const admission = createAdmission(options);
  let lastWindowMin = 0;
  let windowMin = Infinity;
  let windowStart = performance.now();
  let expected = windowStart + sampleMs;
  const timer = setInterval(() => {
    const now = performance.now();
    windowMin = Math.min(windowMin, Math.max(0, now - expected));
    expected = now + sampleMs;
    if (now - windowStart >= windowMs) {
      admission.window(windowMin);
      lastWindowMin = windowMin;
      windowMin = Infinity;
      windowStart = now;
    }
  }, sampleMs);
  timer.unref();

  return {
    shed(request, response) {
      const admitted = admission.admitted();
      if (admitted >= 1 || random() < admitted || exempt(request.url)) return false;
      onShed?.();
      response.writeHead(503, HEADERS).end(BODY);
      return true;
    },
    state: () => ({ admitted: admission.admitted(), delayMs: lastWindowMin }),
    close: () => clearInterval(timer),
  };
}
