// Reading ClickHouse answers in TabSeparated, the cheapest format to produce and to parse, for
// the repositories of the daily table; and the date-range conditions their queries share.
import type { ClickHouseClient } from '../../platform/clickhouse.ts';
import { sqlString } from '../../platform/clickhouse.ts';
import { guarded, storeFailure } from './store-errors.ts';

/** TabSeparated escapes backslash, tab, newline (and a few more) in strings. */
export function unescapeTsv(value: string): string {
  if (!value.includes('\\')) return value;
  return value.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' })[c] ?? c);
}

/** A TSV number that may be NULL (`\N`). */
export function nullableNumber(value: string): number | null {
  return value === '\\N' ? null : Number(value);
}

export function tsvLines(text: string): string[][] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n').map((line) => line.split('\t'));
}

// No settings are sent with a query: the API's ClickHouse user (CLICKHOUSE_READ_URL) carries
// them in its profile (readonly=1, max_execution_time, memory and result limits:
// infra/clickhouse/users.d/reader.xml), and readonly=1 refuses any a query would change.

/** The whole answer, as rows of fields. */
export function selectTsv(clickhouse: ClickHouseClient, query: string): Promise<string[][]> {
  return guarded('clickhouse', async () => {
    const result = await clickhouse.query({ query, format: 'TabSeparated' });
    return tsvLines(await result.text());
  });
}

/**
 * The answer in batches, without holding it in memory. Resolves once ClickHouse accepted the
 * query, so "unavailable" is known before anything is sent.
 */
export async function streamTsv<T>(clickhouse: ClickHouseClient, query: string, parse: (fields: string[]) => T): Promise<AsyncIterable<T[]>> {
  const result = await guarded('clickhouse', () => clickhouse.query({ query, format: 'TabSeparated' }));
  return (async function* () {
    try {
      for await (const batch of result.stream()) yield (batch as { text: string }[]).map(({ text }) => parse(text.split('\t')));
    } catch (error) {
      storeFailure('clickhouse', error);
    } finally {
      result.close();
    }
  })();
}

// The Date type covers 1970-01-01..2105-12-31; outside it toDate() wraps silently.
const DATE_MIN = '1970-01-01';
const DATE_MAX = '2105-12-31';

/** Conditions on `column` for an inclusive range of validated YYYY-MM-DD dates. */
export function dateBounds(column: string, { start, end }: { start?: string; end?: string }): string[] {
  if ((start !== undefined && start > DATE_MAX) || (end !== undefined && end < DATE_MIN)) return ['0'];
  const conditions: string[] = [];
  if (start !== undefined && start > DATE_MIN) conditions.push(`${column} >= toDate(${sqlString(start)})`);
  if (end !== undefined && end < DATE_MAX) conditions.push(`${column} <= toDate(${sqlString(end)})`);
  return conditions;
}
