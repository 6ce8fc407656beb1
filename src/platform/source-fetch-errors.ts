// The typed errors of opening a source, one stable code per way it can fail.
export const SOURCE_FETCH_ERROR_CODES = [
  'SOURCE_BAD_URL',
  'SOURCE_NOT_FOUND',
  'SOURCE_HTTP_4XX',
  'SOURCE_HTTP_5XX',
  'SOURCE_RATE_LIMITED',
  'SOURCE_TIMEOUT',
  'SOURCE_UNREACHABLE',
  'SOURCE_ABORTED',
  'SOURCE_TOO_LARGE',
] as const;
export type SourceFetchErrorCode = (typeof SOURCE_FETCH_ERROR_CODES)[number];

export class SourceFetchError extends Error {
  readonly code: SourceFetchErrorCode;
  readonly url: string;
  readonly status: number | undefined;
  /** Attempts made (1 = no retry). */
  attempts: number;

  constructor(code: SourceFetchErrorCode, url: string, detail: string, extra: { status?: number; attempts?: number; cause?: unknown } = {}) {
    super(`${code}: ${detail} (${url})`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SourceFetchError';
    this.code = code;
    this.url = url;
    this.status = extra.status;
    this.attempts = extra.attempts ?? 1;
  }
}

/** The most telling part of a network error: undici's cause code (ECONNREFUSED, UND_ERR_SOCKET, …). */
export function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
