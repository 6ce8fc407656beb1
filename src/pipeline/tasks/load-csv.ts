// load_ecdc_2020, load_who, load_who_changes: stream a CSV source, gate it, transform it, and
// publish what is new or changed since the last successful load. The file's validators and
// hash are remembered (with the task's completion) for check_sources.
import { evaluateQuality } from '../../domain/quality.ts';
import type { SourceName } from '../../domain/record.ts';
import { coverageContext } from '../../domain/transform/coverage.ts';
import { transformSourceSeries } from '../../domain/transform/source.ts';
import type { PoolClient } from '../../platform/postgres.ts';
import { openLocation } from '../../platform/source-fetch.ts';
import { collectRead, type SourceRead } from '../sources/collect.ts';
import { readEcdc } from '../sources/ecdc.ts';
import { SourceLayoutError } from '../sources/errors.ts';
import type { ByteSource, ReaderItem } from '../sources/types.ts';
import { readWho } from '../sources/who.ts';
import type { TaskImplementation } from '../runner.ts';
import { getState, setState } from '../state.repository.ts';
import { fetchOptions, stateKeys, type TaskDeps } from './context.ts';
import { QualityGateError } from './errors.ts';
import { hashing } from './hashing.ts';
import { publishSource } from './publish-source.ts';
import { attachRegions, regionChanges } from './regions.ts';

export interface Validators {
  etag?: string;
  lastModified?: string;
  sha256: string;
}

const readers: Record<'ecdc' | 'who', (input: ByteSource) => AsyncGenerator<ReaderItem>> = { ecdc: readEcdc, who: readWho };

export function loadCsvTask(deps: TaskDeps, source: 'ecdc' | 'who', options: { after?: (client: PoolClient) => Promise<void> } = {}): TaskImplementation {
  const url = source === 'ecdc' ? deps.config.SOURCE_ECDC_URL : deps.config.SOURCE_WHO_URL;
  const now = deps.now ?? (() => new Date());
  return async (execution) => {
    const opened = await openLocation(url, fetchOptions(deps.config, execution.signal));
    const { stream, digest } = hashing(opened.body);
    const { rows, gate, regions, ...input } = await readAndTransform(deps, source, stream, now());
    const published = await getState<Record<string, string>>(deps.pool, stateKeys.regions(source));
    const republish = regionChanges(published, regions);
    const result = await publishSource(deps, execution, { source, ...input, republish });
    const validators: Validators = { etag: opened.etag, lastModified: opened.lastModified, sha256: digest() };
    return {
      counts: result.counts,
      gate,
      commit: async (client) => {
        await result.commit(client);
        await setState(client, stateKeys.rows(source), rows);
        await setState(client, stateKeys.validators(source), validators);
        if (regions.size > 0) await setState(client, stateKeys.regions(source), Object.fromEntries(regions));
        await options.after?.(client);
      },
    };
  };
}

/**
 * Read, gate and transform, in a function of its own so that the series read (a third of the
 * task's memory) can be collected once transformed, instead of living on through the publish.
 */
async function readAndTransform(deps: TaskDeps, source: 'ecdc' | 'who', stream: ByteSource, now: Date) {
  const read = await readGated(deps, source, () => collectRead(source, readers[source](stream)), now);
  const transformed = transformSourceSeries(source, read.series, deps.config.FILL_POLICY, coverageContext());
  attachRegions(transformed.records, read.regions);
  return {
    records: transformed.records,
    regions: read.regions,
    rejects: read.rejects,
    counts: { read: read.stats.rows, rejected: read.stats.rejected, skipped: read.stats.skipped, ...transformed.counts },
    rows: read.stats.rows,
    gate: read.gate,
  };
}

/** Reads a source and runs the quality gate over it; a failed gate (or layout) throws with the gate attached. */
async function readGated(
  deps: TaskDeps,
  source: SourceName,
  read: () => Promise<SourceRead>,
  now: Date,
): Promise<SourceRead & { gate: ReturnType<typeof evaluateQuality> }> {
  const previousRows = (await getState<number>(deps.pool, stateKeys.rows(source))) ?? null;
  let result: SourceRead;
  try {
    result = await read();
  } catch (error) {
    if (error instanceof SourceLayoutError) {
      throw new QualityGateError(source, evaluateQuality(null, { now, layoutError: { expected: error.expected, found: error.found } }));
    }
    throw error;
  }
  const gate = evaluateQuality(result.stats, { now, previousRows, minRowRatio: deps.config.QUALITY_MIN_ROW_RATIO });
  if (!gate.ok) throw new QualityGateError(source, gate);
  return { ...result, gate };
}
