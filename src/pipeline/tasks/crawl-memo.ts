// The weekly posts are crawled once per run, not twice: check_sources crawls them to decide
// whether there is anything new, and load_new_weeks, the task right after it, takes that very
// crawl on the same worker instead of fetching the list and every post again (on the real site
// a dozen requests fewer, and a tenth of a second less per run). Only the latest crawl is kept,
// for one run and one starting week, for a minute; anything else crawls again.
import type { TimeSource } from '../../platform/clock.ts';
import type { CrawlResult } from '../sources/stopcoronavirus.ts';

/** How long a crawl may be reused: the task after check_sources starts within milliseconds. */
export const CRAWL_REUSE_MS = 60_000;

export class CrawlMemo {
  readonly #clock: TimeSource;
  #kept: { key: string; at: number; crawl: CrawlResult } | undefined;

  constructor(clock: TimeSource) {
    this.#clock = clock;
  }

  keep(runId: string, after: string | null, crawl: CrawlResult): void {
    this.#kept = { key: keyOf(runId, after), at: this.#clock.now(), crawl };
  }

  /** The crawl kept for this run and starting week, once (it is forgotten when taken). */
  take(runId: string, after: string | null): CrawlResult | undefined {
    const kept = this.#kept;
    this.#kept = undefined;
    if (!kept || kept.key !== keyOf(runId, after) || this.#clock.now() - kept.at > CRAWL_REUSE_MS) return undefined;
    return kept.crawl;
  }
}

const keyOf = (runId: string, after: string | null) => JSON.stringify([runId, after]);
