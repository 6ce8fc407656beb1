// Streaming CSV for the source readers: one record at a time with its line number, the header
// checked by column name. csv-parse works on bytes and decodes whole fields, so a multi-byte
// character split across two chunks is safe; `bom` drops WHO's UTF-8 BOM; no value is cast,
// so Namibia's `NA` stays the string "NA".
import { Readable } from 'node:stream';
import { CsvError, parse, type InfoRecord } from 'csv-parse';
import { SourceFormatError, SourceLayoutError } from './errors.ts';
import type { ByteSource } from './types.ts';

export interface CsvRecord {
  line: number;
  fields: string[];
}

export async function* csvRecords(input: ByteSource, source: string): AsyncGenerator<CsvRecord> {
  const readable = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  // pipe() does not forward errors: a failing download must fail the parse, not hang it.
  const onError = (error: Error) => parser.destroy(error);
  readable.on('error', onError);
  readable.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: InfoRecord }>) {
      yield { line: item.info.lines, fields: item.record };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new SourceFormatError(source, error.message, line, { cause: error });
    }
    throw error;
  } finally {
    readable.off('error', onError);
    readable.unpipe(parser);
    // The consumer may stop early; release the download or file handle either way.
    if (!readable.destroyed) readable.destroy();
    if (!parser.destroyed) parser.destroy();
  }
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
