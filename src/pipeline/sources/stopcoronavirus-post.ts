// One weekly post of объясняем.рф /stopkoronavirus/ → the week (Monday..Sunday, from its
// heading) and Russia's totals (the `Российская Федерация` row, columns `Выявлено` = cases and
// `Умерло` = deaths). The table is read by column NAME and the row by its NAME: the row index
// and the column positions differ between pages (a heading row inside the table on some, an
// extra empty row on others). Missing table/heading/row → SourceLayoutError; a heading or a
// value that is there but unreadable → the post is rejected with its reason.
// htmlparser2 (cheerio/slim), not parse5: a tenth of the CPU on these pages, the same tables,
// rows and headings (decision 0117).
import type { CheerioAPI } from 'cheerio';
import { load } from 'cheerio/slim';
import { isoFromParts, daysBetween } from '../../domain/dates.ts';
import type { WeekTotal } from '../../domain/transform/weekly.ts';
import { SourceLayoutError } from './errors.ts';

const SOURCE = 'stopcoronavirus';
export const COUNTRY_ROW = 'Российская Федерация';
export const NAME_COLUMN = 'Наименование субъекта';
export const CASES_COLUMN = 'Выявлено';
export const DEATHS_COLUMN = 'Умерло';

export type PostRead =
  | { kind: 'week'; url: string; heading: string; week: WeekTotal }
  | { kind: 'rejected'; url: string; reason: string; raw: string };

interface Cell {
  text: string;
  span: number;
}

// The element type, inferred from cheerio rather than imported from its dependency.
const tablesOf = ($: CheerioAPI) => $('table').toArray();
type HtmlElement = ReturnType<typeof tablesOf>[number];

/** Collapse whitespace (incl. NBSP and line breaks inside cells) and trim. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const sameName = (a: string, b: string) => a.toLocaleLowerCase('ru') === b.toLocaleLowerCase('ru');

export function readStopcoronavirusPost(html: string, url = ''): PostRead {
  const $ = load(html);
  const table = findTable($);
  const heading = findHeading($, table.element);
  const row = table.rows.find((cells) => sameName(cellAt(cells, table.nameCol) ?? '', COUNTRY_ROW));
  if (row === undefined) {
    const names = table.rows.slice(0, 4).map((cells) => JSON.stringify(cellAt(cells, table.nameCol) ?? ''));
    throw new SourceLayoutError(SOURCE, `a row ${JSON.stringify(COUNTRY_ROW)} in the table`, `rows ${names.join(', ')}…`);
  }
  const raw = `${heading} | ${row.map((c) => c.text).join(' | ')}`;
  const week = parseWeekHeading(heading);
  if (!week.ok) return { kind: 'rejected', url, reason: week.reason, raw };
  const cases = parseTotal(CASES_COLUMN, cellAt(row, table.casesCol));
  const deaths = parseTotal(DEATHS_COLUMN, cellAt(row, table.deathsCol));
  if (!cases.ok || !deaths.ok) {
    const reasons = [cases, deaths].flatMap((r) => (r.ok ? [] : [r.reason]));
    return { kind: 'rejected', url, reason: reasons.join('; '), raw };
  }
  return {
    kind: 'week',
    url,
    heading,
    week: { country: 'RU', weekStart: week.start, weekEnd: week.end, cases: cases.value, deaths: deaths.value },
  };
}

interface FoundTable {
  element: HtmlElement;
  /** Rows after the column-name row, as cells. */
  rows: Cell[][];
  nameCol: number;
  casesCol: number;
  deathsCol: number;
}

/** The first table that has a row naming the three columns we read. */
function findTable($: CheerioAPI): FoundTable {
  const seen: string[] = [];
  for (const element of tablesOf($)) {
    const rows = $(element)
      .find('tr')
      .toArray()
      .map((tr) =>
        $(tr)
          .children('td, th')
          .toArray()
          .map((td) => ({ text: normalizeText($(td).text()), span: Math.max(1, Number($(td).attr('colspan') ?? 1) || 1) })),
      );
    for (let i = 0; i < rows.length; i++) {
      const names = rows[i]!;
      const nameCol = columnOf(names, NAME_COLUMN);
      const casesCol = columnOf(names, CASES_COLUMN);
      const deathsCol = columnOf(names, DEATHS_COLUMN);
      if (nameCol >= 0 && casesCol >= 0 && deathsCol >= 0) {
        return { element, rows: rows.slice(i + 1), nameCol, casesCol, deathsCol };
      }
    }
    seen.push(rows.slice(0, 2).map((cells) => cells.map((c) => c.text).join(' | ')).join(' / ') || '(empty table)');
  }
  throw new SourceLayoutError(
    SOURCE,
    `a table with columns ${[NAME_COLUMN, CASES_COLUMN, DEATHS_COLUMN].join(', ')}`,
    seen.length === 0 ? 'no table' : `tables starting ${seen.map((s) => JSON.stringify(s.slice(0, 160))).join('; ')}`,
  );
}

/** Column position of a name, counting colspans, or -1. */
function columnOf(cells: Cell[], name: string): number {
  let position = 0;
  for (const cell of cells) {
    if (sameName(cell.text, name)) return position;
    position += cell.span;
  }
  return -1;
}

function cellAt(cells: Cell[], column: number): string | undefined {
  let position = 0;
  for (const cell of cells) {
    if (position === column) return cell.text;
    position += cell.span;
    if (position > column) return undefined;
  }
  return undefined;
}

// A date range: the first date may lack its year or end with a dot; dash, en or em dash with
// any spacing. `23.10- 29.10.2023`, `04.12.2023–10.12.2023`, `01.04. - 07.04.2024`.
const RANGE = /(\d{1,2})\.(\d{1,2})\.?(\d{4})?\s*[-–—]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})/;

/**
 * The week heading: a heading inside the table (first row), else the last heading before the
 * table (an h2/h3 in the article, or the title of the separate table block). Only headings that
 * hold a date range count, so links to other posts (also h3) are never taken for it.
 */
function findHeading($: CheerioAPI, table: HtmlElement): string {
  const HEADINGS = 'h1, h2, h3, h4, h5, h6';
  const inside = $(table)
    .find(HEADINGS)
    .toArray()
    .map((h) => normalizeText($(h).text()))
    .find((t) => RANGE.test(t));
  if (inside !== undefined) return inside;

  let before: string | undefined;
  const seen: string[] = [];
  for (const element of $(`${HEADINGS}, table`).toArray()) {
    if (element === table) break;
    if ($(element).is('table')) continue;
    const text = normalizeText($(element).text());
    if (seen.length < 6 && text !== '') seen.push(text);
    if (RANGE.test(text)) before = text;
  }
  if (before !== undefined) return before;
  throw new SourceLayoutError(
    SOURCE,
    'a week heading with a date range, e.g. "(23.10 - 29.10.2023)", in or before the table',
    seen.length === 0 ? 'no heading' : `headings ${seen.map((s) => JSON.stringify(s.slice(0, 80))).join(', ')}`,
  );
}

type WeekParse = { ok: true; start: string; end: string } | { ok: false; reason: string };

/** The week in a heading; a first date without a year takes the end's (the year before, in a week across New Year). */
export function parseWeekHeading(heading: string): WeekParse {
  const m = RANGE.exec(heading);
  if (!m) return { ok: false, reason: `no date range in the week heading ${JSON.stringify(heading)}` };
  const [endDay, endMonth, endYear] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const startMonth = Number(m[2]);
  const startYear = m[3] !== undefined ? Number(m[3]) : startMonth > endMonth ? endYear - 1 : endYear;
  const start = isoFromParts(startYear, startMonth, Number(m[1]));
  const end = isoFromParts(endYear, endMonth, endDay);
  if (start === null || end === null) return { ok: false, reason: `the week heading has an impossible date: ${JSON.stringify(heading)}` };
  const span = daysBetween(start, end) + 1;
  if (span !== 7) return { ok: false, reason: `the week heading spans ${span} days, not 7: ${JSON.stringify(heading)}` };
  return { ok: true, start, end };
}

type TotalParse = { ok: true; value: number } | { ok: false; reason: string };

/** A count like `25 983`, `9451` or ` 107 174 ` (any whitespace as thousands separator). */
export function parseTotal(column: string, text: string | undefined): TotalParse {
  const compact = (text ?? '').replace(/\s+/g, '');
  if (!/^\d+$/.test(compact)) return { ok: false, reason: `${column} of ${COUNTRY_ROW} is not a number: ${JSON.stringify(text ?? '')}` };
  const value = Number(compact);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `${column} of ${COUNTRY_ROW} is out of range: ${JSON.stringify(text)}` };
  return { ok: true, value };
}
