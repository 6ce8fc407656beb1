// Streaming CSV for the source readers: records with their line numbers, in batches, the header
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

/**
 * The records of a CSV source, in batches: all the records the parser has ready each time (one
 * input chunk's worth), read synchronously, so that a source of 300,000 rows costs a few hundred
 * promises, not one per row through every layer above.
 */
export async function* csvRecords(input: ByteSource, source: string): AsyncGenerator<CsvRecord[]> {
  const readable = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  // pipe() does not forward errors: a failing download must fail the parse, not hang it.
  const onError = (error: Error) => parser.destroy(error);
  readable.on('error', onError);
  // Wakes the loop below when the parser has records again, has ended, failed or closed. The
  // loop checks the parser's state itself before it waits, so a signal it missed while its
  // consumer had a batch is never needed.
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  // Never removed: a parser that failed emits 'error' on the next tick, possibly after this
  // generator has thrown, and an 'error' without a listener would crash the process.
  for (const event of ['readable', 'end', 'error', 'close']) parser.on(event, signal);
  readable.pipe(parser);
  try {
    for (;;) {
      const batch: CsvRecord[] = [];
      for (let item = parser.read() as ParsedRecord | null; item !== null; item = parser.read() as ParsedRecord | null) {
        batch.push({ line: item.info.lines, fields: item.record });
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (parser.errored) throw parser.errored;
      if (parser.readableEnded) return;
      if (parser.destroyed) throw new Error('the CSV parser closed before the end of its input');
      await new Promise<void>((resolve) => (wake = resolve));
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

type ParsedRecord = { record: string[]; info: InfoRecord };

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
