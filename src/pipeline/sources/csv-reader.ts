// The one row-validation loop of the CSV sources, driven by a per-source layout (ecdc.ts,
// who.ts): the header is checked by column name, every row becomes a row, a rejected row (with
// all of its reasons) or a skipped non-country row. A source differs only in its columns, how
// it writes a date, and which columns it carries beyond the published ones.
import { classifyCode, type CodeClass } from '../../domain/countries.ts';
import type { SourceName } from '../../domain/record.ts';
import { columnIndex, csvRows, type CsvRows } from './csv.ts';
import type { ByteSource, ReaderItem, RowItem } from './types.ts';
import { hasReplacementChar, parseCount, type CountParse } from './values.ts';

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

/**
 * A CSV source's items in batches (one parsed chunk's rows each): the readers' consumers take a
 * batch at a time, with no promise per row.
 */
export async function* readCsvSource<C extends string>(layout: CsvLayout<C>, input: ByteSource): AsyncGenerator<ReaderItem[]> {
  let read: ((rows: CsvRows, r: number) => ReaderItem) | undefined;
  for await (const rows of csvRows(input, layout.source)) {
    const items: ReaderItem[] = [];
    for (let r = 0; r < rows.length; r++) {
      if (read === undefined) read = rowReader(layout, rows.fields(r));
      else items.push(read(rows, r));
    }
    if (items.length > 0) yield items;
  }
  if (read === undefined) columnIndex(layout.source, undefined, layout.columns); // an empty file throws
}

/** Distinct codes remembered per read: a file has a few hundred; a damaged one may have more. */
const MAX_CODES = 4096;

/**
 * The reader of the rows under `header` (checked here: a missing column throws). It decodes only
 * the cells it reads, codes, dates and regions interned (the same string for the same bytes).
 */
function rowReader<C extends string>(layout: CsvLayout<C>, header: string[]): (rows: CsvRows, r: number) => ReaderItem {
  const { source } = layout;
  const index = columnIndex(source, header, layout.columns);
  const noted = (layout.notedColumns ?? []).map((name) => header.indexOf(name)).filter((i) => i >= 0);
  const codes = new Map<string, CodeClass>();
  const optionalIndex = new Map<string, number>();
  // The row being read, for the cell readers below (made once, not per row).
  let rows: CsvRows;
  let r = 0;
  const cells: Cells<C> = (column) => rows.interned(r, index[column]);
  const optional = (column: string): string | null => {
    let i = optionalIndex.get(column);
    if (i === undefined) optionalIndex.set(column, (i = header.indexOf(column)));
    return i < 0 ? null : rows.interned(r, i);
  };
  const classify = (code: string): CodeClass => {
    let cls = codes.get(code);
    if (cls === undefined) {
      cls = classifyCode(source, code);
      if (codes.size < MAX_CODES) codes.set(code, cls);
    }
    return cls;
  };
  // Nearly every count is plain digits, read from the characters into an answer reused each row
  // (read before the next row); anything else goes through parseCount.
  const fastCases = { ok: true as const, value: 0 as number | null };
  const fastDeaths = { ok: true as const, value: 0 as number | null };
  const count = (column: C, fast: { ok: true; value: number | null }): CountParse => {
    const value = rows.digits(r, index[column]);
    if (value < 0) return parseCount(column, rows.text(r, index[column]));
    fast.value = value;
    return fast;
  };
  const garbledNoted = (): boolean => {
    for (const i of noted) if (rows.hasReplacementChar(r, i)) return true;
    return false;
  };

  return (batch, row) => {
    rows = batch;
    r = row;
    const line = rows.line(r);
    if (rows.size(r) !== header.length) {
      return { kind: 'rejected', line, reason: `expected ${header.length} fields, found ${rows.size(r)}`, raw: rows.raw(r) };
    }
    const code = cells(layout.code);
    const cls = classify(code);
    if (cls.kind === 'not-a-country') return { kind: 'skipped', line, code, reason: cls.reason };
    const date = layout.date(cells);
    const cases = count(layout.cases, fastCases);
    const deaths = count(layout.deaths, fastDeaths);
    if (cls.kind !== 'country' || !date.ok || !cases.ok || !deaths.ok) {
      const problems = [cls.kind === 'unknown' ? cls.reason : null, date, cases, deaths].flatMap((p) =>
        p === null ? [] : typeof p === 'string' ? [p] : p.ok ? [] : [p.reason],
      );
      const garbled = hasReplacementChar(code, ...layout.dateColumns.map(cells), cells(layout.cases), cells(layout.deaths));
      return {
        kind: 'rejected',
        line,
        reason: problems.join('; '),
        raw: rows.raw(r),
        ...(garbled ? { garbled: true } : {}),
        ...(cls.kind === 'unknown' ? { unknownCode: code } : {}),
      };
    }
    const item: RowItem = { kind: 'row', line, country: cls.country, date: date.value, cases: cases.value, deaths: deaths.value };
    if (garbledNoted()) item.garbledIgnoredField = true;
    return layout.extra ? Object.assign(item, layout.extra(optional)) : item;
  };
}
