// Bounds on what an error answer can hold, so a bad request can never make a large one (the
// review's error amplification: 8,000 empty list items answered 1.5 MB). Every echoed value is
// clipped, repeated issues are stated once, the list of issues is capped, and the serialized
// document is cut down to PROBLEM_MAX_BYTES whatever went into it.
import type { ErrorDetails } from '../errors.ts';

type Issue = NonNullable<ErrorDetails['errors']>[number];

/** Issues listed in one answer; the detail says how many more there were. */
export const MAX_REPORTED_ISSUES = 10;
/** The largest problem document this server sends (the limit the tests hold it to is 16 KiB). */
export const PROBLEM_MAX_BYTES = 8 * 1024;

const MAX_NAME = 60;
const MAX_ISSUE_DETAIL = 200;
const MAX_DETAIL = 1_000;

/** `text` cut to `length` characters (never inside a surrogate pair), with … when cut. */
export function clip(text: string, length: number): string {
  if (text.length <= length) return text;
  const end = /[\uD800-\uDBFF]/.test(text[length - 1] ?? '') ? length - 1 : length;
  return `${text.slice(0, end)}…`;
}

/** Issues clipped, each stated once, at most MAX_REPORTED_ISSUES; and the count before capping. */
export function boundIssues(issues: readonly Issue[]): { errors: Issue[]; total: number } {
  const seen = new Set<string>();
  const errors: Issue[] = [];
  for (const issue of issues) {
    const bounded = { in: issue.in, name: clip(issue.name, MAX_NAME), detail: clip(issue.detail, MAX_ISSUE_DETAIL) };
    const id = `${bounded.in}\0${bounded.name}\0${bounded.detail}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push(bounded);
  }
  return { errors: errors.slice(0, MAX_REPORTED_ISSUES), total: errors.length };
}

/** The detail of a validation answer: the first issue, and how many more the errors list holds. */
export function issuesDetail(errors: readonly Issue[], total: number): string {
  const [first] = errors;
  if (!first) return 'the request is invalid';
  const more = total - 1;
  return more === 0 ? `${first.name}: ${first.detail}` : `${first.name}: ${first.detail} (and ${more} more problem${more > 1 ? 's' : ''}; see errors)`;
}

/**
 * The serialized problem, at most PROBLEM_MAX_BYTES: the detail clipped, then issues dropped from
 * the end while it is still too large (only non-ASCII or control characters, which take several
 * bytes each, can get there).
 */
export function serializeBounded<T extends { detail: string; errors?: Issue[] }>(problem: T): string {
  const body = { ...problem, detail: clip(problem.detail, MAX_DETAIL) };
  let text = JSON.stringify(body);
  while (Buffer.byteLength(text) > PROBLEM_MAX_BYTES) {
    if (body.errors && body.errors.length > 0) body.errors = body.errors.slice(0, -1);
    else body.detail = clip(body.detail, Math.floor(body.detail.length / 2));
    text = JSON.stringify(body);
  }
  return text;
}
