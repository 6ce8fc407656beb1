// Fills a ClickHouse `daily` table with what the pipeline makes of the real files (ECDC's final
// release and WHO's daily file, ../shared/data): read, transformed with the coverage chain, WHO
// records carrying their regions, stored as the sink stores them. No Kafka: tests and benchmarks
// of the API get a real-sized store in a few seconds.
import { createReadStream } from 'node:fs';
import { transformSourceSeries } from '../../src/domain/transform/source.ts';
import { coverageContext } from '../../src/domain/transform/coverage.ts';
import { sqlIdentifier, type ClickHouseClient } from '../../src/platform/clickhouse.ts';
import { collectRead } from '../../src/pipeline/sources/collect.ts';
import { readEcdc } from '../../src/pipeline/sources/ecdc.ts';
import { readWho } from '../../src/pipeline/sources/who.ts';
import { attachRegions } from '../../src/pipeline/tasks/regions.ts';
import { DAILY_COLUMNS } from '../../src/sink/decode.ts';
import { recordVersion } from '../../src/sink/version.ts';
import { dataFile } from './paths.ts';

export const REAL_ECDC = dataFile('ecdc/derived/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_RECONSTRUCTED.csv');
export const REAL_WHO = dataFile('who/WHO-COVID-19-global-data_DAILY_to-2023-06-07.csv');

/** Loads the real files into `database`.daily; returns the number of rows. */
export async function loadRealStore(clickhouse: ClickHouseClient, database: string): Promise<number> {
  const published = Date.UTC(2024, 0, 1);
  let total = 0;
  for (const [source, file, reader] of [
    ['ecdc', REAL_ECDC, readEcdc],
    ['who', REAL_WHO, readWho],
  ] as const) {
    const read = await collectRead(source, reader(createReadStream(file)));
    const { records } = transformSourceSeries(source, read.series, 'ffill', coverageContext());
    attachRegions(records, read.regions);
    const rows = records.map((r) => ({
      country: r.country,
      date: r.date,
      cases: r.cases,
      deaths: r.deaths,
      source: r.source,
      estimated: r.estimated ? 1 : 0,
      region: r.region ?? '',
      version: recordVersion(r.source, published),
      run_id: 1,
    }));
    await clickhouse.insert({ table: `${sqlIdentifier(database)}.daily`, format: 'JSONEachRow', columns: [...DAILY_COLUMNS], values: rows });
    total += rows.length;
  }
  return total;
}
