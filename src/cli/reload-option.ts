// `--reload <source|all>`: which sources a run reprocesses from their whole history. One name,
// a comma-separated list, or `all`; anything else is refused with the names that are accepted.
import { SOURCE_NAMES, type SourceName } from '../domain/record.ts';

export function parseReloadOption(value: string | boolean | undefined): { sources: SourceName[] } | { error: string } {
  if (value === undefined) return { sources: [] };
  const accepted = `${SOURCE_NAMES.join(', ')} or all`;
  if (typeof value !== 'string' || value.trim() === '') return { error: `--reload needs a source: ${accepted}` };
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('all')) return { sources: [...SOURCE_NAMES] };
  const unknown = names.filter((name) => !(SOURCE_NAMES as readonly string[]).includes(name));
  if (unknown.length) return { error: `--reload: unknown source ${unknown.map((n) => `'${n}'`).join(', ')}; expected ${accepted}` };
  // In the DAG's order, each once.
  return { sources: SOURCE_NAMES.filter((name) => names.includes(name)) };
}
