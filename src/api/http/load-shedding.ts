// Global load shedding. The per-user rate limit (DATA_RATE_LIMIT) stops one key from taking the
// server, but many keys each within their limit can still offer more than the machine can do.
// Without shedding the requests then queue (in socket buffers, in the server waiting for CPU or
// for the shared data version check, or in the clients' connection pools) and every answer gets
// slower without bound: measured, twice the sustainable rate for 5 s gave 3 to 14 s latencies
// that took as long again to drain.
//
// The signal is the server's own latency, from a request's arrival to its answer's end, over the
// answers of known length below 500 other than 429 (client errors cost routing, authentication
// and validation and wait in the same queue, so a flood of bad requests counts like any other;
// a 429 is the rate limiter's own brake and a 5xx a failing store; streamed exports are long by
// nature). When more than half of those
// finished in a window (`windowMs`) took longer than `overloadMs`, and that for two windows in a
// row (one slow window is a stall: a GC pause, the process descheduled), while at least
// `minInFlight` requests were in progress at once (fewer cannot make a queue: slow answers at low
// concurrency are a slow store or a busy machine, and refusing work would not speed them up),
// requests are waiting in a standing queue: the share of requests admitted is cut (x `decrease` per such window, down to
// `minAdmitted`); after a window under the mark it grows back (+`increase`). A median, not a
// maximum: one slow answer (a cold cache after new data, a slow store call) is not overload.
// Windows with fewer than `minAnswers` such answers never cut (they let the share grow back): at a
// few requests a second a slow answer is a slow store, not a queue, and shedding would not help. A request not admitted
// is answered at once, before routing, authentication or any parsing, with a fixed 503 problem
// and `Retry-After: 1` (a few microseconds instead of a full answer), so the admitted work
// finishes in bounded time; once the offered load drops the share is back to 1 within about a
// second. Health and readiness are never shed (an orchestrator must not restart or drain a server
// for being busy; both cost no store work); metrics are (scrapes are retried, and a metrics
// flood must not be the one way past the shedder).
//
// The floor (`minAdmitted`, 10%) is there because refusing is cheap but not free: with the
// excess answered 503 the event loop may still be too busy to bring the latency under the mark,
// and cutting further would only lower the goodput without making anything faster.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

export interface AdmissionOptions {
  /** Latency (ms) the median successful answer of a window must stay under; 0 turns shedding off. */
  overloadMs: number;
  windowMs?: number;
  minAnswers?: number;
  /** Least number of requests in progress at once during a window for it to count as a queue. */
  minInFlight?: number;
  /** Factor the admitted share is multiplied by after a window over the mark. */
  decrease?: number;
  /** Added to the admitted share after a window under the mark. */
  increase?: number;
  minAdmitted?: number;
}

export interface LoadShedderOptions extends AdmissionOptions {
  random?: () => number;
  now?: () => number;
  /** Called once per shed request (metrics). */
  onShed?: () => void;
}

export interface LoadShedder {
  /** Answers with 503 and returns true when this request is shed; else times its answer (admit + track). */
  shed(request: IncomingMessage, response: ServerResponse): boolean;
  /**
   * The parts of `shed`, for a server that reads the time once per request (`arrived`, of the
   * shedder's clock): answers with 503 and returns false when this request is shed.
   */
  admit(request: IncomingMessage, response: ServerResponse, arrived: number): boolean;
  /** An admitted request whose answer ends later: timed until its response closes. */
  track(request: IncomingMessage, response: ServerResponse, arrived: number): void;
  /**
   * An admitted request answered synchronously (the direct path, http/direct-answer.ts): counted
   * in progress and answered at once, `ended` the time its answer was written; no listener.
   */
  answered(arrived: number, ended: number): void;
  /** The share of requests admitted now (1 = all). */
  admitted(): number;
}

// /readyz answers from a cached probe (services/readiness.ts); /metrics is shed like the rest.
const EXEMPT = new Set(['/healthz', '/readyz']);

const BODY = Buffer.from(JSON.stringify(problemBody('unavailable', 'the server is overloaded; retry after the time in Retry-After')));

const HEADERS: Record<string, string | number> = {
  ...SECURITY_HEADERS,
  'content-type': PROBLEM_CONTENT_TYPE,
  'content-length': BODY.length,
  'cache-control': 'no-store',
  'retry-after': '1',
};

function exempt(url: string | undefined): boolean {
  // Most URLs are neither: a prefix test first, so they cost no slice (run on every request).
  if (!url || !(url.startsWith('/healthz') || url.startsWith('/readyz'))) return false;
  const query = url.indexOf('?');
  return EXEMPT.has(query < 0 ? url : url.slice(0, query));
}

/** The admission controller alone: fed answers' latencies, it says which share to admit. */
export function createAdmission(
  { overloadMs, windowMs = 100, minAnswers = 20, minInFlight = 64, decrease = 0.7, increase = 0.1, minAdmitted = 0.1 }: AdmissionOptions,
  start: number,
) {
  let admitted = 1;
  let windowStart = start;
  let answers = 0;
  let slow = 0;
  let slowWindows = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  const roll = (now: number) => {
    if (now - windowStart < windowMs) return;
    if (answers >= minAnswers) {
      // One slow window is a stall (a GC pause, the process descheduled); two in a row are a queue.
      slowWindows = slow * 2 > answers && peakInFlight >= minInFlight ? slowWindows + 1 : 0;
      if (slowWindows >= 2) admitted = Math.max(minAdmitted, admitted * decrease);
      else if (slowWindows === 0) admitted = Math.min(1, admitted + increase);
    } else if (admitted < 1) {
      // Too few answers to judge (the clients backed off, or everything was shed): probe upwards.
      admitted = Math.min(1, admitted + increase);
    }
    windowStart = now;
    answers = 0;
    slow = 0;
    peakInFlight = inFlight;
  };

  return {
    /** The share to admit at `now`. */
    admitted(now: number): number {
      roll(now);
      return admitted;
    },
    answered(now: number, latencyMs: number): void {
      roll(now);
      answers++;
      if (latencyMs > overloadMs) slow++;
    },
    started(): void {
      inFlight++;
      if (inFlight > peakInFlight) peakInFlight = inFlight;
    },
    ended(): void {
      inFlight--;
    },
  };
}

/** A response as its 'close' listener sees it (chunkedEncoding: Node's own, undocumented flag). */
type TimedResponse = ServerResponse & { chunkedEncoding?: boolean };

export function createLoadShedder(options: LoadShedderOptions): LoadShedder {
  const { overloadMs, random = Math.random, now = () => performance.now(), onShed } = options;
  if (overloadMs <= 0) return { shed: () => false, admit: () => true, track: () => {}, answered: () => {}, admitted: () => 1 };
  const admission = createAdmission(options, now());
  // When each tracked request arrived, beside its response rather than on it: a property added
  // to some responses only (not the direct answers') would give Node's own code two shapes of
  // ServerResponse to handle. One shared listener, no closure per request.
  const arrivals = new WeakMap<ServerResponse, number>();

  // 'close' comes once per response, right after 'finish' for a complete answer and alone for
  // one cut short (the client went away), which is not counted.
  function closed(this: TimedResponse) {
    admission.ended();
    // chunkedEncoding: Node's own flag for a body of unknown length (a streamed export).
    const status = this.statusCode;
    if (this.writableFinished && status < 500 && status !== 429 && !this.chunkedEncoding) {
      const end = now();
      admission.answered(end, end - arrivals.get(this)!);
    }
  }

  // Exempt requests are neither shed nor timed.
  const admit = (request: IncomingMessage, response: ServerResponse, arrived: number): boolean => {
    if (exempt(request.url)) return true;
    const share = admission.admitted(arrived);
    if (share < 1 && random() >= share) {
      onShed?.();
      response.writeHead(503, HEADERS).end(BODY);
      return false;
    }
    return true;
  };
  const track = (request: IncomingMessage, response: ServerResponse, arrived: number): void => {
    if (exempt(request.url)) return;
    admission.started();
    arrivals.set(response, arrived);
    response.on('close', closed);
  };

  return {
    shed(request, response) {
      const arrived = now();
      if (!admit(request, response, arrived)) return true;
      track(request, response, arrived);
      return false;
    },
    admit,
    track,
    answered(arrived, ended) {
      admission.started();
      admission.ended();
      admission.answered(ended, ended - arrived);
    },
    admitted: () => admission.admitted(now()),
  };
}
