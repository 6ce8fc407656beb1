// The quality gate: checks over what one task read from a source, before anything of it is
// published. Row-level problems are rejections (counted, kept, the rest goes on); the gate is
// about the read as a whole, and a failed gate publishes nothing.
//
// A first load has no previous row count to compare with, so a truncated file is also caught by
// its shape: every country's series runs to (near) the file's last date in every release seen
// (WHO daily and weekly, ECDC final), so a file grouped by country and cut short leaves its last
// country ending early; a download that stopped before its Content-Length is incomplete whatever
// it holds. (A file sorted by date and cut at a row boundary, with a matching Content-Length,
// looks like an older release: only the row count against the previous read can tell.) An HTML page (a maintenance
// or firewall page answered with 200) or any other non-CSV answer fails as such, saying what came.
//
// U+FFFD: only fields the system publishes are checked (code, date, counts). The WHO weekly
// release carries U+FFFD in five country NAMES (`Cura�ao`, …), which we never use; a gate that
// failed the real file for that would stop WHO loading for nothing, so names are only reported.
import type { SourceName } from './record.ts';
import { daysBetween, EARLIEST_DATE, utcToday } from './dates.ts';

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
  /** Per country, the date of its last accepted row (CSV sources). */
  lastDates?: ReadonlyMap<string, string>;
}

/** What was downloaded, against what the answer announced. */
export interface DownloadFacts {
  bytes: number;
  /** Content-Length of an uncompressed answer, when there was one. */
  contentLength?: number;
}

/** An answer that is not what the reader takes (e.g. an HTML page instead of a CSV). */
export interface ContentMismatch {
  expected: string;
  found: string;
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
  /** The answer is not the kind of document the source serves; nothing else is checked then. */
  content?: ContentMismatch | null;
  download?: DownloadFacts;
  /** A country whose series ends more than this many days before the file's last date fails the read. */
  seriesEndDays?: number;
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
// The real files: every country ends on the last date, but ECDC's Spain one day before it; a
// weekly release's rows are 7 days apart. A day added for some countries only is no cut.
export const DEFAULT_SERIES_END_DAYS = 14;

export function evaluateQuality(stats: ReadStats | null, options: QualityOptions): QualityResult {
  const checks: QualityCheck[] = [];
  if (options.content) {
    checks.push({ name: 'content', ok: false, detail: `expected ${options.content.expected}; found ${options.content.found}` });
    return finish(checks);
  }
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

  if (stats.lastDates !== undefined && stats.maxDate !== null) checks.push(seriesEndCheck(stats.lastDates, stats.maxDate, options));
  if (options.download?.contentLength !== undefined) {
    const { bytes, contentLength } = options.download;
    checks.push({
      name: 'complete-download',
      ok: bytes >= contentLength,
      detail: `${bytes} bytes read of Content-Length ${contentLength}`,
    });
  }

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

/** A file cut short: some country's series ends long before the file's last date. */
function seriesEndCheck(lastDates: ReadonlyMap<string, string>, fileLast: string, options: QualityOptions): QualityCheck {
  const maxDays = options.seriesEndDays ?? DEFAULT_SERIES_END_DAYS;
  const early = [...lastDates].filter(([, last]) => daysBetween(last, fileLast) > maxDays);
  const examples = early
    .slice(0, 5)
    .map(([country, last]) => `${country} ${last}`)
    .join(', ');
  return early.length === 0
    ? { name: 'series-end', ok: true, detail: `every country's series ends within ${maxDays} days of the file's last date ${fileLast}` }
    : {
        name: 'series-end',
        ok: false,
        detail: `the file looks cut short: ${early.length} of ${lastDates.size} countries end more than ${maxDays} days before the file's last date ${fileLast} (${examples})`,
      };
}

function finish(checks: QualityCheck[]): QualityResult {
  return { ok: checks.every((c) => c.ok), checks };
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 1)}%`;
}
