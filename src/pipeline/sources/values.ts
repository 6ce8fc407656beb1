// Parsing of single cell values, shared by the CSV readers. Strict on purpose (rule 7): a value
// that is not plainly an integer is rejected, never guessed.
import { REPLACEMENT_CHAR } from './types.ts';

export type CountParse = { ok: true; value: number | null } | { ok: false; reason: string };

/** An integer count; an empty cell is null (no value), `0` is a value. Negatives are kept. */
export function parseCount(column: string, text: string): CountParse {
  if (isPlainDigits(text)) return { ok: true, value: Number(text) }; // nearly every cell
  const t = text.trim();
  if (t === '') return { ok: true, value: null };
  if (!/^-?\d+$/.test(t)) return { ok: false, reason: `${column} is not an integer: ${JSON.stringify(text)}` };
  const value = Number(t);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `${column} is out of range: ${JSON.stringify(text)}` };
  return { ok: true, value: value || 0 }; // `-0` → 0
}

/** 1 to 15 ASCII digits, nothing else: always a safe integer, no RegExp needed. */
function isPlainDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function hasReplacementChar(...values: (string | undefined)[]): boolean {
  return values.some((v) => v !== undefined && v.includes(REPLACEMENT_CHAR));
}
