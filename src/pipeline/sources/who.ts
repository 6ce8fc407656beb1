// Reader for the WHO COVID-19 global data CSV: the daily release
// (WHO-COVID-19-global-daily-data.csv) and the weekly one (WHO-COVID-19-global-data.csv, one
// row per Sunday) share the header, and this reader takes either. Empty New_* cells are null
// (no report that day); an older release's `0` on such days stays 0, a value (rule 4). The
// region column (optional) goes with each row (SPEC 6.1); names and cumulative columns are not
// published: U+FFFD in a name (the weekly release has five) is noted, not rejected.
import { parseIsoDate } from '../../domain/dates.ts';
import { recordRegion, type RecordRegion } from '../../domain/regions.ts';
import { readCsvSource, type CsvLayout, type DateParse } from './csv-reader.ts';
import type { ByteSource, ReaderItem } from './types.ts';

export const WHO_COLUMNS = ['Date_reported', 'Country_code', 'New_cases', 'New_deaths'] as const;

/** Answers of whoDate kept: a file has one per day (≈ 1,300); a damaged one may have more. */
const MAX_DATES = 4096;
const dates = new Map<string, DateParse>();

/** A row's region per cell as written (a file has a dozen spellings; a damaged one may have more). */
const MAX_REGIONS = 256;
const regions = new Map<string, { region: RecordRegion }>();

export const WHO_LAYOUT: CsvLayout<(typeof WHO_COLUMNS)[number]> = {
  source: 'who',
  columns: WHO_COLUMNS,
  code: 'Country_code',
  cases: 'New_cases',
  deaths: 'New_deaths',
  date: (cell) => whoDate(cell('Date_reported')),
  dateColumns: ['Date_reported'],
  notedColumns: ['Country'],
  extra: (cell) => {
    const text = cell('WHO_region');
    if (text === null) return {};
    let extra = regions.get(text);
    if (extra === undefined) {
      extra = { region: recordRegion(text) };
      if (regions.size < MAX_REGIONS) regions.set(text, extra);
    }
    return extra; // copied onto the row, never changed
  },
};

/** Date_reported (strict YYYY-MM-DD), remembered per cell: every date repeats on each country's row. */
function whoDate(text: string): DateParse {
  let parse = dates.get(text);
  if (parse === undefined) {
    const date = parseIsoDate(text.trim());
    parse = date === null ? { ok: false, reason: `Date_reported is not a YYYY-MM-DD date: ${JSON.stringify(text)}` } : { ok: true, value: date };
    if (dates.size < MAX_DATES) dates.set(text, parse);
  }
  return parse;
}

export function readWho(input: ByteSource): AsyncGenerator<ReaderItem[]> {
  return readCsvSource(WHO_LAYOUT, input);
}
