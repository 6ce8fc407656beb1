// What services and repositories report when a request cannot be answered, as a closed list of
// stable codes. Services know nothing about HTTP: the one error mapper (http/problem.ts) turns a
// code into a status, a title and a problem document.
export const ERROR_CODES = [
  'invalid_request', // a parameter, header or body that does not fit its schema
  'unknown_country', // a country code that is not ISO 3166-1 alpha-2 or has no data
  'username_taken',
  'invalid_credentials', // wrong username or password: one code for both
  'unauthenticated', // missing, malformed, unknown or revoked API key
  'rate_limited',
  'not_acceptable', // no representation the client accepts
  'unavailable', // PostgreSQL or ClickHouse unreachable, or too slow
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  /** For rate_limited: seconds until a retry can succeed. */
  retryAfterSeconds?: number;
  /** For invalid_request: one entry per offending parameter or field. */
  errors?: { in: 'query' | 'path' | 'body' | 'header'; name: string; detail: string }[];
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
