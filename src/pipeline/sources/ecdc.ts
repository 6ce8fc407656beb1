// Reader for ECDC "COVID-19 geographic distribution worldwide" (daily CSV, final release
// 2020-12-14). `dateRep` is dd/mm/yyyy in the original and m/d/yyyy in copies re-saved by
// Excel; the `day`, `month`, `year` columns say which reading is right, row by row, so the
// format is never guessed. Codes go through classifyCode (UK → GB, EL → GR, JPG11668 skipped).
import { isoFromParts, parseDmy, parseMdy } from '../../domain/dates.ts';
import { readCsvSource, type CsvLayout, type DateParse } from './csv-reader.ts';
import type { ByteSource, ReaderItem } from './types.ts';

export const ECDC_COLUMNS = ['dateRep', 'day', 'month', 'year', 'cases', 'deaths', 'geoId'] as const;

export const ECDC_LAYOUT: CsvLayout<(typeof ECDC_COLUMNS)[number]> = {
  source: 'ecdc',
  columns: ECDC_COLUMNS,
  code: 'geoId',
  cases: 'cases',
  deaths: 'deaths',
  date: (cell) => ecdcDate(cell('dateRep'), cell('day'), cell('month'), cell('year')),
  dateColumns: ['dateRep'],
};

export function readEcdc(input: ByteSource): AsyncGenerator<ReaderItem[]> {
  return readCsvSource(ECDC_LAYOUT, input);
}

/** Answers of ecdcDate kept: a file has one per day (≈ 350); a damaged one may have more. */
const MAX_DATES = 4096;
/** Per dateRep, the last day/month/year cells seen with it and the answer for them. */
const dates = new Map<string, { day: string; month: string; year: string; parse: DateParse }>();

/** The date of a row: dateRep read as dd/mm/yyyy or m/d/yyyy, whichever agrees with day/month/year. */
export function ecdcDate(dateRep: string, day: string, month: string, year: string): DateParse {
  // The reader hands over interned cells: the same dateRep with the same parts is a Map lookup and
  // three comparisons of the same strings, no key built per row.
  const known = dates.get(dateRep);
  if (known !== undefined && known.day === day && known.month === month && known.year === year) return known.parse;
  const parse = readEcdcDate(dateRep, day, month, year);
  if (known !== undefined || dates.size < MAX_DATES) dates.set(dateRep, { day, month, year, parse });
  return parse;
}

function readEcdcDate(dateRep: string, day: string, month: string, year: string): DateParse {
  const parts = [year, month, day].map((s) => (/^\d{1,4}$/.test(s.trim()) ? Number(s) : NaN));
  const fromParts = isoFromParts(parts[0]!, parts[1]!, parts[2]!);
  if (fromParts === null) return { ok: false, reason: `day/month/year ${day}/${month}/${year} is not a date` };
  for (const read of [parseDmy(dateRep), parseMdy(dateRep)]) {
    if (read === fromParts) return { ok: true, value: read };
  }
  return { ok: false, reason: `dateRep ${JSON.stringify(dateRep)} does not agree with day/month/year ${day}/${month}/${year}` };
}
