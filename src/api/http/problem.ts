// Every error answer is an RFC 9457 problem document (application/problem+json). Each kind of
// problem has a stable code, which names its `type` (a URN: an identifier, not a page) and
// fixes its status and title; `detail` says what was wrong with this request.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ErrorCode, ErrorDetails } from '../errors.ts';
import { serializeBounded } from './problem-limits.ts';

export type ProblemCode =
  | ErrorCode
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'internal';

export const PROBLEMS: Record<ProblemCode, { status: number; title: string }> = {
  invalid_request: { status: 400, title: 'Invalid request' },
  unknown_country: { status: 400, title: 'Unknown country' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  request_timeout: { status: 408, title: 'Request timeout' },
  username_taken: { status: 409, title: 'Username taken' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export const problemType = (code: ProblemCode) => `urn:covid-etl:problem:${code}`;

/** The challenge sent with every 401: the key goes in the x-key header, nowhere else. */
export const WWW_AUTHENTICATE = 'ApiKey realm="covid-etl", header="x-key"';

export const problemSchema = z
  .object({
    type: z.string().meta({ example: problemType('invalid_request') }),
    title: z.string().meta({ example: PROBLEMS.invalid_request.title }),
    status: z.int().meta({ example: 400 }),
    detail: z.string().meta({ example: "start: '2021-02-30' is not a real date (YYYY-MM-DD)" }),
    errors: z
      .array(z.object({ in: z.enum(['query', 'path', 'body', 'header']), name: z.string(), detail: z.string() }))
      .optional()
      .meta({ description: 'one entry per offending parameter or field (400 only)' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type ProblemBody = z.output<typeof problemSchema>;

export function problemBody(code: ProblemCode, detail: string, details: ErrorDetails = {}): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return { type: problemType(code), title, status, detail, ...(details.errors ? { errors: details.errors } : {}) };
}

export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  details: ErrorDetails & { allow?: string; challenge?: string } = {},
): FastifyReply {
  const body = problemBody(code, detail, details);
  reply.code(body.status).header('content-type', PROBLEM_CONTENT_TYPE).header('cache-control', 'no-store');
  // A problem must not carry the validators of the representation it replaced.
  reply.removeHeader('etag');
  if (body.status === 401) reply.header('www-authenticate', details.challenge ?? WWW_AUTHENTICATE);
  if (details.retryAfterSeconds !== undefined) reply.header('retry-after', String(details.retryAfterSeconds));
  if (details.allow) reply.header('allow', details.allow);
  // Sent as a string so no response schema or serializer can alter it; never larger than
  // PROBLEM_MAX_BYTES (problem-limits.ts).
  return reply.send(serializeBounded(body));
}
