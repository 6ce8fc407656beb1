// The ReplacingMergeTree version of a row. The coverage chain (SPEC 3.2 rule 2) must decide
// which source stands whatever the order of arrival, so the source's rank (SOURCE_RANK, a domain
// rule) is the leading term; within one source, the Kafka timestamp (publish time) orders
// revisions, so a newer revision replaces an older one. A redelivered message has the same
// timestamp, hence the same version, and merges away as a duplicate.
import type { SourceName } from '../domain/record.ts';
import { SOURCE_RANK } from '../domain/transform/coverage.ts';

export type Source = SourceName;

/** 10^13 ms is the year 2286: timestamps stay below it, so ranks never overlap. */
export const RANK_FACTOR = 10_000_000_000_000;

/**
 * `rank(source) * 10^13 + timestampMs`. Stays below 4 * 10^13, well inside the safe integer
 * range, so it is a plain number (ClickHouse stores it as UInt64).
 */
export function recordVersion(source: Source, timestampMs: number): number {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0 || timestampMs >= RANK_FACTOR) {
    throw new RangeError(`message timestamp out of range: ${timestampMs}`);
  }
  return SOURCE_RANK[source] * RANK_FACTOR + timestampMs;
}
