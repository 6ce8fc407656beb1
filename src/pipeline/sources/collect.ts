// Drains a reader into what the transform and the quality gate need: the accepted rows grouped
// per country (the transform works on one country's whole series), the rejected rows with
// their reasons (for the rejects topic) and the read's statistics. Only compact per-country
// point arrays are kept, never the file.
import type { ReadStats } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import type { ReaderItem, RejectedItem } from './types.ts';

export interface SourceRead {
  source: SourceName;
  series: Map<string, SeriesPoint[]>;
  /** Each country's region on its latest row that has one (WHO files only; empty otherwise). */
  regions: Map<string, RecordRegion>;
  rejects: RejectedItem[];
  stats: ReadStats;
}

const EXAMPLES = 5;

export async function collectRead(source: SourceName, items: AsyncIterable<ReaderItem>): Promise<SourceRead> {
  const series = new Map<string, SeriesPoint[]>();
  const seen = new Map<string, Set<string>>();
  const latestRegion = new Map<string, { date: string; region: RecordRegion }>();
  const rejects: RejectedItem[] = [];
  const unknownCodes = new Map<string, number>();
  const duplicateExamples: string[] = [];
  const stats = {
    source,
    rows: 0,
    accepted: 0,
    rejected: 0,
    skipped: 0,
    unknownCodes,
    duplicates: 0,
    duplicateExamples,
    minDate: null as string | null,
    maxDate: null as string | null,
    garbledPublished: 0,
    garbledIgnored: 0,
  };

  for await (const item of items) {
    stats.rows++;
    if (item.kind === 'skipped') {
      stats.skipped++;
      continue;
    }
    if (item.kind === 'rejected') {
      stats.rejected++;
      rejects.push(item);
      if (item.garbled) stats.garbledPublished++;
      if (item.unknownCode !== undefined) unknownCodes.set(item.unknownCode, (unknownCodes.get(item.unknownCode) ?? 0) + 1);
      continue;
    }
    if (item.garbledIgnoredField) stats.garbledIgnored++;
    let dates = seen.get(item.country);
    let points = series.get(item.country);
    if (dates === undefined || points === undefined) {
      dates = new Set();
      points = [];
      seen.set(item.country, dates);
      series.set(item.country, points);
    }
    if (dates.has(item.date)) {
      // The first row is kept for the record; the gate fails the read on any duplicate.
      stats.duplicates++;
      if (duplicateExamples.length < EXAMPLES) duplicateExamples.push(`${item.country} ${item.date} (line ${item.line})`);
      continue;
    }
    dates.add(item.date);
    points.push({ date: item.date, cases: item.cases, deaths: item.deaths });
    const latest = latestRegion.get(item.country);
    if (item.region !== undefined && (latest === undefined || item.date > latest.date)) {
      latestRegion.set(item.country, { date: item.date, region: item.region });
    }
    stats.accepted++;
    if (stats.minDate === null || item.date < stats.minDate) stats.minDate = item.date;
    if (stats.maxDate === null || item.date > stats.maxDate) stats.maxDate = item.date;
  }
  const regions = new Map([...latestRegion].map(([country, { region }]) => [country, region]));
  return { source, series, regions, rejects, stats };
}
