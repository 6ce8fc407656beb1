// A minimal ClickHouse HTTP client for the one query on the hot path: the data version, checked
// for every data request. @clickhouse/client waits for a timer before each request
// (`await sleep(0)` in its socket pool, at least 1 ms in Node), which at thousands of requests
// per second is most of the latency a request spends waiting for its check. This sends a plain
// keep-alive GET with no-delay sockets instead; everything else goes through the official client.
import http from 'node:http';

export interface ClickHouseProbe {
  /** Runs a read-only query and returns its TabSeparated text. */
  query(sql: string): Promise<string>;
}

/** A server-side error, with ClickHouse's numeric code (as @clickhouse/client reports it). */
export class ClickHouseServerError extends Error {
  override name = 'ClickHouseServerError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function createClickHouseProbe(url: string, timeoutMs: number): ClickHouseProbe {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username) || 'default';
  const password = decodeURIComponent(parsed.password);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const settings = `max_execution_time=${Math.max(1, Math.floor(timeoutMs / 1000))}`;

  return {
    query: (sql) =>
      new Promise<string>((resolve, reject) => {
        const request = http.request(
          {
            host: parsed.hostname,
            port: parsed.port || 8123,
            path: `/?${settings}&query=${encodeURIComponent(`${sql} FORMAT TabSeparated`)}`,
            agent,
            headers: { authorization },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString();
              if (response.statusCode === 200) return resolve(text);
              const code = String(response.headers['x-clickhouse-exception-code'] ?? /Code: (\d+)/.exec(text)?.[1] ?? '0');
              reject(new ClickHouseServerError(code, text.trim().slice(0, 500)));
            });
          },
        );
        request.on('socket', (socket) => socket.setNoDelay(true));
        request.setTimeout(timeoutMs, () => request.destroy(new Error(`ClickHouse did not answer within ${timeoutMs} ms`)));
        request.on('error', reject);
        request.end();
      }),
  };
}
