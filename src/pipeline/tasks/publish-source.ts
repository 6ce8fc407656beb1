// The common end of every load task: diff against what was published before, publish what is
// new or changed (and the rejected source rows to the dead-letter topic), and hand back the
// state writes that commit with the task.
import type { DailyRecord, SourceName } from '../../domain/record.ts';
import type { PoolClient } from '../../platform/postgres.ts';
import type { StringProducer } from '../../platform/kafka.ts';
import type { TaskCounts } from '../dag.ts';
import { publishRecords, publishRejects, type SourceReject } from '../publisher.ts';
import { changedRecords, recordPublished } from '../state.repository.ts';
import type { TaskAttempt } from '../runner.ts';
import type { TaskDeps } from './context.ts';

export interface PublishSourceInput {
  source: SourceName;
  records: DailyRecord[];
  rejects: SourceReject[];
  counts: TaskCounts;
  /** Countries whose every record is published again, changed or not (their region changed). */
  republish?: ReadonlySet<string>;
}

export async function publishSource(
  deps: TaskDeps,
  attempt: TaskAttempt,
  input: PublishSourceInput,
): Promise<{ counts: TaskCounts; commit: (client: PoolClient) => Promise<void> }> {
  const changed = withRepublished(input.records, await changedRecords(deps.pool, input.source, input.records), input.republish);
  const target = { topic: deps.config.KAFKA_TOPIC, deadLetterTopic: deps.config.KAFKA_DLQ_TOPIC, runId: attempt.runId };
  const producer: StringProducer = deps.producer;
  const result = await publishRecords(producer, target, changed, deps.clock, (published) =>
    attempt.progress({ ...input.counts, published, total: changed.length }),
  );
  await publishRejects(producer, target, input.source, input.rejects);
  const invalid = new Set(result.invalid);
  const published = invalid.size === 0 ? changed : changed.filter((r) => !invalid.has(r));
  return {
    counts: {
      ...input.counts,
      records: input.records.length,
      published: result.published,
      unchanged: input.records.length - changed.length,
      rejected: (input.counts.rejected ?? 0) + result.invalid.length,
    },
    commit: (client) => recordPublished(client, attempt.runId, published),
  };
}

/** The changed records and every record of the countries to republish, in the records' order. */
export function withRepublished(records: DailyRecord[], changed: DailyRecord[], republish: ReadonlySet<string> | undefined): DailyRecord[] {
  if (!republish || republish.size === 0) return changed;
  const isChanged = new Set(changed);
  return records.filter((r) => isChanged.has(r) || republish.has(r.country));
}
