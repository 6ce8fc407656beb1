// HTTP/1.1 load generators on raw keep-alive sockets, for the API's reliability tests and
// benches: closed loop (N connections back to back) and open loop (a fixed arrival rate whatever
// the answers, on as many connections as it takes); both count every status and every socket
// error instead of failing, and summarize latency as percentiles.
import net from 'node:net';

export interface RequestSpec {
  path: string;
  /** Answers are also counted by tag (statusesByTag). */
  tag?: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadStats {
  /** Answers received. */
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<number, number>;
  statusesByTag: Record<string, Record<number, number>>;
  /** Sockets that failed or closed with a request unanswered (each such request counts once). */
  socketErrors: number;
  errorSamples: string[];
  /** Latency of every answer, ms (open loop: from the moment the request was due). */
  latency: Percentiles;
  byStatus: Record<number, Percentiles>;
  /** From the request's write to its answer's end, by status (open loop: without the wait for a connection). */
  serviceByStatus: Record<number, Percentiles>;
  /** Per second of the run: answers, p99, error statuses. */
  timeline: { second: number; answers: number; p99: number; errors: number }[];
  /** 4xx/5xx answers without a problem+json content type, or 429/503 without Retry-After. */
  contractViolations: string[];
  /** Open loop: requests sent, and requests that were due but never sent (client at its connection cap). */
  sent: number;
  notSent: number;
  /** Open loop: most connections open at once. */
  peakConnections: number;
  /** Open loop: requests dropped unanswered `abandonAfterMs` after the end. */
  abandoned?: number;
  /** Latency by request tag (RequestSpec.tag). */
  latencyByTag: Record<string, Percentiles>;
  /** The largest body received, by status (bytes as sent: the generators ask for no compression). */
  maxBytesByStatus: Record<number, number>;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
}

const CRLF2 = Buffer.from('\r\n\r\n');

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  /** Body bytes as sent (chunked: the chunks' data only). */
  bytes: number;
}

/** Reads HTTP/1.1 answers off one connection (Content-Length or chunked; bodies counted, not kept). */
class AnswerReader {
  #buffer: Buffer = Buffer.alloc(0);
  #head: Answer | null = null;
  #bodyLeft = 0;
  #chunked = false;

  /** Feeds a chunk; returns every answer it completed. */
  push(chunk: Buffer): Answer[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const done: Answer[] = [];
    for (;;) {
      const answer = this.#advance();
      if (!answer) return done;
      done.push(answer);
    }
  }

  #advance(): Answer | null {
    if (!this.#head) {
      const end = this.#buffer.indexOf(CRLF2);
      if (end < 0) return null;
      const head = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 4);
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      this.#chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      this.#bodyLeft = length ? Number(length[1]) : 0;
      this.#head = {
        status,
        contentType: status >= 400 ? (/\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '') : '',
        retryAfter: status >= 400 ? /\r\nretry-after: *([^\r]*)/i.exec(head)?.[1] : undefined,
        bytes: this.#chunked ? 0 : this.#bodyLeft,
      };
    }
    if (!this.#chunked) {
      const take = Math.min(this.#bodyLeft, this.#buffer.length);
      this.#bodyLeft -= take;
      this.#buffer = this.#buffer.subarray(take);
      if (this.#bodyLeft > 0) return null;
    } else {
      for (;;) {
        // The rest of the current chunk (its data and CRLF) is consumed as it comes, not waited
        // for whole: a multi-megabyte chunk would otherwise be copied again with every read.
        if (this.#bodyLeft > 0) {
          const take = Math.min(this.#bodyLeft, this.#buffer.length);
          this.#bodyLeft -= take;
          this.#buffer = this.#buffer.subarray(take);
          if (this.#bodyLeft > 0) return null;
          continue;
        }
        const lineEnd = this.#buffer.indexOf('\r\n');
        if (lineEnd < 0) return null;
        const size = parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
        if (size === 0) {
          if (this.#buffer.length < lineEnd + 4) return null;
          this.#buffer = this.#buffer.subarray(lineEnd + 4);
          break;
        }
        this.#buffer = this.#buffer.subarray(lineEnd + 2);
        this.#head.bytes += size;
        this.#bodyLeft = size + 2;
      }
    }
    const answer = this.#head;
    this.#head = null;
    return answer;
  }
}

function encodeRequest({ path, headers = {}, method = 'GET', body }: RequestSpec): string {
  let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return `${head}\r\n${body ?? ''}`;
}

/** Collects answers and errors for both generators. */
class Recorder {
  started = performance.now();

  restart(): void {
    this.started = performance.now();
  }

  readonly latencies: number[] = [];
  readonly byStatus = new Map<number, number[]>();
  readonly serviceByStatus = new Map<number, number[]>();
  readonly statuses: Record<number, number> = {};
  readonly statusesByTag: Record<string, Record<number, number>> = {};
  readonly perSecond: { latencies: number[]; errors: number }[] = [];
  readonly violations: string[] = [];
  readonly errorSamples: string[] = [];
  readonly maxBytes: Record<number, number> = {};
  readonly tagLatencies = new Map<string, number[]>();
  socketErrors = 0;

  answer(answer: Answer, latencyMs: number, spec: RequestSpec, serviceMs = latencyMs): void {
    const path = spec.path;
    if (spec.tag) {
      const byTag = (this.statusesByTag[spec.tag] ??= {});
      byTag[answer.status] = (byTag[answer.status] ?? 0) + 1;
      let tagged = this.tagLatencies.get(spec.tag);
      if (!tagged) this.tagLatencies.set(spec.tag, (tagged = []));
      tagged.push(latencyMs);
    }
    this.latencies.push(latencyMs);
    let list = this.byStatus.get(answer.status);
    if (!list) this.byStatus.set(answer.status, (list = []));
    list.push(latencyMs);
    let service = this.serviceByStatus.get(answer.status);
    if (!service) this.serviceByStatus.set(answer.status, (service = []));
    service.push(serviceMs);
    this.statuses[answer.status] = (this.statuses[answer.status] ?? 0) + 1;
    this.maxBytes[answer.status] = Math.max(this.maxBytes[answer.status] ?? 0, answer.bytes);
    const second = Math.floor((performance.now() - this.started) / 1_000);
    while (this.perSecond.length <= second) this.perSecond.push({ latencies: [], errors: 0 });
    const bucket = this.perSecond[second]!;
    bucket.latencies.push(latencyMs);
    if (answer.status >= 500) bucket.errors++;
    if (answer.status >= 400 && this.violations.length < 20) {
      if (!answer.contentType.startsWith('application/problem+json')) this.violations.push(`${answer.status} ${path}: content-type ${answer.contentType}`);
      if ((answer.status === 429 || answer.status === 503) && !answer.retryAfter) this.violations.push(`${answer.status} ${path}: no Retry-After`);
    }
  }

  socketError(message: string): void {
    this.socketErrors++;
    if (this.errorSamples.length < 10) this.errorSamples.push(message);
  }

  result(extra: Partial<LoadStats> = {}): LoadStats {
    const seconds = (performance.now() - this.started) / 1_000;
    return {
      requests: this.latencies.length,
      seconds,
      perSecond: this.latencies.length / seconds,
      statuses: this.statuses,
      statusesByTag: this.statusesByTag,
      socketErrors: this.socketErrors,
      errorSamples: this.errorSamples,
      latency: percentiles(this.latencies),
      byStatus: Object.fromEntries([...this.byStatus].map(([status, values]) => [status, percentiles(values)])),
      serviceByStatus: Object.fromEntries([...this.serviceByStatus].map(([status, values]) => [status, percentiles(values)])),
      timeline: this.perSecond.map((b, second) => ({ second, answers: b.latencies.length, p99: percentiles(b.latencies).p99, errors: b.errors })),
      contractViolations: this.violations,
      sent: this.latencies.length,
      notSent: 0,
      peakConnections: 0,
      maxBytesByStatus: this.maxBytes,
      latencyByTag: Object.fromEntries([...this.tagLatencies].map(([tag, values]) => [tag, percentiles(values)])),
      ...extra,
    };
  }
}

export interface ClosedLoadOptions {
  port: number;
  connections: number;
  durationMs: number;
  /** Request i of connection c. */
  request: (connection: number, i: number) => RequestSpec;
  /** Local address to connect from (127.0.0.0/8 is all loopback: a different client address per connection). */
  localAddress?: (connection: number) => string;
}

/** N connections, each sending its next request as soon as the previous answer arrived. */
export async function closedLoad(options: ClosedLoadOptions): Promise<LoadStats> {
  const recorder = new Recorder();
  const deadline = recorder.started + options.durationMs;
  const connection = (index: number) =>
    new Promise<void>((resolve) => {
      const local = options.localAddress?.(index);
      const socket = net.connect({ port: options.port, host: '127.0.0.1', ...(local ? { localAddress: local } : {}) });
      socket.setNoDelay(true);
      const reader = new AnswerReader();
      let i = 0;
      let sentAt = 0;
      let spec: RequestSpec = { path: '' };
      let waiting = false;
      const send = () => {
        spec = options.request(index, i++);
        sentAt = performance.now();
        waiting = true;
        socket.write(encodeRequest(spec));
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        for (const answer of reader.push(chunk)) {
          const now = performance.now();
          waiting = false;
          recorder.answer(answer, now - sentAt, spec);
          if (now < deadline) send();
          else socket.end();
        }
      });
      socket.on('error', (error) => {
        if (waiting) recorder.socketError(`${spec.path}: ${error.message}`);
        waiting = false;
      });
      socket.on('close', () => {
        if (waiting) recorder.socketError(`${spec.path}: connection closed before the answer`);
        resolve();
      });
    });
  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  return recorder.result();
}

export interface OpenLoadOptions {
  port: number;
  /** Requests per second, sent on schedule whether or not earlier ones were answered. */
  rate: number;
  durationMs: number;
  request: (i: number) => RequestSpec;
  /** Most connections open at once; a request due when all are busy waits for one (its latency counts from when it was due). */
  maxConnections?: number;
  /** Connections opened before the clock starts (so the start is not a burst of handshakes). */
  warmConnections?: number;
  /** One new connection per request, closed after its answer (many clients rather than a pool). */
  connectionPerRequest?: boolean;
  /** Local address of connection n (127.0.0.0/8 is all loopback: as many client addresses as wanted). */
  localAddress?: (connection: number) => string;
  /** This long after the end, requests still unanswered are dropped with their connections (counted in `abandoned`). */
  abandonAfterMs?: number;
}

/**
 * Open loop: requests arrive at `rate` per second (like independent clients), each on an idle
 * keep-alive connection or a new one. Latency is measured from the moment a request was due, so
 * time spent waiting for a connection counts (no coordinated omission).
 */
export async function openLoad(options: OpenLoadOptions): Promise<LoadStats> {
  const recorder = new Recorder();
  const maxConnections = options.maxConnections ?? 1_000;
  const idle: Conn[] = [];
  const queue: { spec: RequestSpec; dueAt: number; sentAt: number }[] = [];
  let open = 0;
  let peak = 0;
  let sent = 0;
  let issued = 0;
  let finished = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let inFlight = 0;
  let abandoned = 0;
  const conns = new Set<Conn>();

  interface Conn {
    socket: net.Socket;
    current: { spec: RequestSpec; dueAt: number; sentAt: number } | null;
  }

  const checkDone = () => {
    if (finished && inFlight === 0 && queue.length === 0) resolveDone();
  };

  let connections = 0;
  const dispatch = (conn: Conn) => {
    if (conn.current && options.connectionPerRequest) {
      conn.current = null;
      conn.socket.end();
      checkDone();
      return;
    }
    const next = queue.shift();
    if (!next) {
      conn.current = null;
      if (finished) conn.socket.end();
      else idle.push(conn);
      checkDone();
      return;
    }
    conn.current = next;
    next.sentAt = performance.now();
    sent++;
    conn.socket.write(encodeRequest(next.spec));
  };

  const openConnection = (onConnect?: () => void) => {
    open++;
    peak = Math.max(peak, open);
    const local = options.localAddress?.(connections++);
    const socket = net.connect({ port: options.port, host: '127.0.0.1', ...(local ? { localAddress: local } : {}) });
    socket.setNoDelay(true);
    const conn: Conn = { socket, current: null };
    conns.add(conn);
    const reader = new AnswerReader();
    socket.on('connect', () => {
      if (onConnect) {
        idle.push(conn);
        onConnect();
      } else dispatch(conn);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const answer of reader.push(chunk)) {
        if (!conn.current) continue;
        const now = performance.now();
        recorder.answer(answer, now - conn.current.dueAt, conn.current.spec, now - conn.current.sentAt);
        inFlight--;
        dispatch(conn);
      }
    });
    const fail = (message: string) => {
      if (conn.current) {
        recorder.socketError(`${conn.current.spec.path}: ${message}`);
        conn.current = null;
        inFlight--;
      }
    };
    socket.on('error', (error) => fail(error.message));
    socket.on('close', () => {
      fail('connection closed before the answer');
      open--;
      conns.delete(conn);
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      // Requests still waiting get a connection of their own.
      if (queue.length > 0 && open < maxConnections) openConnection();
      checkDone();
    });
  };

  if (options.warmConnections) {
    await new Promise<void>((resolve) => {
      let connected = 0;
      for (let i = 0; i < options.warmConnections!; i++) openConnection(() => ++connected === options.warmConnections && resolve());
    });
  }
  recorder.restart();
  const started = recorder.started;
  const total = Math.ceil((options.durationMs / 1_000) * options.rate);
  const tick = () => {
    const now = performance.now();
    // Request i is due at i / rate s: issue every request whose moment has come, and no later
    // (counting those *past* their moment issued each one a whole interval late, and that interval
    // was measured as latency: 10 ms at 100/s).
    const elapsed = Math.min(now, started + options.durationMs) - started;
    const due = Math.min(Math.floor((elapsed / 1_000) * options.rate) + 1, total);
    while (issued < due) {
      const dueAt = started + (issued / options.rate) * 1_000;
      queue.push({ spec: options.request(issued), dueAt, sentAt: dueAt });
      issued++;
      inFlight++;
      const conn = idle.pop();
      if (conn) dispatch(conn);
      else if (open < maxConnections) openConnection();
    }
    if (now >= started + options.durationMs) {
      finished = true;
      clearInterval(timer);
      for (const conn of idle.splice(0)) conn.socket.end();
      if (options.abandonAfterMs !== undefined) {
        setTimeout(() => {
          abandoned += queue.length;
          inFlight -= queue.length;
          queue.length = 0;
          for (const conn of conns) {
            if (!conn.current) continue;
            conn.current = null;
            abandoned++;
            inFlight--;
            conn.socket.destroy();
          }
          checkDone();
        }, options.abandonAfterMs).unref();
      }
      checkDone();
    }
  };
  const timer = setInterval(tick, 1);
  await done;
  return recorder.result({ sent, notSent: issued - sent, peakConnections: peak, abandoned });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
}

export const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 0)} ms` : '–');

export function describeLoad(stats: LoadStats): string {
  const statuses = Object.entries(stats.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return (
    `${Math.round(stats.perSecond)} answers/s over ${stats.seconds.toFixed(1)} s (${statuses}${stats.socketErrors ? `, ${stats.socketErrors} socket errors` : ''}), ` +
    `p50 ${ms(stats.latency.p50)}, p99 ${ms(stats.latency.p99)}, max ${ms(stats.latency.max)}` +
    (stats.peakConnections ? `, peak ${stats.peakConnections} connections, ${stats.notSent} not sent` : '')
  );
}
