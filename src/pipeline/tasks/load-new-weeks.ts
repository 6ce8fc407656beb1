// The weekly posts of объясняем.рф: which weeks are new, and loading them. A week is new when it
// ends after the last loaded week and after WHO's last report for Russia (the coverage chain
// gives WHO those dates). A run that reloads the source takes every week after WHO's last report
// again, whatever was loaded before.
import { coverageContext } from '../../domain/transform/coverage.ts';
import { transformWeeks } from '../../domain/transform/source.ts';
import { fetchText } from '../../platform/source-fetch.ts';
import { crawlNewWeeklyPosts, type CrawlResult } from '../sources/stopcoronavirus.ts';
import { SourceLayoutError } from '../sources/errors.ts';
import { evaluateQuality } from '../../domain/quality.ts';
import type { TaskAttempt, TaskImplementation } from '../runner.ts';
import { getState, lastPublishedDate, setState } from '../state.repository.ts';
import { fetchOptions, stateKeys, type TaskDeps } from './context.ts';
import type { CrawlMemo } from './crawl-memo.ts';
import { QualityGateError } from './errors.ts';
import { publishSource } from './publish-source.ts';

/**
 * The weekly posts newer than the last loaded week and WHO's last report for Russia. check_sources
 * keeps its crawl in `memo` ('keep'); load_new_weeks of the same run takes it from there ('take')
 * when the starting week is still the same, and crawls itself otherwise.
 */
export async function crawlNewWeeks(
  deps: TaskDeps,
  attempt: Pick<TaskAttempt, 'runId' | 'signal' | 'reload'>,
  memo: { use: 'keep' | 'take'; crawls: CrawlMemo },
): Promise<{ crawl: CrawlResult; whoLastReport: string | undefined }> {
  const lastWeekEnd = attempt.reload.includes('stopcoronavirus') ? null : ((await getState<string>(deps.pool, stateKeys.lastWeekEnd)) ?? null);
  const whoLastReport = await lastPublishedDate(deps.pool, 'who', 'RU');
  const after = [lastWeekEnd, whoLastReport ?? null].filter((d): d is string => d !== null).sort().pop() ?? null;
  const kept = memo.use === 'take' ? memo.crawls.take(attempt.runId, after) : undefined;
  if (kept) return { crawl: kept, whoLastReport };
  try {
    const crawl = await crawlNewWeeklyPosts({
      listUrl: deps.config.SOURCE_STOPCORONAVIRUS_URL,
      fetchText: (url) => fetchText(url, fetchOptions(deps.config, attempt.signal)),
      lastLoadedWeekEnd: after,
    });
    if (memo.use === 'keep') memo.crawls.keep(attempt.runId, after, crawl);
    return { crawl, whoLastReport };
  } catch (error) {
    if (error instanceof SourceLayoutError) {
      throw new QualityGateError('stopcoronavirus', evaluateQuality(null, { now: new Date(deps.clock.now()), layoutError: { expected: error.expected, found: error.found } }));
    }
    throw error;
  }
}

export function loadNewWeeksTask(deps: TaskDeps, crawls: CrawlMemo): TaskImplementation {
  return async (attempt) => {
    const { crawl, whoLastReport } = await crawlNewWeeks(deps, attempt, { use: 'take', crawls });
    const weeks = crawl.weeks.map((post) => post.week);
    const context = coverageContext(whoLastReport ? new Map([['RU', whoLastReport]]) : new Map());
    const transformed = transformWeeks(weeks, context);
    const result = await publishSource(deps, attempt, {
      source: 'stopcoronavirus',
      records: transformed.records,
      rejects: crawl.rejected.map((post, i) => ({ line: i + 1, reason: `${post.url}: ${post.reason}`, raw: post.raw.slice(0, 2_000) })),
      counts: { read: crawl.postsRead, weeks: weeks.length, rejected: crawl.rejected.length, ...transformed.counts },
    });
    const lastWeekEnd = weeks.map((w) => w.weekEnd).sort().pop();
    return {
      counts: result.counts,
      gate: { pagesRead: crawl.pagesRead, postsRead: crawl.postsRead, complete: crawl.complete, weeks: crawl.weeks.map((p) => p.url) },
      commit: async (client) => {
        await result.commit(client);
        if (lastWeekEnd) await setState(client, stateKeys.lastWeekEnd, lastWeekEnd);
      },
    };
  };
}
