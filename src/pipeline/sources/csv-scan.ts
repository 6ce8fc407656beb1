// The CSV splitter of the source readers (RFC 4180): each input chunk is decoded once (a
// StringDecoder keeps a multi-byte character split across two chunks until it is whole) and
// scanned once for field boundaries; a field becomes a string only when a reader asks for it
// (csv-rows.ts). Written for these sources instead of csv-parse, which took several times longer,
// and instead of uDSV, faster still but silent on malformed input
// (docs/decisions/0113-own-csv-splitter.md).
//
// Rules (csv-parse's with bom, skip_empty_lines and relax_column_count, which the readers used):
// quoted fields with "" escapes and embedded newlines; CRLF, LF and lone CR end a line; a BOM at
// the start is dropped; an empty line is skipped (and counted); a record's line is the physical
// line it ends on (csv-parse counted a CRLF inside quotes as two); a quote inside an unquoted
// field, anything but a delimiter after a closing quote, or a quote that never closes stops the
// read with its line.
import { StringDecoder } from 'node:string_decoder';
import { SourceFormatError } from './errors.ts';
import { CsvRows } from './csv-rows.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;
/** A row may not exceed this: a quote that never closes must not hold the rest of a large file in memory. */
export const MAX_ROW_CHARS = 1 << 20;

/** Where the scan of the current row stopped: at its end, or short of it (more input needed). */
const INCOMPLETE = -1;

export class CsvScanner {
  private readonly source: string;
  /** Keeps the text of a character split by a chunk until the next one completes it. */
  private readonly decoder = new StringDecoder('utf8');
  /** The text of a row the previous chunk ended inside of, scanned again with the next chunk. */
  private pending = '';
  /** The physical line the next row starts on. */
  private line = 1;
  private bomChecked = false;
  private final = false;
  /** Where an open quoted field started, when a scan stops inside it. */
  private openQuoteLine = 0;
  private readonly rows = new CsvRows();

  constructor(source: string) {
    this.source = source;
  }

  /**
   * The complete rows of the input so far, `chunk` included (null: the input has ended). The
   * answer is reused by the next call: read it before pushing again.
   */
  push(chunk: Buffer | null): CsvRows {
    this.final = chunk === null;
    const text = this.pending + (chunk === null ? this.decoder.end() : this.decoder.write(chunk));
    this.pending = '';
    const rows = this.rows;
    rows.reset(text);
    let at = 0;
    if (!this.bomChecked && (text.length > 0 || this.final)) {
      this.bomChecked = true;
      if (text.charCodeAt(0) === BOM) at = 1;
    }
    while (at < text.length) {
      const start = at;
      const startLine = this.line;
      const fields = rows.fieldCount;
      at = this.scanRow(text, at);
      if (at === INCOMPLETE) {
        rows.truncate(fields);
        this.line = startLine;
        this.carry(text.slice(start), startLine);
        break;
      }
    }
    return rows;
  }

  private carry(rest: string, startLine: number): void {
    if (rest.length > MAX_ROW_CHARS) {
      const detail = this.openQuoteLine > 0 ? `a quoted field opened on line ${this.openQuoteLine} has not closed` : 'no line end';
      throw new SourceFormatError(this.source, `a row longer than ${MAX_ROW_CHARS} characters (${detail})`, startLine);
    }
    this.pending = rest;
  }

  /** Scans one row from `at`; adds it (unless it is an empty line) and returns where the next starts. */
  private scanRow(text: string, at: number): number {
    const rows = this.rows;
    const end = text.length;
    const first = rows.fieldCount;
    let i = at;
    this.openQuoteLine = 0;
    for (;;) {
      if (i < end && text.charCodeAt(i) === QUOTE) {
        const close = this.scanQuoted(text, i + 1);
        if (close === INCOMPLETE) return INCOMPLETE;
        i = close + 1;
        if (i < end) {
          const c = text.charCodeAt(i);
          if (c !== COMMA && c !== CR && c !== LF) throw this.error(`a closing quote is followed by ${describe(c)}, not a comma or a line end`);
        } else if (!this.final) return INCOMPLETE; // the next chunk may still hold the delimiter
      } else {
        let j = i;
        for (; j < end; j++) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE) throw this.error('a quote inside an unquoted field');
        }
        if (j === end && !this.final) return INCOMPLETE;
        rows.addField(i, j, false, false);
        i = j;
      }
      if (i < end && text.charCodeAt(i) === COMMA) {
        i++;
        continue;
      }
      // The row ends here: at a line end or at the end of the input.
      const line = this.line;
      if (i < end) {
        if (text.charCodeAt(i) === CR) {
          if (i + 1 === end && !this.final) return INCOMPLETE; // CR, maybe of a CRLF split by the chunk
          i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i += 1;
        this.line++;
      }
      const emptyLine = rows.fieldCount === first + 1 && rows.isEmptyUnquoted(first);
      if (emptyLine) rows.truncate(first);
      else rows.endRow(first, line);
      return i;
    }
  }

  /** Scans a quoted field's content from `from` (after its opening quote); returns its closing quote. */
  private scanQuoted(text: string, from: number): number {
    const end = text.length;
    this.openQuoteLine = this.line;
    let escaped = false;
    for (let j = from; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        if (j + 1 === end && !this.final) return INCOMPLETE; // a "" split by the chunk?
        if (text.charCodeAt(j + 1) === QUOTE) {
          escaped = true;
          j++;
          continue;
        }
        this.rows.addField(from, j, true, escaped);
        this.openQuoteLine = 0;
        return j;
      }
      if (c === LF) this.line++;
      else if (c === CR) {
        if (j + 1 === end && !this.final) return INCOMPLETE;
        if (text.charCodeAt(j + 1) !== LF) this.line++;
      }
    }
    if (this.final) throw new SourceFormatError(this.source, `a quoted field opened on line ${this.openQuoteLine} never closes`, this.openQuoteLine);
    return INCOMPLETE;
  }

  private error(detail: string): SourceFormatError {
    return new SourceFormatError(this.source, detail, this.line);
  }
}

function describe(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
