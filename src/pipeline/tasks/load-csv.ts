// load_ecdc_2020, load_who, load_who_changes: stream a CSV source onto disk (one small file per
// country), gate it, then transform, diff and publish a few countries at a time
// (publish-staged.ts): the worker's memory does not grow with the file. What was published is
// recorded in the task's completion transaction as it goes. The file's validators and hash are
// remembered (with the task's completion) for check_sources.
import { evaluateQuality, type ContentMismatch, type QualityResult } from '../../domain/quality.ts';
import type { PoolClient } from '../../platform/postgres.ts';
import { openLocation } from '../../platform/source-fetch.ts';
import { csvContentMismatch } from '../sources/content.ts';
import { ECDC_COLUMNS, readEcdc } from '../sources/ecdc.ts';
import { SourceFormatError, SourceLayoutError } from '../sources/errors.ts';
import { SeriesStage, stageRead, type StagedRead } from '../sources/stage-read.ts';
import type { ByteSource, ReaderItem } from '../sources/types.ts';
import { readWho, WHO_COLUMNS } from '../sources/who.ts';
import type { TaskImplementation } from '../runner.ts';
import { getState, setState } from '../state.repository.ts';
import { fetchOptions, stateKeys, type TaskDeps } from './context.ts';
import { QualityGateError } from './errors.ts';
import { hashing } from './hashing.ts';
import { publishStaged } from './publish-staged.ts';
import { regionChanges } from './regions.ts';

export interface Validators {
  etag?: string;
  lastModified?: string;
  sha256: string;
}

type CsvSource = 'ecdc' | 'who';

const readers: Record<CsvSource, (input: ByteSource) => AsyncGenerator<ReaderItem[]>> = { ecdc: readEcdc, who: readWho };
const expectedContent: Record<CsvSource, string> = {
  ecdc: `a CSV file with columns ${ECDC_COLUMNS.join(',')}`,
  who: `a CSV file with columns ${WHO_COLUMNS.join(',')}`,
};

export function loadCsvTask(deps: TaskDeps, source: CsvSource, options: { after?: (client: PoolClient) => Promise<void> } = {}): TaskImplementation {
  const url = source === 'ecdc' ? deps.config.SOURCE_ECDC_URL : deps.config.SOURCE_WHO_URL;
  return async (attempt) => {
    const opened = await openLocation(url, fetchOptions(deps.config, attempt.signal));
    const download = hashing(opened.body);
    const stage = SeriesStage.create(source);
    try {
      const previousRows = (await getState<number>(deps.pool, stateKeys.rows(source))) ?? null;
      const read = await readGated(source, () => stageRead(source, readers[source](download.stream), stage), {
        now: new Date(deps.clock.now()),
        previousRows,
        minRowRatio: deps.config.QUALITY_MIN_ROW_RATIO,
        content: () => csvContentMismatch(download.head(), opened.contentType, expectedContent[source]),
        download: () => ({ bytes: download.bytes(), ...(opened.contentLength === undefined ? {} : { contentLength: opened.contentLength }) }),
      });
      const { stats, regions } = read;
      const published = await getState<Record<string, string>>(deps.pool, stateKeys.regions(source));
      const result = await publishStaged(deps, attempt, {
        source,
        stage,
        counts: { read: stats.rows, rejected: stats.rejected, skipped: stats.skipped },
        regions,
        republish: regionChanges(published, regions),
      });
      const validators: Validators = { etag: opened.etag, lastModified: opened.lastModified, sha256: download.digest() };
      return {
        counts: result.counts,
        gate: read.gate,
        commit: async (client) => {
          await setState(client, stateKeys.rows(source), stats.rows);
          await setState(client, stateKeys.validators(source), validators);
          if (regions.size > 0) await setState(client, stateKeys.regions(source), Object.fromEntries(regions));
          await options.after?.(client);
        },
      };
    } catch (error) {
      opened.body.destroy();
      throw error;
    } finally {
      // What was published is recorded in the completion transaction as it went: the staged read is done with.
      stage.remove();
    }
  };
}

interface GateInputs {
  now: Date;
  previousRows: number | null;
  minRowRatio: number;
  /** Whether the answer is a CSV file at all (from its first bytes and Content-Type). */
  content: () => ContentMismatch | null;
  download: () => { bytes: number; contentLength?: number };
}

/**
 * Reads a source and runs the quality gate over it; a failed gate throws with the gate attached.
 * An answer that is not CSV fails as such, whatever the parser made of it (a layout or format
 * error, or rows that happen to parse).
 */
async function readGated(source: CsvSource, read: () => Promise<StagedRead>, inputs: GateInputs): Promise<StagedRead & { gate: QualityResult }> {
  let result: StagedRead;
  try {
    result = await read();
  } catch (error) {
    if (error instanceof SourceLayoutError || error instanceof SourceFormatError) {
      const content = inputs.content();
      if (content) throw new QualityGateError(source, evaluateQuality(null, { now: inputs.now, content }));
    }
    if (error instanceof SourceLayoutError) {
      throw new QualityGateError(source, evaluateQuality(null, { now: inputs.now, layoutError: { expected: error.expected, found: error.found } }));
    }
    throw error;
  }
  const gate = evaluateQuality(result.stats, {
    now: inputs.now,
    previousRows: inputs.previousRows,
    minRowRatio: inputs.minRowRatio,
    content: inputs.content(),
    download: inputs.download(),
  });
  if (!gate.ok) throw new QualityGateError(source, gate);
  return { ...result, gate };
}
