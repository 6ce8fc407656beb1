// Drains a reader into memory: the accepted rows grouped per country, the rejected rows with
// their reasons and the read's statistics. The worker stages a read on disk instead
// (stage-read.ts); this whole-in-memory form serves tests and benchmarks as the reference.
import type { ReadStats } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import { pointOf, ReadStatsBuilder } from './read-stats.ts';
import type { ReaderItem, RejectedItem } from './types.ts';

export interface SourceRead {
  source: SourceName;
  series: Map<string, SeriesPoint[]>;
  /** Each country's region on its latest row that has one (WHO files only; empty otherwise). */
  regions: Map<string, RecordRegion>;
  rejects: RejectedItem[];
  stats: ReadStats;
}

export async function collectRead(source: SourceName, batches: AsyncIterable<readonly ReaderItem[]>): Promise<SourceRead> {
  const series = new Map<string, SeriesPoint[]>();
  const rejects: RejectedItem[] = [];
  const builder = new ReadStatsBuilder(source);
  for await (const items of batches) {
    for (const item of items) {
      const kept = builder.add(item);
      if (kept === null) continue;
      if (kept.kind === 'rejected') {
        rejects.push(kept);
        continue;
      }
      const points = series.get(kept.country);
      const point = pointOf(kept);
      if (points) points.push(point);
      else series.set(kept.country, [point]);
    }
  }
  return { source, series, regions: builder.regions(), rejects, stats: builder.stats };
}
