// Reader for ECDC "COVID-19 geographic distribution worldwide" (daily CSV, final release
// 2020-12-14). `dateRep` is dd/mm/yyyy in the original and m/d/yyyy in copies re-saved by
// Excel; the `day`, `month`, `year` columns say which reading is right, row by row, so the
// format is never guessed. Codes go through classifyCode (UK → GB, EL → GR, JPG11668 skipped).
import { classifyCode } from '../../domain/countries.ts';
import { isoFromParts, parseDmy, parseMdy } from '../../domain/dates.ts';
import { columnIndex, csvRecords } from './csv.ts';
import type { ByteSource, ReaderItem } from './types.ts';
import { hasReplacementChar, parseCount } from './values.ts';

export const ECDC_COLUMNS = ['dateRep', 'day', 'month', 'year', 'cases', 'deaths', 'geoId'] as const;

export async function* readEcdc(input: ByteSource): AsyncGenerator<ReaderItem> {
  let col: Record<(typeof ECDC_COLUMNS)[number], number> | undefined;
  let width = 0;
  for await (const { line, fields } of csvRecords(input, 'ecdc')) {
    if (col === undefined) {
      col = columnIndex('ecdc', fields, ECDC_COLUMNS);
      width = fields.length;
      continue;
    }
    const raw = fields.join(',');
    if (fields.length !== width) {
      yield { kind: 'rejected', line, reason: `expected ${width} fields, found ${fields.length}`, raw };
      continue;
    }
    const code = fields[col.geoId]!;
    const cls = classifyCode('ecdc', code);
    if (cls.kind === 'not-a-country') {
      yield { kind: 'skipped', line, code, reason: cls.reason };
      continue;
    }
    const problems: string[] = [];
    if (cls.kind === 'unknown') problems.push(cls.reason);
    const date = ecdcDate(fields[col.dateRep]!, fields[col.day]!, fields[col.month]!, fields[col.year]!);
    if (!date.ok) problems.push(date.reason);
    const cases = parseCount('cases', fields[col.cases]!);
    if (!cases.ok) problems.push(cases.reason);
    const deaths = parseCount('deaths', fields[col.deaths]!);
    if (!deaths.ok) problems.push(deaths.reason);

    if (cls.kind !== 'country' || !date.ok || !cases.ok || !deaths.ok) {
      const garbled = hasReplacementChar(code, fields[col.dateRep], fields[col.cases], fields[col.deaths]);
      yield {
        kind: 'rejected',
        line,
        reason: problems.join('; '),
        raw,
        ...(garbled ? { garbled: true } : {}),
        ...(cls.kind === 'unknown' ? { unknownCode: code } : {}),
      };
      continue;
    }
    yield { kind: 'row', line, country: cls.country, date: date.value, cases: cases.value, deaths: deaths.value };
  }
  if (col === undefined) columnIndex('ecdc', undefined, ECDC_COLUMNS); // an empty file throws
}

type DateParse = { ok: true; value: string } | { ok: false; reason: string };

/** The date of a row: dateRep read as dd/mm/yyyy or m/d/yyyy, whichever agrees with day/month/year. */
export function ecdcDate(dateRep: string, day: string, month: string, year: string): DateParse {
  const parts = [year, month, day].map((s) => (/^\d{1,4}$/.test(s.trim()) ? Number(s) : NaN));
  const fromParts = isoFromParts(parts[0]!, parts[1]!, parts[2]!);
  if (fromParts === null) return { ok: false, reason: `day/month/year ${day}/${month}/${year} is not a date` };
  for (const read of [parseDmy(dateRep), parseMdy(dateRep)]) {
    if (read === fromParts) return { ok: true, value: read };
  }
  return { ok: false, reason: `dateRep ${JSON.stringify(dateRep)} does not agree with day/month/year ${day}/${month}/${year}` };
}
