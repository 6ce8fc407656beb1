// Shapes shared by the transformation rules (SPEC 3.2).
import type { DailyRecord, SourceName } from '../record.ts';

/** One source row of one country, as read: an empty cell is null (not 0: a 0 is a value). */
export interface SeriesPoint {
  date: string;
  cases: number | null;
  deaths: number | null;
}

/** How a missing value inside a reported period is filled (rule 4, FILL_POLICY). */
export const FILL_POLICIES = ['ffill', 'zero'] as const;
export type FillPolicy = (typeof FILL_POLICIES)[number];

/** Records that carry `estimated` and why (disjoint: a spread record is never counted as filled). */
export interface TransformCounts {
  /** Records made by spreading a weekly total over its days (rules 3 and 6). */
  spread: number;
  /** Other records with at least one filled value (rule 4). */
  filled: number;
}

export interface TransformResult {
  records: DailyRecord[];
  counts: TransformCounts;
}

export interface SeriesInput {
  country: string;
  source: SourceName;
  points: Iterable<SeriesPoint>;
  fill: FillPolicy;
  /**
   * The dates this source stands for (rule 2), inclusive; null/absent = open. No records are
   * made outside it, and a weekly report whose 7 days begin before `from` is spread over its
   * days from `from` on, so that the boundary drops no part of a report.
   */
  from?: string | null;
  to?: string | null;
}
