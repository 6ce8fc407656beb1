// Caps on exports in progress (uncached /v1/daily answers of every country, or of more than
// EXPORT_MIN_COUNTRIES: the FINAL scans of most of the table, streamed from ClickHouse): at most
// `perUser` at once per key holder and `total` at once on this server. The review found that about
// ten slow readers of unfiltered exports held every ClickHouse connection until readiness reported
// ClickHouse down. Exports also run on their own ClickHouse client whose connection pool is this
// `total` (api/main.ts), so the small queries, the data version check and readiness keep theirs.
// A slot is held until the answer ends or its connection closes.
import { AppError } from '../errors.ts';

/** A /v1/daily question over more countries than this (or all) is an export. */
export const EXPORT_MIN_COUNTRIES = 10;

/**
 * Whether a /v1/daily question is an export. A few countries are a short read of the primary key
 * (country, date), whose answer fits in socket buffers: they stay on the shared connections and
 * need no slot, so a client asking several at once is not refused.
 */
export function isExport(countries: readonly string[] | undefined): boolean {
  return countries === undefined || countries.length > EXPORT_MIN_COUNTRIES;
}

export interface ExportSlotsOptions {
  total: number;
  perUser: number;
}

/** Frees the slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

export interface ExportSlots {
  /** Throws rate_limited (429) over the user's cap, unavailable (503) over the server's. */
  acquire(userId: string): ReleaseSlot;
  inUse(): number;
}

export function createExportSlots({ total, perUser }: ExportSlotsOptions): ExportSlots {
  let used = 0;
  const byUser = new Map<string, number>();

  return {
    acquire(userId) {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= perUser) {
        throw new AppError('rate_limited', `more than ${perUser} exports at once with this API key; retry when one has finished`, {
          retryAfterSeconds: 1,
        });
      }
      if (used >= total) {
        throw new AppError('unavailable', 'the server is running as many exports as it takes; retry after the time in Retry-After', {
          retryAfterSeconds: 1,
        });
      }
      used++;
      byUser.set(userId, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used--;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left === 0) byUser.delete(userId);
        else byUser.set(userId, left);
      };
    },
    inUse: () => used,
  };
}
