// Plain ASCII text and integers written as bytes straight into a buffer, for the lines the
// worker writes for every row or record (the stage, the Kafka messages, the COPY of what was
// published): no string per line, no encoding call. A string is written only when every
// character is printable ASCII that needs no escape in JSON or COPY text; anything else throws,
// so a writer never puts out bytes its reader would take differently.

/** Bytes a safe integer takes at most: a sign and 16 digits. */
export const INTEGER_MAX_BYTES = 17;

/** Whether `text` can be written by writeAscii: printable ASCII without `"` or `\`. */
export function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Writes `text` (see isPlainAscii) at `at`; returns where it ends. */
export function writeAscii(text: string, bytes: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) throw new TypeError(`not plain ASCII text: ${JSON.stringify(text)}`);
    bytes[at++] = c;
  }
  return at;
}

/** Writes a safe integer in decimal at `at` (INTEGER_MAX_BYTES free); returns where it ends. */
export function writeInteger(value: number, bytes: Uint8Array, at: number): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer count: ${value}`);
  let n = value;
  if (n < 0) {
    bytes[at++] = 0x2d; // '-'
    n = -n;
  }
  const first = at;
  do {
    const digit = n % 10;
    bytes[at++] = 48 + digit;
    n = (n - digit) / 10;
  } while (n > 0);
  for (let i = first, j = at - 1; i < j; i++, j--) {
    const digit = bytes[i]!;
    bytes[i] = bytes[j]!;
    bytes[j] = digit;
  }
  return at;
}
