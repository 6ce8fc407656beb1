// One staged series point as a line of text (stage-read.ts): `date,cases,deaths`, an empty
// count written as nothing (null, no value: not 0). A load writes and reads one line per source
// row, and this costs a fraction of JSON.stringify/JSON.parse of the same point; it is written
// as bytes straight into the stage's buffer, with no string per row. The fields are
// named once below: a field added to SeriesPoint fails the type check here until it is staged.
import type { SeriesPoint } from '../../domain/transform/types.ts';
import { INTEGER_MAX_BYTES, writeInteger } from '../ascii-bytes.ts';

type Staged = 'date' | 'cases' | 'deaths';
// Compile-time: the staged fields are exactly SeriesPoint's.
const exact: [keyof SeriesPoint] extends [Staged] ? ([Staged] extends [keyof SeriesPoint] ? true : false) : false = true;
void exact;

/** Room a line takes at most: an ISO date, two safe integers with their signs, two commas, a newline. */
export const SERIES_LINE_MAX = 10 + 2 * INTEGER_MAX_BYTES + 3;

/**
 * Writes the line of a point and its newline into `bytes` at `at` (SERIES_LINE_MAX free bytes);
 * returns where it ends. The date is an ISO date (the readers checked it): ASCII, no comma.
 */
export function writeSeriesLine(point: SeriesPoint, bytes: Uint8Array, at: number): number {
  const { date } = point;
  if (date.length !== 10) throw new Error(`not an ISO date: ${JSON.stringify(date)}`);
  for (let i = 0; i < 10; i++) bytes[at++] = date.charCodeAt(i);
  bytes[at++] = COMMA;
  at = writeCount(point.cases, bytes, at);
  bytes[at++] = COMMA;
  at = writeCount(point.deaths, bytes, at);
  bytes[at++] = LF;
  return at;
}

/** The line of a point, without its newline. */
export function seriesLine(point: SeriesPoint): string {
  const bytes = Buffer.alloc(SERIES_LINE_MAX);
  return bytes.toString('latin1', 0, writeSeriesLine(point, bytes, 0) - 1);
}

const COMMA = 0x2c;
const LF = 0x0a;

/** A count in decimal, nothing for null (no value: not 0). */
function writeCount(count: number | null, bytes: Uint8Array, at: number): number {
  return count === null ? at : writeInteger(count, bytes, at);
}

/** The point of a staged line; throws on a line this module did not write (a damaged stage). */
export function parseSeriesLine(line: string): SeriesPoint {
  const first = line.indexOf(',');
  const second = line.indexOf(',', first + 1);
  if (first < 0 || second < 0 || line.indexOf(',', second + 1) >= 0) throw new Error(`not a staged series line: ${JSON.stringify(line)}`);
  return { date: line.slice(0, first), cases: count(line, first + 1, second), deaths: count(line, second + 1, line.length) };
}

function count(line: string, from: number, to: number): number | null {
  if (from === to) return null;
  const value = Number(line.slice(from, to));
  if (!Number.isSafeInteger(value)) throw new Error(`not a staged series line: ${JSON.stringify(line)}`);
  return value;
}
