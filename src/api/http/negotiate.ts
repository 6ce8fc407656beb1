// Picks the representation of a /v1/daily answer: the `format` parameter when given, else the
// best match in Accept (q-values honoured), else JSON. Nothing acceptable → 406.
import { AppError } from '../errors.ts';
import type { Format } from './params.ts';

const MEDIA: Record<string, Format> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/*': 'csv',
  'application/*': 'json',
  '*/*': 'json',
};

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

export function chooseFormat(format: Format | undefined, accept: string | undefined): Format {
  if (format) return format;
  if (!accept || accept.trim() === '') return 'json';
  const candidates = accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { format: MEDIA[type], q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((c): c is { format: Format; q: number; index: number } => c.format !== undefined && c.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const best = candidates[0];
  if (!best) throw new AppError('not_acceptable', `none of the accepted types is available: use ${Object.values(CONTENT_TYPES).map((t) => t.split(';')[0]).join(', ')}`);
  return best.format;
}
