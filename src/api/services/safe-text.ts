// What the API may show key holders of the pipeline's errors and source locations: error codes
// and messages with no credentials, no file paths and no internal addresses. The full text stays
// in the worker's logs (issue 12 item 6).
import { domainToUnicode } from 'node:url';

export interface SafeError {
  /** Stable: the error's own code where its text starts with one, else what the text shows. */
  code: string;
  message: string;
}

const MAX_MESSAGE = 300;

/** Codes of errors whose text does not start with their code (pipeline errors with a `code`). */
const CODE_BY_TEXT: readonly [RegExp, string][] = [
  [/quality gate failed/i, 'QUALITY_GATE'],
  [/layout changed/i, 'SOURCE_LAYOUT'],
  [/malformed file/i, 'SOURCE_FORMAT'],
  [/\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)\b/, 'UNREACHABLE'],
  [/\b(ETIMEDOUT|timed? ?out)\b/i, 'TIMEOUT'],
];

/** Replaces whatever could tell an outsider about credentials, the file system or the network. */
export function redact(text: string): string {
  return (
    text
      // Any URL: its scheme and host are all a reader needs; userinfo, path and query may hold secrets.
      .replace(/\b([a-z][a-z0-9+.-]*):\/\/[^\s'"()<>]*/gi, (_, scheme: string) => (scheme.toLowerCase() === 'file' ? '<path>' : `<${scheme.toLowerCase()} url>`))
      // Absolute paths (POSIX and Windows), after URLs so their paths are gone already.
      .replace(/(^|[\s'"(=:])(\/[^\s'"():,;]+|[A-Za-z]:\\[^\s'"()]+)/g, (_, lead: string) => `${lead}<path>`)
      // IPv6 (with "::" or most of its groups; a time like 14:20:38 is none) and IPv4 addresses, with a port or not.
      .replace(/\[?[0-9a-f:]{2,}\]?(:\d{1,5})?/gi, (match) => (match.includes('::') || match.split(':').length >= 6 ? '<address>' : match))
      .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?\b/g, '<address>')
      // host:port (kafka:9092, db.internal:5432); the host has a letter, so a time is no address.
      .replace(/\b(?=[a-z0-9.-]*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)*:\d{2,5}\b/gi, '<address>')
      .replace(/\blocalhost\b/gi, '<address>')
  );
}

export function safeError(text: string): SafeError {
  const prefixed = /^([A-Z][A-Z0-9_]{2,}): /.exec(text);
  const code = prefixed?.[1] ?? CODE_BY_TEXT.find(([pattern]) => pattern.test(text))?.[1] ?? 'TASK_FAILED';
  const message = redact(prefixed ? text.slice(prefixed[0].length) : text);
  return { code, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message };
}

/**
 * A source location as people may see it: no userinfo, query or fragment (tokens live there),
 * and of a local file only its name.
 */
export function safeLocation(location: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return '<invalid>';
  }
  if (url.protocol === 'file:') return `file:…/${decodeURIComponent(url.pathname.split('/').pop() ?? '')}`;
  const port = url.port ? `:${url.port}` : '';
  return `${url.protocol}//${domainToUnicode(url.hostname)}${port}${decodeURI(url.pathname)}`;
}
