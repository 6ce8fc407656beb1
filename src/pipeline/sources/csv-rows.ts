// The complete rows of one scanned chunk (csv-scan.ts), read in place: a field is a range of the
// chunk's text and becomes a string of its own only when asked for. The arrays are reused from
// chunk to chunk, so a read allocates per row only what its reader keeps.
import { FieldInterner } from './field-interner.ts';

const QUOTE_PAIR = /""/g;

export class CsvRows {
  /** The chunk's text (with the start of its first row carried from the chunk before). */
  chars = '';
  /** Rows in this chunk. */
  length = 0;
  /** Fields in this chunk, the rows' and the row being scanned. */
  fieldCount = 0;
  private starts = new Int32Array(4096);
  private ends = new Int32Array(4096);
  /** 0: plain; 1: quoted; 2: quoted with "" escapes (the range is inside the quotes). */
  private kinds = new Uint8Array(4096);
  /** rowFirst[r] is row r's first field; rowFirst[length] the end of the last row's. */
  private rowFirst = new Int32Array(1024);
  private rowLines = new Int32Array(1024);
  private readonly interner = new FieldInterner();

  reset(text: string): void {
    this.chars = text;
    this.length = 0;
    this.fieldCount = 0;
    this.rowFirst[0] = 0;
  }

  addField(start: number, end: number, quoted: boolean, escaped: boolean): void {
    const k = this.fieldCount;
    if (k === this.starts.length) this.growFields();
    this.starts[k] = start;
    this.ends[k] = end;
    this.kinds[k] = quoted ? (escaped ? 2 : 1) : 0;
    this.fieldCount = k + 1;
  }

  /** Drops the fields from `field` on (an empty line, or a row the chunk ends inside of). */
  truncate(field: number): void {
    this.fieldCount = field;
  }

  isEmptyUnquoted(field: number): boolean {
    return this.kinds[field] === 0 && this.starts[field] === this.ends[field];
  }

  endRow(first: number, line: number): void {
    const r = this.length;
    if (r + 1 >= this.rowFirst.length) {
      this.rowFirst = grow(this.rowFirst);
      this.rowLines = grow(this.rowLines);
    }
    this.rowFirst[r] = first;
    this.rowLines[r] = line;
    this.rowFirst[r + 1] = this.fieldCount;
    this.length = r + 1;
  }

  /** The physical line row `r` ends on (1 = the first line of the file). */
  line(r: number): number {
    return this.rowLines[r]!;
  }

  /** Fields of row `r`. */
  size(r: number): number {
    return this.rowFirst[r + 1]! - this.rowFirst[r]!;
  }

  /** Field `f` of row `r` (f < size(r)). */
  text(r: number, f: number): string {
    const k = this.rowFirst[r]! + f;
    const start = this.starts[k]!;
    const end = this.ends[k]!;
    const text = this.chars.slice(start, end);
    return this.kinds[k] === 2 ? text.replace(QUOTE_PAIR, '"') : text;
  }

  /**
   * The same as text(), but the same string object for the same characters, not a new one each
   * row: for the columns with few distinct values (codes, dates, regions), whose strings then cost
   * no garbage and hash once as Map keys.
   */
  interned(r: number, f: number): string {
    const k = this.rowFirst[r]! + f;
    if (this.kinds[k] === 2) return this.text(r, f);
    return this.interner.get(this.chars, this.starts[k]!, this.ends[k]!);
  }

  /** Field `f` of row `r` when it is 1 to 15 ASCII digits (always a safe integer); otherwise -1. */
  digits(r: number, f: number): number {
    const k = this.rowFirst[r]! + f;
    const start = this.starts[k]!;
    const end = this.ends[k]!;
    if (this.kinds[k] !== 0 || end === start || end - start > 15) return -1;
    const text = this.chars;
    let value = 0;
    for (let i = start; i < end; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      value = value * 10 + d;
    }
    return value;
  }

  /** Whether field `f` of row `r` holds U+FFFD (bytes lost before us), without a string of it. */
  hasReplacementChar(r: number, f: number): boolean {
    const k = this.rowFirst[r]! + f;
    const text = this.chars;
    const end = this.ends[k]!;
    for (let i = this.starts[k]!; i < end; i++) if (text.charCodeAt(i) === 0xfffd) return true;
    return false;
  }

  /** Every field of row `r`. */
  fields(r: number): string[] {
    const out = new Array<string>(this.size(r));
    for (let f = 0; f < out.length; f++) out[f] = this.text(r, f);
    return out;
  }

  /** The row as the source wrote it, for the dead-letter topic: its fields joined by commas. */
  raw(r: number): string {
    return this.fields(r).join(',');
  }

  private growFields(): void {
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
