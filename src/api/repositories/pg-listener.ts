// One dedicated PostgreSQL connection per API process that LISTENs for notifications (new data
// versions, revoked keys) and reconnects, with capped backoff, when it is lost. Notifications
// sent while it was away are lost for good, so every (re)connection is reported (`onConnect`):
// the listeners then re-read what they might have missed. `check` runs a query on this very
// connection, which is how a connection that died silently is found within one poll.
import pg from 'pg';
import type { Logger } from '../../platform/logger.ts';

export interface PgListener {
  /** Connects and listens; resolves once the first connection is up (rejects if it fails). */
  start(): Promise<void>;
  /** Runs `sql` on the listening connection; a failure drops the connection and reconnects. */
  readonly check: (sql: string) => Promise<Record<string, unknown>[]>;
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface PgListenerOptions {
  databaseUrl: string;
  channels: Record<string, (payload: string) => void>;
  /** After every connection (the first included), before the first notification of that connection. */
  onConnect: (check: PgListener['check']) => Promise<void>;
  logger: Logger;
  queryTimeoutMs: number;
  retryMs?: { initial: number; max: number };
}

export function createPgListener(options: PgListenerOptions): PgListener {
  const { initial, max } = options.retryMs ?? { initial: 100, max: 5_000 };
  let client: pg.Client | undefined;
  let closed = false;
  let retryDelay = initial;
  let retryTimer: NodeJS.Timeout | undefined;

  const drop = (reason: unknown) => {
    const lost = client;
    if (!lost) return;
    client = undefined;
    lost.removeAllListeners('notification');
    lost.on('error', () => {}); // late socket errors of a dropped client
    void lost.end().catch(() => {});
    if (closed) return;
    options.logger.warn({ err: reason, retryInMs: retryDelay }, 'lost the PostgreSQL notification connection; reconnecting');
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch((error: unknown) => {
        retryDelay = Math.min(max, retryDelay * 2);
        options.logger.warn({ err: error, retryInMs: retryDelay }, 'PostgreSQL notification connection failed; retrying');
        scheduleReconnect();
      });
    }, retryDelay);
    retryTimer.unref();
  };

  const check: PgListener['check'] = async (sql) => {
    const current = client;
    if (!current) throw new Error('the PostgreSQL notification connection is down');
    try {
      return (await current.query<Record<string, unknown>>({ text: sql, query_timeout: options.queryTimeoutMs } as pg.QueryConfig)).rows;
    } catch (error) {
      if (client === current) drop(error);
      throw error;
    }
  };

  const connect = async () => {
    const next = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: 'covid-etl-api-listener',
      connectionTimeoutMillis: options.queryTimeoutMs,
      keepAlive: true,
    });
    next.on('error', (error) => {
      if (client === next) drop(error);
    });
    next.on('end', () => {
      if (client === next) drop(new Error('connection ended'));
    });
    await next.connect();
    try {
      for (const channel of Object.keys(options.channels)) await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    // Notifications are queued by the client until this handler exists; they are handled
    // after onConnect re-read the state, and applying them again is harmless.
    client = next;
    const pending: pg.Notification[] = [];
    let ready = false;
    const dispatch = (message: pg.Notification) => options.channels[message.channel]?.(message.payload ?? '');
    next.on('notification', (message) => (ready ? dispatch(message) : pending.push(message)));
    try {
      await options.onConnect(check);
    } finally {
      ready = true;
      for (const message of pending.splice(0)) dispatch(message);
    }
    retryDelay = initial;
  };

  return {
    start: connect,
    check,
    get connected() {
      return client !== undefined;
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
