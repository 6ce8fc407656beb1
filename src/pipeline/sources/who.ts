// Reader for the WHO COVID-19 global data CSV: the daily release
// (WHO-COVID-19-global-daily-data.csv) and the weekly one (WHO-COVID-19-global-data.csv, one
// row per Sunday) share the header, and this reader takes either. Empty New_* cells are null
// (no report that day); an older release's `0` on such days stays 0, a value (rule 4). Names,
// regions and cumulative columns are not used: U+FFFD in a name (the weekly release has five)
// is noted, not rejected.
import { classifyCode } from '../../domain/countries.ts';
import { parseIsoDate } from '../../domain/dates.ts';
import { columnIndex, csvRecords } from './csv.ts';
import type { ByteSource, ReaderItem } from './types.ts';
import { hasReplacementChar, parseCount } from './values.ts';

export const WHO_COLUMNS = ['Date_reported', 'Country_code', 'New_cases', 'New_deaths'] as const;

export async function* readWho(input: ByteSource): AsyncGenerator<ReaderItem> {
  let col: Record<(typeof WHO_COLUMNS)[number], number> | undefined;
  let nameCol = -1;
  let width = 0;
  for await (const { line, fields } of csvRecords(input, 'who')) {
    if (col === undefined) {
      col = columnIndex('who', fields, WHO_COLUMNS);
      nameCol = fields.indexOf('Country');
      width = fields.length;
      continue;
    }
    const raw = fields.join(',');
    if (fields.length !== width) {
      yield { kind: 'rejected', line, reason: `expected ${width} fields, found ${fields.length}`, raw };
      continue;
    }
    // Not trimmed: WHO writes its "Other" row with the code " ".
    const code = fields[col.Country_code]!;
    const cls = classifyCode('who', code);
    if (cls.kind === 'not-a-country') {
      yield { kind: 'skipped', line, code, reason: cls.reason };
      continue;
    }
    const problems: string[] = [];
    if (cls.kind === 'unknown') problems.push(cls.reason);
    const dateText = fields[col.Date_reported]!;
    const date = parseIsoDate(dateText.trim());
    if (date === null) problems.push(`Date_reported is not a YYYY-MM-DD date: ${JSON.stringify(dateText)}`);
    const cases = parseCount('New_cases', fields[col.New_cases]!);
    if (!cases.ok) problems.push(cases.reason);
    const deaths = parseCount('New_deaths', fields[col.New_deaths]!);
    if (!deaths.ok) problems.push(deaths.reason);

    if (cls.kind !== 'country' || date === null || !cases.ok || !deaths.ok) {
      const garbled = hasReplacementChar(code, dateText, fields[col.New_cases], fields[col.New_deaths]);
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
    const garbledName = nameCol >= 0 && hasReplacementChar(fields[nameCol]);
    yield {
      kind: 'row',
      line,
      country: cls.country,
      date,
      cases: cases.value,
      deaths: deaths.value,
      ...(garbledName ? { garbledIgnoredField: true } : {}),
    };
  }
  if (col === undefined) columnIndex('who', undefined, WHO_COLUMNS); // an empty file throws
}
