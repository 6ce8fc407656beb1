// Is the answer a CSV file at all? A source that answers 200 with an HTML page (maintenance,
// a firewall's challenge, a moved file's landing page) or JSON must fail the quality gate as
// such, saying what came, not as a "malformed CSV" somewhere in the page's markup.
import type { ContentMismatch } from '../../domain/quality.ts';

const NOT_CSV_TYPES = /\b(html|xhtml|xml|json|javascript)\b/i;

/** null when the first bytes and the declared type can be a CSV file; otherwise what came instead. */
export function csvContentMismatch(head: Buffer, contentType: string | undefined, expected: string): ContentMismatch | null {
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const declared = contentType ? `Content-Type ${contentType}` : 'no Content-Type';
  const lower = text.slice(0, 512).toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html') || /^<(head|body|title|meta|div|p)\b/.test(lower)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
    return { expected, found: `an HTML page (${declared}${title ? `, title ${JSON.stringify(title)}` : ''})` };
  }
  if (lower.startsWith('<?xml') || lower.startsWith('<')) return { expected, found: `an XML/markup document (${declared}), starting ${JSON.stringify(text.slice(0, 60))}` };
  if (/^[{[]/.test(lower)) return { expected, found: `a JSON document (${declared}), starting ${JSON.stringify(text.slice(0, 60))}` };
  if (contentType !== undefined && NOT_CSV_TYPES.test(contentType)) {
    return { expected, found: `${declared}, starting ${JSON.stringify(text.slice(0, 60))}` };
  }
  return null;
}
