// WHO regions on their way to the store (SPEC 6.1): every WHO record carries its country's
// latest region in the file, and when a country's region differs from the one published last,
// all of its records are published again, so the store never mixes an old region with a new one
// (and a store loaded before regions were carried gets them with the next WHO load).
import type { DailyRecord } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';

/** Sets each record's region from its country's (records of countries without one are left alone). */
export function attachRegions(records: DailyRecord[], regions: ReadonlyMap<string, RecordRegion>): void {
  for (const record of records) {
    const region = regions.get(record.country);
    if (region !== undefined) record.region = region;
  }
}

/** The countries whose region is not the one last published (all of them when nothing was). */
export function regionChanges(published: Readonly<Record<string, string>> | undefined, regions: ReadonlyMap<string, RecordRegion>): Set<string> {
  const changed = new Set<string>();
  for (const [country, region] of regions) if (published?.[country] !== region) changed.add(country);
  return changed;
}
