import type { TaskCounts } from '../pipeline/dag.ts';

export function formatCounts(counts: TaskCounts): string {
  const entries = Object.entries(counts).filter(([, value]) => value !== undefined);
  return entries.length ? entries.map(([key, value]) => `${key}=${value}`).join(' ') : '(no counts)';
}
