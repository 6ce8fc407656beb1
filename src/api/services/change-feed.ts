// What other processes tell this one, through one PostgreSQL LISTEN connection
// (repositories/pg-listener.ts): new data versions (the sink, data-version-sync.ts) and revoked
// API keys (any API process that re-issued a key). One poll timer drives the safety checks.
//
// Revocation bound: a key revoked anywhere is forgotten here when its notification arrives
// (milliseconds). While this process cannot reach PostgreSQL no news can arrive; keys it checked
// recently keep working for their cache time (ApiKeyCacheOptions.positiveTtlMs, 5 s), so an
// outage of the database does not lock everyone out, and on reconnecting every cached key is
// forgotten, since revocations may have been missed meanwhile.
import type { Logger } from '../../platform/logger.ts';
import { DATA_VERSIONS_CHANNEL } from '../../platform/data-announcements.ts';
import { createPgListener } from '../repositories/pg-listener.ts';
import { API_KEY_REVOKED_CHANNEL, decodeRevokedDigests } from '../repositories/users.repository.ts';
import type { ApiKeyService } from './api-key.service.ts';
import type { DataVersionSync } from './data-version-sync.ts';

export interface ChangeFeed {
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeFeedDeps {
  databaseUrl: string;
  versions: DataVersionSync;
  apiKeys: Pick<ApiKeyService, 'forget' | 'forgetAll'>;
  logger: Logger;
  pollMs: number;
  queryTimeoutMs: number;
}

export function createChangeFeed({ databaseUrl, versions, apiKeys, logger, pollMs, queryTimeoutMs }: ChangeFeedDeps): ChangeFeed {
  const listener = createPgListener({
    databaseUrl,
    logger,
    queryTimeoutMs,
    channels: {
      [DATA_VERSIONS_CHANNEL]: (payload) => versions.onNotification(payload),
      [API_KEY_REVOKED_CHANNEL]: (payload) => apiKeys.forget(decodeRevokedDigests(payload)),
    },
    onConnect: async (select) => {
      apiKeys.forgetAll();
      await versions.onConnect(select);
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const poll = () => versions.poll(listener.connected ? listener.check : undefined);
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      poll()
        .catch((error: unknown) => logger.warn({ err: error }, 'data version poll failed'))
        .finally(schedule);
    }, pollMs);
    timer.unref();
  };

  return {
    async start() {
      await listener.start();
      schedule();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await listener.close();
    },
  };
}
