// What a source reader yields, one item per source row, so that a bad row is counted and kept
// (rejected with its reason) instead of stopping the read or disappearing.
import type { Readable } from 'node:stream';
import type { RecordRegion } from '../../domain/regions.ts';

/** The bytes of a source: a Node stream (from openLocation) or any async iterable of chunks. */
export type ByteSource = Readable | AsyncIterable<Uint8Array | string>;

export interface RowItem {
  kind: 'row';
  /** Line of the source file where the row ends (1 = header). */
  line: number;
  country: string;
  date: string;
  /** null = empty cell (no value reported), never 0. */
  cases: number | null;
  deaths: number | null;
  /** A field the system does not publish (a name) holds U+FFFD, i.e. bytes lost before us. */
  garbledIgnoredField?: true;
  /** The row's WHO region (WHO files only). */
  region?: RecordRegion;
}

export interface RejectedItem {
  kind: 'rejected';
  line: number;
  reason: string;
  /** The row as the source wrote it (fields joined by commas), for the dead-letter topic. */
  raw: string;
  /** A field the system publishes (code, date, count) holds U+FFFD. */
  garbled?: true;
  /** Set when (among other things) the country code is unknown: the code as written. */
  unknownCode?: string;
}

export interface SkippedItem {
  kind: 'skipped';
  line: number;
  /** The source's code for the row, e.g. `JPG11668`. */
  code: string;
  reason: string;
}

export type ReaderItem = RowItem | RejectedItem | SkippedItem;

export const REPLACEMENT_CHAR = '\uFFFD';
