// What the pipeline remembers between runs, in PostgreSQL: small named values (etl_state) and
// the last published values of every (source, country, date) (etl_published). Both are written
// only after Kafka acknowledged the records they describe, inside the task's completing
// transaction.
import type { DailyRecord, SourceName } from '../domain/record.ts';
import type { Pool, PoolClient } from '../platform/postgres.ts';

type Queryable = Pool | PoolClient;

export async function getState<T>(db: Queryable, key: string): Promise<T | undefined> {
  const { rows } = await db.query<{ value: T }>('SELECT value FROM etl_state WHERE key = $1', [key]);
  return rows[0]?.value;
}

export async function setState(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO etl_state (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = statement_timestamp()`,
    [key, JSON.stringify(value)],
  );
}

// `estimated` is implied by the two per-count flags, so they alone enter the fingerprint.
const fingerprint = (r: Pick<DailyRecord, 'cases' | 'deaths' | 'estimated_cases' | 'estimated_deaths'>) =>
  `${r.cases}|${r.deaths}|${r.estimated_cases ? 1 : 0}${r.estimated_deaths ? 1 : 0}`;

/** Countries per query of the diff. */
const DIFF_COUNTRIES = 16;

/**
 * The records that differ from (or are missing in) what was last published for their source.
 * The published values are fetched a few countries at a time: held whole, they would be as many
 * as the records themselves (≈ 200,000 for WHO) and double the task's memory.
 */
export async function changedRecords(db: Queryable, source: SourceName, records: DailyRecord[]): Promise<DailyRecord[]> {
  const byCountry = new Map<string, DailyRecord[]>();
  for (const r of records) {
    const list = byCountry.get(r.country);
    if (list) list.push(r);
    else byCountry.set(r.country, [r]);
  }
  const countries = [...byCountry.keys()];
  const changed: DailyRecord[] = [];
  for (let start = 0; start < countries.length; start += DIFF_COUNTRIES) {
    const group = countries.slice(start, start + DIFF_COUNTRIES);
    const { rows } = await db.query<{ key: string; fp: string }>(
      `SELECT country || ':' || to_char(date, 'YYYY-MM-DD') AS key,
              cases || '|' || deaths || '|' || estimated_cases::int || estimated_deaths::int AS fp
         FROM etl_published WHERE source = $1 AND country = ANY($2::bpchar[])`,
      [source, group],
    );
    const published = new Map(rows.map((row) => [row.key, row.fp]));
    for (const country of group) {
      for (const r of byCountry.get(country)!) if (published.get(`${r.country}:${r.date}`) !== fingerprint(r)) changed.push(r);
    }
  }
  return changed;
}

/** Whether anything was ever published from the source (false before its historical load). */
export async function hasPublished(db: Queryable, source: SourceName): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM etl_published WHERE source = $1) AS any', [source]);
  return rows[0]?.any === true;
}

const CHUNK = 10_000;

export async function recordPublished(client: PoolClient, runId: string, records: DailyRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += CHUNK) {
    const chunk = records.slice(start, start + CHUNK);
    await client.query(
      `INSERT INTO etl_published (source, country, date, cases, deaths, estimated, estimated_cases, estimated_deaths, run_id)
       SELECT s, c, d, cs, ds, ec OR ed, ec, ed, $8
         FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::int[], $6::bool[], $7::bool[]) AS t(s, c, d, cs, ds, ec, ed)
       ON CONFLICT (source, country, date) DO UPDATE
         SET cases = EXCLUDED.cases, deaths = EXCLUDED.deaths, estimated = EXCLUDED.estimated,
             estimated_cases = EXCLUDED.estimated_cases, estimated_deaths = EXCLUDED.estimated_deaths, run_id = EXCLUDED.run_id`,
      [
        chunk.map((r) => r.source),
        chunk.map((r) => r.country),
        chunk.map((r) => r.date),
        chunk.map((r) => r.cases),
        chunk.map((r) => r.deaths),
        chunk.map((r) => r.estimated_cases),
        chunk.map((r) => r.estimated_deaths),
        runId,
      ],
    );
  }
}

/** The last date published from a source for a country (its watermark), if any. */
export async function lastPublishedDate(db: Queryable, source: SourceName, country: string): Promise<string | undefined> {
  const { rows } = await db.query<{ last: string | null }>(
    `SELECT to_char(max(date), 'YYYY-MM-DD') AS last FROM etl_published WHERE source = $1 AND country = $2`,
    [source, country],
  );
  return rows[0]?.last ?? undefined;
}
