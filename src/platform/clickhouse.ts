// ClickHouse access over HTTP. The server may be release 18.16, which has no query
// parameters: values are written into SQL, so every value goes through the literal helpers
// below, and only after it was validated to a closed form (a known country, a real date).
//
// CLICKHOUSE_URL may list several replicas, comma-separated: each call then goes to a live one
// and moves on to the next when a server cannot be reached or cannot serve
// (platform/clickhouse-replicas.ts). A SQL error is not retried elsewhere.
import { ClickHouseLogLevel, createClient, type ClickHouseClient as OfficialClient } from '@clickhouse/client';
import { ReplicaSet, shouldFailOver } from './clickhouse-replicas.ts';

/** The calls the project makes; with several URLs each one fails over between replicas. */
export type ClickHouseClient = Pick<OfficialClient, 'query' | 'insert' | 'command' | 'exec' | 'ping' | 'close'>;

export interface ClickHouseOptions {
  /** One URL, or several comma-separated (replicas of the same tables). */
  url: string;
  database?: string;
  requestTimeoutMs?: number;
  /** Sockets this client opens at most per replica (the client's default is 10). */
  maxOpenConnections?: number;
  /** Replica failover's clock (tests). */
  now?: () => number;
}

/** The URLs of a CLICKHOUSE_URL value (validated by platform/config.ts). */
export function clickhouseUrls(value: string): string[] {
  return value.split(',').map((url) => url.trim()).filter(Boolean);
}

export function createClickHouse({ url, now = Date.now, ...options }: ClickHouseOptions): ClickHouseClient {
  const urls = clickhouseUrls(url);
  if (urls.length === 0) throw new Error('CLICKHOUSE_URL names no server');
  const clients = urls.map((one) => createOneClient(one, options));
  return clients.length === 1 ? clients[0]! : failoverClient(clients, new ReplicaSet(clients.length), now);
}

function createOneClient(url: string, { database, requestTimeoutMs = 30_000, maxOpenConnections }: Omit<ClickHouseOptions, 'url' | 'now'>): OfficialClient {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username) || 'default';
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return createClient({
    url: parsed.toString().replace(/\/$/, ''),
    username,
    password,
    ...(database ? { database } : {}),
    request_timeout: requestTimeoutMs,
    ...(maxOpenConnections ? { max_open_connections: maxOpenConnections } : {}),
    // 18.16 rejects settings it does not know; send none by default.
    clickhouse_settings: {},
    compression: { request: false, response: false },
    // Callers log failures themselves (as JSON); the client's own stderr lines would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * Runs `call` on the replicas in the set's order until one succeeds; a failure that another
 * replica may not have (shouldFailOver) marks that replica down and tries the next. The last
 * failure is thrown when every replica failed.
 */
export async function onLiveReplica<T>(
  replicas: ReplicaSet,
  now: () => number,
  call: (index: number) => Promise<T>,
  { signal, retryable = true }: { signal?: AbortSignal | undefined; retryable?: boolean } = {},
): Promise<T> {
  let lastError: unknown;
  for (const index of replicas.order(now())) {
    try {
      const result = await call(index);
      replicas.markUp(index);
      return result;
    } catch (error) {
      if (!shouldFailOver(error, signal?.aborted)) throw error;
      replicas.markDown(index, now());
      if (!retryable) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

function failoverClient(clients: OfficialClient[], replicas: ReplicaSet, now: () => number): ClickHouseClient {
  type Params = { abort_signal?: AbortSignal };
  const on = <T>(params: Params, call: (client: OfficialClient) => Promise<T>, retryable = true) =>
    onLiveReplica(replicas, now, (i) => call(clients[i]!), { signal: params.abort_signal, retryable });
  const query = ((params: Parameters<OfficialClient['query']>[0]) => on(params, (c) => c.query(params))) as OfficialClient['query'];
  // Rows given as an array can be sent again; a stream was consumed by the first attempt. A row
  // sent twice is harmless: it has the same version (ReplacingMergeTree), and a replicated table
  // drops a repeated block anyway (insert deduplication).
  const insert = ((params: Parameters<OfficialClient['insert']>[0]) =>
    on(params, (c) => c.insert(params), Array.isArray(params.values))) as OfficialClient['insert'];
  return {
    query,
    insert,
    command: (params) => on(params, (c) => c.command(params)),
    exec: (params) => on(params, (c) => c.exec(params), !('values' in params)),
    // Alive when any replica answers; the failure of the last one otherwise.
    async ping(params) {
      let last: Awaited<ReturnType<OfficialClient['ping']>> | undefined;
      for (const index of replicas.order(now())) {
        last = await clients[index]!.ping(params);
        if (last.success) {
          replicas.markUp(index);
          return last;
        }
        replicas.markDown(index, now());
      }
      return last!;
    },
    close: async () => void (await Promise.all(clients.map((c) => c.close()))),
  };
}

/** A string literal for ClickHouse SQL: backslash and quote escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An identifier (database, table) that was validated as plain; quoted with backticks. */
export function sqlIdentifier(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new Error(`not a plain identifier: ${value}`);
  return `\`${value}\``;
}
