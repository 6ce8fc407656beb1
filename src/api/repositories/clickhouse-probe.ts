// A minimal ClickHouse HTTP client for the small, frequent query of the data version's safety
// check (services/data-version-sync.ts). @clickhouse/client waits for a timer before each
// request (`await sleep(0)` in its socket pool, at least 1 ms in Node); this sends a plain
// keep-alive GET with no-delay sockets instead; everything else goes through the official client.
//
// It follows the client's connection rules exactly: `https://` URLs use TLS (so credentials
// never travel in clear), the port is the URL's or else the protocol's default (80, 443: the
// client does not assume 8123 either), and a path in the URL (a proxy prefix) is kept. With
// several URLs (replicas) it fails over between them as the client does (platform/clickhouse.ts).
import http from 'node:http';
import https from 'node:https';
import { clickhouseUrls, onLiveReplica } from '../../platform/clickhouse.ts';
import { ReplicaSet } from '../../platform/clickhouse-replicas.ts';

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

export interface ClickHouseProbeOptions {
  /** Extra trusted CA certificates for `https://` (as @clickhouse/client's `tls.ca_cert`). */
  caCert?: string | Buffer;
}

export function createClickHouseProbe(url: string, timeoutMs: number, options: ClickHouseProbeOptions = {}): ClickHouseProbe {
  const replicas = clickhouseUrls(url).map((one) => createOneProbe(one, timeoutMs, options));
  if (replicas.length === 1) return replicas[0]!;
  const set = new ReplicaSet(replicas.length);
  return { query: (sql) => onLiveReplica(set, Date.now, (i) => replicas[i]!.query(sql)) };
}

function createOneProbe(url: string, timeoutMs: number, options: ClickHouseProbeOptions): ClickHouseProbe {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username) || 'default';
  const password = decodeURIComponent(parsed.password);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:') throw new Error(`ClickHouse URL must be http:// or https://, not ${parsed.protocol}`);
  const transport = secure ? https : http;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 4, ...(options.caCert ? { ca: options.caCert } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 4 });
  // No settings: the user's profile holds them (readonly=1 refuses any a query would change).
  const pathPrefix = parsed.pathname.replace(/\/$/, '');

  return {
    query: (sql) =>
      new Promise<string>((resolve, reject) => {
        const request = transport.request(
          {
            protocol: parsed.protocol,
            host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: parsed.port || (secure ? 443 : 80),
            path: `${pathPrefix}/?query=${encodeURIComponent(`${sql} FORMAT TabSeparated`)}`,
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
