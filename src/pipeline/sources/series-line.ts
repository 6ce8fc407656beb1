// One staged series point as a line of text (stage-read.ts): `date,cases,deaths`, an empty
// count written as nothing (null, no value: not 0). A load writes and reads one line per source
// row, and this costs a fraction of JSON.stringify/JSON.parse of the same point. The fields are
// named once below: a field added to SeriesPoint fails the type check here until it is staged.
import type { SeriesPoint } from '../../domain/transform/types.ts';

type Staged = 'date' | 'cases' | 'deaths';
// Compile-time: the staged fields are exactly SeriesPoint's.
const exact: [keyof SeriesPoint] extends [Staged] ? ([Staged] extends [keyof SeriesPoint] ? true : false) : false = true;
void exact;

/** The line of a point, without its newline (a date has no comma, counts are integers). */
export function seriesLine(point: SeriesPoint): string {
  return `${point.date},${point.cases ?? ''},${point.deaths ?? ''}`;
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
