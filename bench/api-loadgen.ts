// A small closed-loop HTTP/1.1 load generator on raw keep-alive sockets (no dependency): each
// connection sends a request, reads the whole answer (Content-Length or chunked), records the
// latency and sends the next, until the duration is over. Parsing is minimal (headers only;
// bodies are counted, not decoded), so the generator costs little CPU next to the server.
import net from 'node:net';

export interface LoadOptions {
  port: number;
  host?: string;
  connections: number;
  durationMs: number;
  /** Request i of connection c: a path and headers. */
  request: (connection: number, i: number) => { path: string; headers?: Record<string, string> };
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  bytes: number;
  statuses: Record<number, number>;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Reads one response from a stream of chunks; returns [status, bytes consumed] or null. */
class ResponseReader {
  #buffer: Buffer = Buffer.alloc(0);
  #status = 0;
  #bodyLeft = -1; // content-length mode
  #chunked = false;
  #headerDone = false;
  bodyBytes = 0;

  push(chunk: Buffer): boolean {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    return this.#advance();
  }

  get status(): number {
    return this.#status;
  }

  reset(): void {
    this.#status = 0;
    this.#bodyLeft = -1;
    this.#chunked = false;
    this.#headerDone = false;
    this.bodyBytes = 0;
  }

  /** True when a whole response was read (the rest stays buffered). */
  #advance(): boolean {
    if (!this.#headerDone) {
      const end = this.#buffer.indexOf(CRLF2);
      if (end < 0) return false;
      const head = this.#buffer.subarray(0, end).toString('latin1');
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      this.#chunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      this.#bodyLeft = length ? Number(length[1]) : this.#chunked ? -1 : 0;
      this.#headerDone = true;
    }
    if (!this.#chunked) {
      const take = Math.min(this.#bodyLeft, this.#buffer.length);
      this.#bodyLeft -= take;
      this.bodyBytes += take;
      this.#buffer = this.#buffer.subarray(take);
      return this.#bodyLeft === 0;
    }
    for (;;) {
      const lineEnd = this.#buffer.indexOf('\r\n');
      if (lineEnd < 0) return false;
      const size = parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        if (this.#buffer.length < lineEnd + 4) return false;
        this.#buffer = this.#buffer.subarray(lineEnd + 4);
        return true;
      }
      if (this.#buffer.length < lineEnd + 2 + size + 2) return false;
      this.bodyBytes += size;
      this.#buffer = this.#buffer.subarray(lineEnd + 2 + size + 2);
    }
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const host = options.host ?? '127.0.0.1';
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let bytes = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const connection = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(options.port, host);
      socket.setNoDelay(true);
      const reader = new ResponseReader();
      let i = 0;
      let sentAt = 0;
      const send = () => {
        const { path, headers = {} } = options.request(index, i++);
        let head = `GET ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
        for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
        sentAt = performance.now();
        socket.write(`${head}\r\n`);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        if (!reader.push(chunk)) return;
        const now = performance.now();
        latencies.push(now - sentAt);
        statuses[reader.status] = (statuses[reader.status] ?? 0) + 1;
        bytes += reader.bodyBytes;
        reader.reset();
        if (now < deadline) send();
        else socket.end();
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });

  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    bytes,
    statuses,
    latencyMs: {
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      p999: at(0.999),
      max: sorted[sorted.length - 1] ?? NaN,
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
  };
}
