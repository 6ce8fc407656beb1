// Helpers of the end-to-end tests: what ClickHouse should hold, worked out from the source files
// with a parser of their own (not the system's readers or rules), and snapshots of what
// ClickHouse does hold (FINAL), to compare runs.
import { readFileSync } from 'node:fs';
import { ECDC_WHO_DAY_OFFSETS } from '../../src/domain/transform/boundary.ts';
import { sqlIdentifier, type ClickHouseClient } from '../../src/platform/clickhouse.ts';
import { parseCsvLine } from '../support/source-content.ts';

export interface Counts {
  cases: number | null;
  deaths: number | null;
}

/** One source file as rows keyed `country:date` (ISO codes, ISO dates, the source's own dating). */
export interface SourceRows {
  rows: Map<string, Counts>;
  countries: Set<string>;
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function csvRows(file: string | Buffer): { header: string[]; rows: string[][] } {
  const text = (typeof file === 'string' ? readFileSync(file) : file).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l !== '');
  return { header: parseCsvLine(lines[0]!), rows: lines.slice(1).map((l) => parseCsvLine(l)) };
}

const count = (text: string | undefined): number | null => (text === undefined || text.trim() === '' ? null : Number(text));

/** ECDC's CSV: geoId UK/EL → GB/GR, the cruise ship left out, dates from day/month/year. */
export function ecdcRows(file: string): SourceRows {
  const { header, rows } = csvRows(file);
  const at = (name: string) => header.indexOf(name);
  const [day, month, year, cases, deaths, geo] = ['day', 'month', 'year', 'cases', 'deaths', 'geoId'].map<number>(at);
  const out: SourceRows = { rows: new Map(), countries: new Set() };
  for (const r of rows) {
    const raw = r[geo!]!;
    if (raw === 'JPG11668') continue;
    const country = raw === 'UK' ? 'GB' : raw === 'EL' ? 'GR' : raw;
    const date = `${r[year!]}-${r[month!]!.padStart(2, '0')}-${r[day!]!.padStart(2, '0')}`;
    out.countries.add(country);
    out.rows.set(`${country}:${date}`, { cases: count(r[cases!]), deaths: count(r[deaths!]) });
  }
  return out;
}

/** WHO codes that are not countries in the daily file: Other, and the parts of Bonaire, Sint Eustatius and Saba. */
const WHO_NOT_COUNTRIES = new Set([' ', 'XA', 'XB', 'XC']);

export function whoRows(file: string | Buffer): SourceRows {
  const { header, rows } = csvRows(file);
  const at = (name: string) => header.indexOf(name);
  const [date, code, cases, deaths] = ['Date_reported', 'Country_code', 'New_cases', 'New_deaths'].map<number>(at);
  const out: SourceRows = { rows: new Map(), countries: new Set() };
  for (const r of rows) {
    const country = r[code!]!;
    if (WHO_NOT_COUNTRIES.has(country)) continue;
    out.countries.add(country);
    out.rows.set(`${country}:${r[date!]}`, { cases: count(r[cases!]), deaths: count(r[deaths!]) });
  }
  return out;
}

const quiet = (c: Counts | undefined) => c === undefined || ((c.cases ?? 0) === 0 && (c.deaths ?? 0) === 0);

/** First and last day with a report (not quiet) per country. */
function reportSpan(source: SourceRows, shift: (country: string, date: string) => string = (_c, d) => d): Map<string, { first: string; last: string }> {
  const spans = new Map<string, { first: string; last: string }>();
  for (const [key, counts] of source.rows) {
    if (quiet(counts)) continue;
    const country = key.slice(0, key.indexOf(':'));
    const date = shift(country, key.slice(key.indexOf(':') + 1));
    const span = spans.get(country);
    if (!span) spans.set(country, { first: date, last: date });
    else {
      if (date < span.first) span.first = date;
      if (date > span.last) span.last = date;
    }
  }
  return spans;
}

/**
 * The (country, date) keys the historical load must give, from SPEC 3.2: every day from a
 * source's first to its last report per country (reports, spread and filled days alike), ECDC
 * (its dates moved into WHO's convention, decision 0010) through its final report, WHO after it.
 */
export function expectedHistoryKeys(ecdc: SourceRows, who: SourceRows): Set<string> {
  const shift = (country: string, date: string) => addDays(date, ECDC_WHO_DAY_OFFSETS[country] ?? 0);
  const keys = new Set<string>();
  const addSpan = (country: string, from: string, to: string) => {
    for (let d = from; d <= to; d = addDays(d, 1)) keys.add(`${country}:${d}`);
  };
  for (const [country, span] of reportSpan(ecdc, shift)) addSpan(country, span.first, span.last);
  for (const [country, span] of reportSpan(who)) {
    const from = ecdc.countries.has(country) ? addDays(shift(country, '2020-12-14'), 1) : span.first;
    addSpan(country, span.first > from ? span.first : from, span.last);
  }
  return keys;
}

export interface Row {
  cases: number;
  deaths: number;
  source: string;
  estimated: number;
}

/** What ClickHouse answers with FINAL, keyed `country:date`. */
export async function snapshot(clickhouse: ClickHouseClient, database: string): Promise<Map<string, Row>> {
  // TabSeparated: ClickHouse 18.16 has no JSONCompactEachRow, and 250,000 JSON objects cost more.
  const result = await clickhouse.query({
    query: `SELECT country, toString(date), cases, deaths, source, estimated FROM ${sqlIdentifier(database)}.daily FINAL`,
    format: 'TabSeparated',
  });
  const rows = new Map<string, Row>();
  for (const line of (await result.text()).split('\n')) {
    if (line === '') continue;
    const [country, date, cases, deaths, source, estimated] = line.split('\t') as [string, string, string, string, string, string];
    rows.set(`${country}:${date}`, { cases: Number(cases), deaths: Number(deaths), source, estimated: Number(estimated) });
  }
  return rows;
}

export interface SnapshotDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function diff(before: ReadonlyMap<string, Row>, after: ReadonlyMap<string, Row>): SnapshotDiff {
  const same = (a: Row, b: Row) => a.cases === b.cases && a.deaths === b.deaths && a.source === b.source && a.estimated === b.estimated;
  const out: SnapshotDiff = { added: [], removed: [], changed: [] };
  for (const [key, row] of after) {
    const old = before.get(key);
    if (!old) out.added.push(key);
    else if (!same(old, row)) out.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) out.removed.push(key);
  for (const list of Object.values(out) as string[][]) list.sort();
  return out;
}

/** The rows of one country over [from, to], in date order. */
export function span(rows: ReadonlyMap<string, Row>, country: string, from: string, to: string): (Row & { date: string })[] {
  const out: (Row & { date: string })[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const row = rows.get(`${country}:${d}`);
    if (row) out.push({ ...row, date: d });
  }
  return out;
}

export function sum(rows: readonly Row[]): { cases: number; deaths: number } {
  return rows.reduce((s, r) => ({ cases: s.cases + r.cases, deaths: s.deaths + r.deaths }), { cases: 0, deaths: 0 });
}
