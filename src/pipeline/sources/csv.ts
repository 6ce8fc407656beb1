// Streaming CSV for the source readers: the rows of each input chunk as it arrives, read in place
// (csv-scan.ts, csv-rows.ts), the header checked by column name. No value is cast, so Namibia's
// `NA` stays the string "NA".
import { Readable } from 'node:stream';
import { CsvScanner } from './csv-scan.ts';
import type { CsvRows } from './csv-rows.ts';
import { SourceLayoutError } from './errors.ts';
import type { ByteSource } from './types.ts';

export type { CsvRows } from './csv-rows.ts';

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * The rows of a CSV source, a chunk's complete rows at a time (never an empty batch), so that a
 * source of 300,000 rows costs a few hundred promises, not one per row. Each batch is reused by
 * the next: read it before asking for the next one.
 */
export async function* csvRows(input: ByteSource, source: string): AsyncGenerator<CsvRows> {
  const scanner = new CsvScanner(source);
  try {
    for await (const chunk of input) {
      const rows = scanner.push(asBuffer(chunk as Uint8Array | string));
      if (rows.length > 0) yield rows;
    }
    const rows = scanner.push(null);
    if (rows.length > 0) yield rows;
  } finally {
    // The consumer may stop early, or the input fail: release the download or file handle either way.
    if (input instanceof Readable && !input.destroyed) input.destroy();
  }
}

/** The records of a CSV source with every field decoded, in batches (tests, tools). */
export async function* csvRecords(input: ByteSource, source: string): AsyncGenerator<CsvRecord[]> {
  for await (const rows of csvRows(input, source)) {
    const batch: CsvRecord[] = [];
    for (let r = 0; r < rows.length; r++) batch.push({ line: rows.line(r), fields: rows.fields(r) });
    yield batch;
  }
}

function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Map the required columns to their positions in the header, by name (order may change). The
 * other columns are ignored; a missing one is a layout change and stops the read.
 */
export function columnIndex<C extends string>(source: string, header: string[] | undefined, required: readonly C[]): Record<C, number> {
  const found = header ?? [];
  const missing = required.filter((c) => !found.includes(c));
  if (header === undefined || missing.length > 0) {
    throw new SourceLayoutError(
      source,
      `columns ${required.join(',')}`,
      header === undefined ? 'an empty file' : `header ${found.join(',')} (missing ${missing.join(',')})`,
    );
  }
  return Object.fromEntries(required.map((c) => [c, found.indexOf(c)])) as Record<C, number>;
}
