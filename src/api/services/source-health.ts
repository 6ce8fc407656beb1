// Per configured source: where it is read from (without credentials), what it holds, and
// whether it is stale: nothing new from it for longer than its cadence allows (SPEC 4).
import { daysBetween } from '../../domain/dates.ts';
import type { SourceFreshness } from '../repositories/daily.repository.ts';
import { safeLocation } from './safe-text.ts';

export interface SourceSetting {
  source: string;
  /** As configured; shown through safeLocation only. */
  location: string;
  /** 0 = never stale. */
  staleAfterDays: number;
}

export interface SourceHealth {
  source: string;
  location: string;
  firstDate: string | null;
  lastDate: string | null;
  rows: number;
  /** Calendar days from firstDate to lastDate, both included. */
  spanDays: number | null;
  /** When the newest row of this source reached ClickHouse: the last time it brought something new. */
  lastNewDataAt: string | null;
  staleAfterDays: number;
  stale: boolean;
}

const DAY_MS = 86_400_000;

export function sourceHealth(settings: readonly SourceSetting[], freshness: readonly SourceFreshness[], nowMs: number): SourceHealth[] {
  const bySource = new Map(freshness.map((f) => [f.source, f]));
  return settings.map(({ source, location, staleAfterDays }) => {
    const f = bySource.get(source);
    const lastNewDataAt = f?.lastInsertedAt ?? null;
    // Nothing known to have come (no rows, or rows without a load time) counts as nothing new.
    const quietMs = lastNewDataAt === null ? Infinity : nowMs - Date.parse(lastNewDataAt);
    return {
      source,
      location: safeLocation(location),
      firstDate: f?.firstDate ?? null,
      lastDate: f?.lastDate ?? null,
      rows: f?.rows ?? 0,
      spanDays: f ? daysBetween(f.firstDate, f.lastDate) + 1 : null,
      lastNewDataAt,
      staleAfterDays,
      stale: staleAfterDays > 0 && quietMs > staleAfterDays * DAY_MS,
    };
  });
}
