// Keeps the in-memory data versions (data-version.service.ts) current:
// - told: each batch the sink stored arrives as a notification with its countries' versions;
// - re-read: every poll (and after every reconnection) the stored versions are read again, in
//   case a notification was lost;
// - watched: every poll also takes a digest of ClickHouse's parts that changes with every insert
//   (not with merges). A change that no announcement explains by the next poll (rows written
//   past the sink, a TRUNCATE, a sink whose announcement failed) gives the database a new epoch,
//   which renews everything in every process. Limit: such a change in the same poll interval as
//   an announced one passes for announced.
//
// Staleness this allows (docs/api.md): an announced batch is visible once its notification
// arrives, a few milliseconds after ClickHouse accepted it; an unannounced change within two
// polls (2 x DATA_VERSION_POLL_MS).
import { decodeEpoch, decodeVersions, readCountryVersions, readVersionEpoch, type SelectRows } from '../../platform/data-announcements.ts';
import type { Logger } from '../../platform/logger.ts';
import type { TimeSource } from '../../platform/clock.ts';
import type { DataVersionState } from './data-version.service.ts';

export interface DataVersionSync {
  /** A connection (re)opened: read the epoch and every version again. */
  onConnect(database: SelectRows): Promise<void>;
  onNotification(payload: string): void;
  /** One poll: re-read the versions (when connected) and compare ClickHouse's digest. */
  poll(database: SelectRows | undefined): Promise<void>;
}

export interface DataVersionSyncDeps {
  state: DataVersionState;
  /** A digest of the stored data that changes with every insert (daily.repository.ts). */
  clickhouseDigest: () => Promise<string>;
  /** Stores and announces a new epoch; resolves with it. */
  rotateEpoch: () => Promise<string>;
  clock: TimeSource;
  logger: Logger;
}

export function createDataVersionSync({ state, clickhouseDigest, rotateEpoch, clock, logger }: DataVersionSyncDeps, initialDigest: string): DataVersionSync {
  let epoch = '';
  let digest = initialDigest;
  let lastNewsAt = -Infinity;
  let lastPollAt = clock.now();
  /** A digest change seen at a poll: explained if news arrived after the poll before it. */
  let pendingSince: number | undefined;

  const take = (versions: ReadonlyMap<string, bigint>, at: number) => {
    if (state.apply(versions).length > 0) lastNewsAt = at;
  };
  const useEpoch = (next: string) => {
    if (next === epoch) return;
    epoch = next;
    state.renew(epoch);
  };
  const reread = async (database: SelectRows) => {
    useEpoch(await readVersionEpoch(database));
    take(await readCountryVersions(database), clock.now());
  };

  return {
    onConnect: reread,

    onNotification(payload) {
      lastNewsAt = clock.now();
      const newEpoch = decodeEpoch(payload);
      if (newEpoch !== undefined) useEpoch(newEpoch);
      else state.apply(decodeVersions(payload));
    },

    async poll(database) {
      const startedAt = clock.now();
      if (database) await reread(database).catch(() => undefined);
      let next: string;
      try {
        next = await clickhouseDigest();
      } catch (error) {
        logger.debug({ err: error }, 'data version safety check: ClickHouse unavailable');
        return;
      }
      if (pendingSince !== undefined && lastNewsAt <= pendingSince) {
        logger.info('ClickHouse data changed without an announcement; renewing every data version');
        try {
          useEpoch(await rotateEpoch());
        } catch (error) {
          logger.warn({ err: error }, 'could not store a new data version epoch; renewing this process only');
          useEpoch(`${epoch}|${next}`);
        }
      }
      pendingSince = next === digest ? undefined : lastPollAt;
      digest = next;
      lastPollAt = startedAt;
    },
  };
}
