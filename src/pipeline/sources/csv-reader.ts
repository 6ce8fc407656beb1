// The one row-validation loop of the CSV sources, driven by a per-source layout (ecdc.ts,
// who.ts): the header is checked by column name, every row becomes a row, a rejected row (with
// all of its reasons) or a skipped non-country row. A source differs only in its columns, how
// it writes a date, and which columns it carries beyond the published ones.
import { classifyCode } from '../../domain/countries.ts';
import type { SourceName } from '../../domain/record.ts';
import { columnIndex, csvRecords } from './csv.ts';
import type { ByteSource, ReaderItem, RowItem } from './types.ts';
import { hasReplacementChar, parseCount } from './values.ts';

export type DateParse = { ok: true; value: string } | { ok: false; reason: string };

/** Reads one cell of the current row by column name. */
export type Cells<C extends string> = (column: C) => string;

export interface CsvLayout<C extends string> {
  source: SourceName;
  /** Required columns; any other column is ignored (order may change). */
  columns: readonly C[];
  /** The country code, as written (not trimmed: WHO writes its "Other" row with the code " "). */
  code: C;
  cases: C;
  deaths: C;
  /** The row's date in ISO form, or why it cannot be read. */
  date: (cells: Cells<C>) => DateParse;
  /** The columns the date is read from, checked for U+FFFD when a row is rejected. */
  dateColumns: readonly C[];
  /**
   * Optional columns that are not published (a name): U+FFFD in them is only noted on the row
   * (garbledIgnoredField), never a rejection.
   */
  notedColumns?: readonly string[];
  /** Further fields of an accepted row taken from optional columns (`null` = column absent). */
  extra?: (cell: (column: string) => string | null) => Partial<RowItem>;
}

export async function* readCsvSource<C extends string>(layout: CsvLayout<C>, input: ByteSource): AsyncGenerator<ReaderItem> {
  const { source } = layout;
  let col: Record<C, number> | undefined;
  let header: string[] = [];
  let noted: number[] = [];
  for await (const { line, fields } of csvRecords(input, source)) {
    if (col === undefined) {
      col = columnIndex(source, fields, layout.columns);
      header = fields;
      noted = (layout.notedColumns ?? []).map((name) => fields.indexOf(name)).filter((i) => i >= 0);
      continue;
    }
    const raw = fields.join(',');
    if (fields.length !== header.length) {
      yield { kind: 'rejected', line, reason: `expected ${header.length} fields, found ${fields.length}`, raw };
      continue;
    }
    const index = col;
    const cells: Cells<C> = (column) => fields[index[column]]!;
    const code = cells(layout.code);
    const cls = classifyCode(source, code);
    if (cls.kind === 'not-a-country') {
      yield { kind: 'skipped', line, code, reason: cls.reason };
      continue;
    }
    const date = layout.date(cells);
    const cases = parseCount(layout.cases, cells(layout.cases));
    const deaths = parseCount(layout.deaths, cells(layout.deaths));
    if (cls.kind !== 'country' || !date.ok || !cases.ok || !deaths.ok) {
      const problems = [cls.kind === 'unknown' ? cls.reason : null, date, cases, deaths].flatMap((p) =>
        p === null ? [] : typeof p === 'string' ? [p] : p.ok ? [] : [p.reason],
      );
      const garbled = hasReplacementChar(code, ...layout.dateColumns.map(cells), cells(layout.cases), cells(layout.deaths));
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
    const garbledName = noted.some((i) => hasReplacementChar(fields[i]));
    const optional = (column: string): string | null => {
      const i = header.indexOf(column);
      return i < 0 ? null : fields[i]!;
    };
    yield {
      kind: 'row',
      line,
      country: cls.country,
      date: date.value,
      cases: cases.value,
      deaths: deaths.value,
      ...(garbledName ? { garbledIgnoredField: true as const } : {}),
      ...layout.extra?.(optional),
    };
  }
  if (col === undefined) columnIndex(source, undefined, layout.columns); // an empty file throws
}
