// ClickHouse access over HTTP. The server may be release 18.16, which has no query
// parameters: values are written into SQL, so every value goes through the literal helpers
// below, and only after it was validated to a closed form (a known country, a real date).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database?: string;
  requestTimeoutMs?: number;
  /** Sockets this client opens at most (the client's default is 10). */
  maxOpenConnections?: number;
}

export function createClickHouse({ url, database, requestTimeoutMs = 30_000, maxOpenConnections }: ClickHouseOptions): ClickHouseClient {
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

/** A string literal for ClickHouse SQL: backslash and quote escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An identifier (database, table) that was validated as plain; quoted with backticks. */
export function sqlIdentifier(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new Error(`not a plain identifier: ${value}`);
  return `\`${value}\``;
}
