// PostgreSQL queries with a time limit on both sides: statement_timeout for every connection of
// the API's pool (the server cancels a slow statement, SQLSTATE 57014) and query_timeout on each
// query (the driver gives up when the server does not answer at all, e.g. a dead network path).
import type pg from 'pg';

/** pg honours `query_timeout` per query; its typings only know it per client. */
export function timedQuery(text: string, values: unknown[], timeoutMs: number): pg.QueryConfig {
  return { text, values, query_timeout: timeoutMs } as pg.QueryConfig;
}

/** The connection string with `-c statement_timeout=…` added to its startup options. */
export function withStatementTimeout(databaseUrl: string, timeoutMs: number): string {
  const url = new URL(databaseUrl);
  const options = [url.searchParams.get('options'), `-c statement_timeout=${Math.floor(timeoutMs)}`].filter(Boolean).join(' ');
  url.searchParams.set('options', options);
  return url.toString();
}
