// The exact split of a weekly total over its days (rules 3 and 6). The original divided by 7
// with integer division and lost up to 6 cases a week; here the parts always add up to W.

/**
 * Split `total` into `parts` integers that add up to it: each gets trunc(W/parts), and the
 * remainder W - parts*trunc(W/parts) adds one unit, with the sign of W, to each of the earliest
 * parts. So 10 → 2,2,2,1,1,1,1 and -10 → -2,-2,-2,-1,-1,-1,-1.
 */
export function splitExact(total: number, parts = 7): number[] {
  if (!Number.isSafeInteger(total)) throw new RangeError(`total must be an integer, got ${total}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const base = Math.trunc(total / parts) || 0; // `|| 0` turns -0 into 0
  const remainder = total - base * parts;
  const step = Math.sign(remainder);
  const extra = Math.abs(remainder);
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? step : 0));
}
