// Pieces of route schemas that only the OpenAPI document uses: problem responses with their
// media type, and the API key security requirement.
import { problemSchema, PROBLEMS, type ProblemCode } from './problem.ts';

export const API_KEY_SECURITY = [{ apiKey: [] }];

const DESCRIPTIONS: Partial<Record<number, string>> = {
  400: 'the request is invalid (a parameter, a body field, an unknown country): `detail` and `errors` say which',
  401: 'missing, malformed, unknown or revoked API key (x-key header)',
  406: 'none of the types in Accept is available',
  409: 'the username is taken',
  413: 'the body is too large',
  415: 'the body is not application/json',
  429: 'rate limit reached; see Retry-After',
  503: 'PostgreSQL or ClickHouse is unavailable; retry later',
};

export function problemResponses(...codes: ProblemCode[]) {
  const statuses = [...new Set(codes.map((code) => PROBLEMS[code].status))];
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status] ?? PROBLEMS[codes.find((c) => PROBLEMS[c].status === status)!].title, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );
}

/** The problems every authenticated data endpoint can answer. */
export const DATA_PROBLEMS: ProblemCode[] = ['invalid_request', 'unauthenticated', 'rate_limited', 'unavailable'];
