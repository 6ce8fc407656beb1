// The end of a CSV load, a few countries at a time from a staged read (sources/stage-read.ts):
// transform their series (rules 2-5), diff against what was published before (etl_published),
// publish what is new or changed, and record what was published in the task's completion
// transaction as it goes (published-writer.ts). Only one group's series and records (and the
// previous group's, being recorded) are in memory at once, whatever the file's size.
import type { SourceName } from '../../domain/record.ts';
import type { RecordRegion } from '../../domain/regions.ts';
import { coverageContext } from '../../domain/transform/coverage.ts';
import { transformSourceSeries } from '../../domain/transform/source.ts';
import type { TaskCounts } from '../dag.ts';
import { PublishedWriter } from '../published-writer.ts';
import { publishRejects, RecordPublisher } from '../publisher.ts';
import type { SeriesStage } from '../sources/stage-read.ts';
import type { SeriesPoint } from '../../domain/transform/types.ts';
import { changedRecords, hasPublished } from '../state.repository.ts';
import type { TaskAttempt } from '../runner.ts';
import type { TaskDeps } from './context.ts';
import { withRepublished } from './publish-source.ts';
import { attachRegions } from './regions.ts';

/**
 * Whole countries are transformed, diffed and published together until their series hold this
 * many points (one diff query each group): a group's records, in memory until the COPY of the
 * next group, are bounded by the points, not by a count of countries whose series grow with the
 * file (16 countries of a generated WHO file 10x the real one's size were 3x the records of 16
 * real ones, and the worker's peak RSS followed).
 */
const GROUP_POINTS = 12_000;

/** The staged countries in groups of whole countries, each closed once it holds GROUP_POINTS points. */
function* groups(stage: SeriesStage): Generator<Map<string, SeriesPoint[]>> {
  let group = new Map<string, SeriesPoint[]>();
  let points = 0;
  for (const country of stage.countries()) {
    const series = stage.series(country);
    group.set(country, series);
    points += series.length;
    if (points >= GROUP_POINTS) {
      yield group;
      group = new Map();
      points = 0;
    }
  }
  if (group.size > 0) yield group;
}

export async function publishStaged(
  deps: TaskDeps,
  attempt: TaskAttempt,
  input: {
    source: SourceName;
    stage: SeriesStage;
    counts: TaskCounts;
    /** Each country's WHO region, carried by its records. */
    regions: ReadonlyMap<string, RecordRegion>;
    /** Countries whose every record is published again, changed or not (their region changed). */
    republish: ReadonlySet<string>;
  },
): Promise<{ counts: TaskCounts }> {
  const { source, stage } = input;
  const target = { topic: deps.config.KAFKA_TOPIC, deadLetterTopic: deps.config.KAFKA_DLQ_TOPIC, runId: attempt.runId };
  const totals = { records: 0, unchanged: 0, spread: 0, filled: 0 };
  const publisher = new RecordPublisher(deps.producer, target, deps.clock, (published) => attempt.progress({ ...input.counts, ...totals, published }));
  const coverage = coverageContext();
  let recorder: PublishedWriter | undefined;
  // Nothing published from the source yet (its historical load): every record is new, and the
  // diff's query per group (25 for WHO) would only say so. A source's rows are written only by
  // its load tasks, one at a time, each in its own completion: none can appear while this runs.
  const first = !(await hasPublished(deps.pool, source));
  for (const group of groups(stage)) {
    attempt.signal.throwIfAborted();
    const transformed = transformSourceSeries(source, group, deps.config.FILL_POLICY, coverage);
    attachRegions(transformed.records, input.regions);
    const changed = first ? transformed.records : withRepublished(transformed.records, await changedRecords(deps.pool, source, transformed.records), input.republish);
    totals.records += transformed.records.length;
    totals.unchanged += transformed.records.length - changed.length;
    totals.spread += transformed.counts.spread;
    totals.filled += transformed.counts.filled;
    const valid = await publisher.publish(changed);
    if (valid.length > 0) {
      recorder ??= await PublishedWriter.open(await attempt.transaction(), attempt.runId, source);
      await recorder.add(valid);
    }
  }
  const { published, invalid } = await publisher.finish();
  for (const rejects of stage.rejects()) await publishRejects(deps.producer, target, source, rejects);
  await recorder?.finish();
  return { counts: { ...input.counts, ...totals, published, rejected: (input.counts.rejected ?? 0) + invalid } };
}
