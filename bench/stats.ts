// What every benchmark prints beside its figures: the median of a set of runs and the machine's
// load average (the machine is shared and its speed varies, so a figure without them says little).
import os from 'node:os';

/** The median; of an even count, the lower of the two middle values (a value that was measured). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
}

/** The 1, 5 and 15 minute load averages, e.g. "1.2 0.9 0.7". */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(1)).join(' ');
}
