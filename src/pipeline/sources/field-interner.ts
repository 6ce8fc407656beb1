// Short strings of a chunk's text, the same string object each time for the same characters: a
// source's codes, dates and regions repeat on every row (a few thousand distinct values in
// 300,000 rows), and a new string for each made garbage and hashed again as a Map key. A fixed
// table (a hash of the characters, then a comparison), so its memory does not grow with the file;
// a value that does not fit (too long, its slots taken) is sliced as usual.
const SLOTS = 8192; // a power of two
const MAX_CHARS = 32;

export class FieldInterner {
  private readonly hashes = new Int32Array(SLOTS);
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  get(text: string, start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > MAX_CHARS) return text.slice(start, end);
    let hash = 0x811c9dc5 ^ length; // FNV-1a
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    // Linear probing over a few slots; past them the value is sliced without being kept.
    for (let probe = 0; probe < 4; probe++) {
      const slot = (hash + probe) & (SLOTS - 1);
      const known = this.strings[slot];
      if (known === undefined) {
        // A copy, not a slice: a slice could keep the whole chunk's text alive.
        const value = (' ' + text.slice(start, end)).slice(1);
        this.strings[slot] = value;
        this.hashes[slot] = hash;
        return value;
      }
      if (this.hashes[slot] === hash && known.length === length && same(known, text, start)) return known;
    }
    return text.slice(start, end);
  }
}

function same(known: string, text: string, start: number): boolean {
  for (let i = 0; i < known.length; i++) if (known.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}
