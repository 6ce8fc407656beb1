// check_sources: is there anything new? The WHO file changed (its validators answer a
// conditional GET, it carries the last load's very ETag, or else its SHA-256 differs from the
// last load's) and weekly posts newer than the last loaded week. A source that cannot be checked
// counts as "maybe new": its load task then runs and fails with the source's own error, instead
// of the check hiding it.
import { openLocation } from '../../platform/source-fetch.ts';
import type { TaskName } from '../dag.ts';
import type { TaskImplementation } from '../runner.ts';
import type { PoolClient } from '../../platform/postgres.ts';
import { getState, setState } from '../state.repository.ts';
import { fetchOptions, stateKeys, type TaskDeps } from './context.ts';
import { hashing } from './hashing.ts';
import type { Validators } from './load-csv.ts';
import type { CrawlMemo } from './crawl-memo.ts';
import { crawlNewWeeks } from './load-new-weeks.ts';

interface WhoCheck {
  changed: boolean;
  why: string;
  /** Same content under new validators: remember them so the next check can be a 304. */
  refreshed?: Validators;
}

async function whoChanged(deps: TaskDeps, signal: AbortSignal): Promise<WhoCheck> {
  const known = await getState<Validators>(deps.pool, stateKeys.validators('who'));
  if (!known) return { changed: true, why: 'never loaded' };
  const headers: Record<string, string> = {};
  if (known.etag) headers['if-none-match'] = known.etag;
  if (known.lastModified) headers['if-modified-since'] = known.lastModified;
  const opened = await openLocation(deps.config.SOURCE_WHO_URL, { ...fetchOptions(deps.config, signal), headers });
  if (opened.notModified) return { changed: false, why: 'not modified (304)' };
  // The very ETag of the last load: what a server answering the conditional GET says with a 304
  // (If-None-Match compares ETags, weak ones too). A file:// source is never asked conditionally
  // (its ETag is its size and mtime); without this its whole file (113 MB in the 10x benchmark)
  // was read and hashed again right after the load that read it.
  if (known.etag !== undefined && opened.etag === known.etag) {
    opened.body.destroy();
    return { changed: false, why: 'same ETag' };
  }
  const { stream, digest } = hashing(opened.body);
  for await (const _chunk of stream);
  if (digest() !== known.sha256) return { changed: true, why: 'content changed' };
  const refreshed = { etag: opened.etag, lastModified: opened.lastModified, sha256: known.sha256 };
  return { changed: false, why: 'same SHA-256', refreshed };
}

export function checkSourcesTask(deps: TaskDeps, crawls: CrawlMemo): TaskImplementation {
  return async (attempt) => {
    const { signal, logger } = attempt;
    const skip: TaskName[] = [];
    // Both at once: reading and hashing the WHO file waits on I/O while the posts are parsed.
    const [who, weeks] = await Promise.all([
      whoChanged(deps, signal).catch((error: unknown): WhoCheck => ({ changed: true, why: `check failed: ${(error as Error).message}` })),
      crawlNewWeeks(deps, attempt, { use: 'keep', crawls }).then(
        ({ crawl }) => ({ newWeeks: crawl.weeks.length, why: `${crawl.weeks.length} new weekly posts` }),
        (error: unknown) => ({ newWeeks: -1, why: `check failed: ${(error as Error).message}` }),
      ),
    ]);
    if (!who.changed) skip.push('load_who_changes');
    if (weeks.newWeeks === 0) skip.push('load_new_weeks');
    logger.info({ who, weeks }, 'sources checked');
    const { refreshed, ...whoGate } = who;
    return {
      counts: { whoChanged: who.changed ? 1 : 0, newWeeks: Math.max(weeks.newWeeks, 0) },
      gate: { who: whoGate, weeks },
      skip,
      ...(refreshed ? { commit: (client: PoolClient) => setState(client, stateKeys.validators('who'), refreshed) } : {}),
    };
  };
}
