// The real source copies (../shared/data, PROVENANCE.md) and small helpers for the reader tests.
// The independent line parsers below exist so that expected numbers never come from the code
// under test: they split the known, simple layouts of these files by hand.
import { createReadStream, readFileSync } from 'node:fs';
import { dataFile } from '../../support/paths.ts';
import type { ReaderItem } from '../../../src/pipeline/sources/types.ts';

export const ECDC_ORIGINAL = dataFile('ecdc/ecdc_COVID-19-worldwide_2020-12-06_original.csv');
export const ECDC_EXCEL = dataFile('ecdc/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_excel-resaved.csv');
export const ECDC_RECONSTRUCTED = dataFile('ecdc/derived/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_RECONSTRUCTED.csv');
export const WHO_DAILY = dataFile('who/WHO-COVID-19-global-data_DAILY_to-2023-06-07.csv');
export const WHO_WEEKLY = dataFile('who/WHO-COVID-19-global-data_WEEKLY_to-2025-09-28.csv');
export const WHO_WEEKLY_OLDER = dataFile('who/WHO-COVID-19-global-data_WEEKLY_to-2025-06-01.csv');
export const WHO_EXCERPT = dataFile('who/WHO-COVID-19-global-daily-data_to-2025-03-02_EXCERPT_RU-rows_TRANSCRIBED.csv');
export const POSTS_DIR = dataFile('ru_obyasnyaem_rf/raw_html');

/** A reader's items, its batches joined. */
export async function drain(batches: AsyncIterable<readonly ReaderItem[]>): Promise<ReaderItem[]> {
  const out: ReaderItem[] = [];
  for await (const items of batches) for (const item of items) out.push(item);
  return out;
}

const cache = new Map<string, Promise<ReaderItem[]>>();

/** A reader's items for a file, read once per test process (the files are large). */
export function readOnce(reader: (input: ReturnType<typeof open>) => AsyncIterable<readonly ReaderItem[]>, file: string): Promise<ReaderItem[]> {
  let items = cache.get(file);
  if (!items) {
    items = drain(reader(open(file)));
    cache.set(file, items);
  }
  return items;
}

export function open(file: string, highWaterMark?: number) {
  return createReadStream(file, highWaterMark === undefined ? {} : { highWaterMark });
}

export function countKinds(items: ReaderItem[]) {
  const counts = { row: 0, rejected: 0, skipped: 0 };
  for (const item of items) counts[item.kind]++;
  return counts;
}

/** Data lines of a file, split on commas after blanking the one quoted name these files have. */
export function plainRows(file: string): string[][] {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.replace(/"[^"]*"/g, 'QUOTED').split(','));
}

const ECDC_ALIAS: Record<string, string> = { UK: 'GB', EL: 'GR' };

/** Per country: sum of cases and deaths over the file (ECDC: geoId is field 7, counts 4 and 5). */
export function ecdcFileTotals(file: string): Map<string, { cases: number; deaths: number }> {
  const totals = new Map<string, { cases: number; deaths: number }>();
  for (const f of plainRows(file)) {
    const code = ECDC_ALIAS[f[7]!] ?? f[7]!;
    if (code === 'JPG11668') continue;
    const t = totals.get(code) ?? { cases: 0, deaths: 0 };
    t.cases += Number(f[4]);
    t.deaths += Number(f[5]);
    totals.set(code, t);
  }
  return totals;
}

const WHO_NOT_COUNTRIES = new Set([' ', 'XA', 'XB', 'XC', 'XXF', 'XXG', 'XXH', 'XXI', 'XXJ', 'XXL']);

/** Per country: sum of New_cases and New_deaths (WHO: code field 1, counts 4 and 6). */
export function whoFileTotals(file: string): Map<string, { cases: number; deaths: number }> {
  const totals = new Map<string, { cases: number; deaths: number }>();
  for (const f of plainRows(file)) {
    if (WHO_NOT_COUNTRIES.has(f[1]!)) continue;
    const t = totals.get(f[1]!) ?? { cases: 0, deaths: 0 };
    t.cases += Number(f[4] || 0);
    t.deaths += Number(f[6] || 0);
    totals.set(f[1]!, t);
  }
  return totals;
}
