// Which failures of PostgreSQL or ClickHouse mean "the store is unavailable" (a 503 that the
// client may retry) rather than a bug. Values reach SQL only after validation to a closed form,
// so no request can cause a store error by its content: what remains is the store being down,
// slow or overloaded, or a bug in our SQL (left as it is, so it shows as a 500 and is logged).
import pg from 'pg';
import { AppError } from '../errors.ts';

export type StoreName = 'postgres' | 'clickhouse';

// SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator
// intervention (admin shutdown, statement timeout = 57014, cannot connect now).
const PG_UNAVAILABLE_CLASSES = new Set(['08', '53', '57']);

// ClickHouse error codes: TIMEOUT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES, MEMORY_LIMIT_EXCEEDED,
// NETWORK_ERROR, SOCKET_TIMEOUT, TOO_MANY_PARTS (inserts being throttled), QUERY_WAS_CANCELLED.
const CLICKHOUSE_UNAVAILABLE_CODES = new Set(['159', '202', '241', '210', '209', '252', '394']);

function isUnavailable(store: StoreName, error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (store === 'postgres') {
    // An error the server sent is a DatabaseError with a SQLSTATE; anything else is the driver
    // failing to reach it (refused, reset, "Connection terminated", connect or query timeout).
    if (!(error instanceof pg.DatabaseError)) return true;
    return typeof code === 'string' && PG_UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  }
  // A server-side error carries ClickHouse's numeric code (ClickHouseError of @clickhouse/client,
  // ClickHouseServerError of the probe); anything else (refused, reset, timeout) is the transport.
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return true;
  return CLICKHOUSE_UNAVAILABLE_CODES.has(code);
}

/** Rethrows a store failure as `unavailable` when it is one; anything else unchanged. */
export function storeFailure(store: StoreName, error: unknown): never {
  if (isUnavailable(store, error)) {
    throw new AppError('unavailable', `${store === 'postgres' ? 'PostgreSQL' : 'ClickHouse'} is unavailable`, {}, { cause: error });
  }
  throw error;
}

/** Runs one store call and classifies its failure. */
export async function guarded<T>(store: StoreName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    return storeFailure(store, error);
  }
}
