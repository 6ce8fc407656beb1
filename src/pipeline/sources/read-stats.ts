// The read's statistics for the quality gate, accumulated row by row while streaming, in memory
// that does not grow with the file: counts, a few examples, the date range, and per country a
// bit per day seen (duplicates) and its last date (a truncated file leaves a country's series
// ending early), and each country's latest WHO region. Both collectRead (in memory) and
// stageRead (on disk) use it.
import type { ReadStats } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import { EARLIEST_DATE, toDayNumber } from '../../domain/dates.ts';
import type { ReaderItem, RejectedItem, RowItem } from './types.ts';

const EXAMPLES = 5;
const BASE_DAY = toDayNumber(EARLIEST_DATE);
/** Days a country's bitset covers from EARLIEST_DATE (≈ 22 years); days outside go to a Set. */
const BITSET_DAYS = 8192;

/** The days one country has rows for: a bitset over the plausible range, a Set for the rest (only a bad file has those). */
class DaysSeen {
  private readonly bits = new Uint8Array(BITSET_DAYS / 8);
  private outside: Set<number> | undefined;

  /** Marks the day; false when it was already seen. */
  add(day: number): boolean {
    const i = day - BASE_DAY;
    if (i >= 0 && i < BITSET_DAYS) {
      const mask = 1 << (i & 7);
      if (this.bits[i >> 3]! & mask) return false;
      this.bits[i >> 3]! |= mask;
      return true;
    }
    this.outside ??= new Set();
    if (this.outside.has(day)) return false;
    this.outside.add(day);
    return true;
  }
}

export type Accepted = RowItem;

/** What the transform needs of an accepted row. */
export function pointOf(row: RowItem): SeriesPoint {
  return { date: row.date, cases: row.cases, deaths: row.deaths };
}

/** Day numbers of dates remembered per read (a file has one per day; a damaged one may have more). */
const MAX_DAY_NUMBERS = 4096;

export class ReadStatsBuilder {
  private readonly days = new Map<string, DaysSeen>();
  private readonly dayNumbers = new Map<string, number>();
  private readonly lastDates = new Map<string, string>();
  private readonly latestRegion = new Map<string, { date: string; region: RecordRegion }>();
  private readonly unknownCodes = new Map<string, number>();
  private readonly duplicateExamples: string[] = [];
  readonly stats: ReadStats;

  constructor(source: SourceName) {
    this.stats = {
      source,
      rows: 0,
      accepted: 0,
      rejected: 0,
      skipped: 0,
      unknownCodes: this.unknownCodes,
      duplicates: 0,
      duplicateExamples: this.duplicateExamples,
      minDate: null,
      maxDate: null,
      garbledPublished: 0,
      garbledIgnored: 0,
      lastDates: this.lastDates,
    };
  }

  /**
   * Counts one reader item. Returns the row when it is to be kept (accepted, not a duplicate),
   * the rejected item when it goes to the dead-letter topic, or null.
   */
  add(item: ReaderItem): Accepted | RejectedItem | null {
    const s = this.stats;
    s.rows++;
    if (item.kind === 'skipped') {
      s.skipped++;
      return null;
    }
    if (item.kind === 'rejected') {
      s.rejected++;
      if (item.garbled) s.garbledPublished++;
      if (item.unknownCode !== undefined) this.unknownCodes.set(item.unknownCode, (this.unknownCodes.get(item.unknownCode) ?? 0) + 1);
      return item;
    }
    if (item.garbledIgnoredField) s.garbledIgnored++;
    let days = this.days.get(item.country);
    if (days === undefined) {
      days = new DaysSeen();
      this.days.set(item.country, days);
    }
    if (!days.add(this.dayNumber(item.date))) {
      // The first row is kept for the record; the gate fails the read on any duplicate.
      s.duplicates++;
      if (this.duplicateExamples.length < EXAMPLES) this.duplicateExamples.push(`${item.country} ${item.date} (line ${item.line})`);
      return null;
    }
    s.accepted++;
    const latest = this.latestRegion.get(item.country);
    if (item.region !== undefined && (latest === undefined || item.date > latest.date)) {
      this.latestRegion.set(item.country, { date: item.date, region: item.region });
    }
    const last = this.lastDates.get(item.country);
    if (last === undefined || item.date > last) this.lastDates.set(item.country, item.date);
    if (s.minDate === null || item.date < s.minDate) s.minDate = item.date;
    if (s.maxDate === null || item.date > s.maxDate) s.maxDate = item.date;
    return item;
  }

  /** The readers give the same string for each date (interned or remembered): its number is looked up, not parsed again. */
  private dayNumber(date: string): number {
    let day = this.dayNumbers.get(date);
    if (day === undefined) {
      day = toDayNumber(date);
      if (this.dayNumbers.size < MAX_DAY_NUMBERS) this.dayNumbers.set(date, day);
    }
    return day;
  }

  /** Each country's region on its latest row that has one (WHO files only; empty otherwise). */
  regions(): Map<string, RecordRegion> {
    return new Map([...this.latestRegion].map(([country, { region }]) => [country, region]));
  }
}
