// The quality gate: checks over what one task read from a source, before anything of it is
// published. Row-level problems are rejections (counted, kept, the rest goes on); the gate is
// about the read as a whole, and a failed gate publishes nothing.
//
// U+FFFD: only fields the system publishes are checked (code, date, counts). The WHO weekly
// release carries U+FFFD in five country NAMES (`Cura�ao`, …), which we never use; a gate that
// failed the real file for that would stop WHO loading for nothing, so names are only reported.
import type { SourceName } from './record.ts';
import { EARLIEST_DATE, utcToday } from './dates.ts';

/** What a reader saw, accumulated while streaming (no rows are kept for this). */
export interface ReadStats {
  source: SourceName;
  /** Data rows (or posts) read: accepted + rejected + skipped + duplicates. */
  rows: number;
  accepted: number;
  rejected: number;
  skipped: number;
  /** Rejected rows per unknown country code. */
  unknownCodes: ReadonlyMap<string, number>;
  /** Accepted rows whose (country, date) was already read. */
  duplicates: number;
  duplicateExamples: readonly string[];
  minDate: string | null;
  maxDate: string | null;
  /** Rows with U+FFFD in a published field (they are rejected too). */
  garbledPublished: number;
  /** Rows with U+FFFD in a field that is not published (names): reported only. */
  garbledIgnored: number;
}

export interface QualityOptions {
  now: Date;
  /** Rows of the previous successful read of the same source, if any. */
  previousRows?: number | null;
  /** Fail when rows < minRowRatio × previousRows. */
  minRowRatio?: number;
  /** Fail when more than this share of rows is rejected (or has an unknown code). */
  maxRejectedRatio?: number;
  /** The reader stopped on a layout change (SourceLayoutError). */
  layoutError?: { expected: string; found: string } | null;
}

export interface QualityCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface QualityResult {
  ok: boolean;
  checks: QualityCheck[];
}

export const DEFAULT_MIN_ROW_RATIO = 0.9;
export const DEFAULT_MAX_REJECTED_RATIO = 0.01;

export function evaluateQuality(stats: ReadStats | null, options: QualityOptions): QualityResult {
  const checks: QualityCheck[] = [];
  if (options.layoutError) {
    const { expected, found } = options.layoutError;
    checks.push({ name: 'layout', ok: false, detail: `expected ${expected}; found ${found}` });
  } else {
    checks.push({ name: 'layout', ok: true, detail: 'expected columns / page structure found' });
  }
  if (stats === null) return finish(checks);

  const minRowRatio = options.minRowRatio ?? DEFAULT_MIN_ROW_RATIO;
  const maxRejected = options.maxRejectedRatio ?? DEFAULT_MAX_REJECTED_RATIO;
  const today = utcToday(options.now);
  const counted = stats.accepted + stats.rejected;

  checks.push({ name: 'has-rows', ok: stats.accepted > 0, detail: `${stats.accepted} rows accepted of ${stats.rows} read` });

  const rejectedShare = counted === 0 ? 0 : stats.rejected / counted;
  checks.push({
    name: 'rejected-rows',
    ok: rejectedShare <= maxRejected,
    detail: `${stats.rejected} rejected (${percent(rejectedShare)}; limit ${percent(maxRejected)}), ${stats.skipped} skipped as not countries`,
  });

  const unknownRows = [...stats.unknownCodes.values()].reduce((a, b) => a + b, 0);
  const unknownShare = counted === 0 ? 0 : unknownRows / counted;
  checks.push({
    name: 'known-country-codes',
    ok: unknownShare <= maxRejected,
    detail:
      unknownRows === 0
        ? 'every code is a country or a known non-country'
        : `${unknownRows} rows with unknown codes ${[...stats.unknownCodes.keys()].map((c) => JSON.stringify(c)).join(', ')} (${percent(unknownShare)}; limit ${percent(maxRejected)})`,
  });

  checks.push({
    name: 'unique-country-date',
    ok: stats.duplicates === 0,
    detail: stats.duplicates === 0 ? 'one row per (country, date)' : `${stats.duplicates} duplicated, e.g. ${stats.duplicateExamples.join(', ')}`,
  });

  const datesOk = stats.minDate === null || (stats.minDate >= EARLIEST_DATE && stats.maxDate! <= today);
  checks.push({
    name: 'dates-in-range',
    ok: datesOk,
    detail: `dates ${stats.minDate ?? '-'}..${stats.maxDate ?? '-'}; allowed ${EARLIEST_DATE}..${today}`,
  });

  checks.push({
    name: 'no-replacement-chars',
    ok: stats.garbledPublished === 0,
    detail:
      `${stats.garbledPublished} rows with U+FFFD in published fields` +
      (stats.garbledIgnored > 0 ? `; ${stats.garbledIgnored} rows with U+FFFD in names (not published, ignored)` : ''),
  });

  const previous = options.previousRows ?? null;
  checks.push(
    previous === null
      ? { name: 'row-count', ok: true, detail: `${stats.rows} rows; no previous read to compare` }
      : {
          name: 'row-count',
          ok: stats.rows >= minRowRatio * previous,
          detail: `${stats.rows} rows; previous read ${previous}; minimum ${Math.ceil(minRowRatio * previous)} (${percent(minRowRatio)})`,
        },
  );
  return finish(checks);
}

function finish(checks: QualityCheck[]): QualityResult {
  return { ok: checks.every((c) => c.ok), checks };
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 1)}%`;
}
