// стопкоронавирус weekly posts on объясняем.рф: find every weekly post newer than the last
// loaded week (not only the newest one, so a missed run loses nothing) and read its week.
// The list is newest first, so the crawl walks `?PAGEN_1=1, 2, …` and stops at the first weekly
// post whose week is already loaded, at the end of the list, or after maxPages.
import { assertListLayout, parseListPage, siteLayout, type PostLink } from './stopcoronavirus-list.ts';
import { readStopcoronavirusPost, type PostRead } from './stopcoronavirus-post.ts';

export { readStopcoronavirusPost, parseWeekHeading, type PostRead } from './stopcoronavirus-post.ts';
export { parseListPage, siteLayout, isWeeklyReport, type PostLink } from './stopcoronavirus-list.ts';

export type WeekPost = Extract<PostRead, { kind: 'week' }>;
export type RejectedPost = Extract<PostRead, { kind: 'rejected' }>;

/**
 * The posts to load: weeks ending after `lastLoadedWeekEnd` (all when null), one post per week
 * (the first listed, i.e. the newest, wins), oldest week first.
 */
export function selectNewWeeks(posts: readonly WeekPost[], lastLoadedWeekEnd: string | null): WeekPost[] {
  const byStart = new Map<string, WeekPost>();
  for (const post of posts) {
    if (lastLoadedWeekEnd !== null && post.week.weekEnd <= lastLoadedWeekEnd) continue;
    if (!byStart.has(post.week.weekStart)) byStart.set(post.week.weekStart, post);
  }
  return [...byStart.values()].sort((a, b) => (a.week.weekStart < b.week.weekStart ? -1 : 1));
}

/** Weekly post links of several list pages, in list order, each URL once. */
export function weeklyLinks(pages: readonly PostLink[][]): PostLink[] {
  const seen = new Set<string>();
  return pages.flat().filter((link) => link.weekly && !seen.has(link.url) && seen.add(link.url));
}

export interface CrawlOptions {
  /** The list page URL (SOURCE_STOPCORONAVIRUS_URL). */
  listUrl: string;
  fetchText: (url: string) => Promise<string>;
  /** Sunday of the last week already loaded; null loads every week listed. */
  lastLoadedWeekEnd: string | null;
  /** Safety stop for a list that never ends (a site returning the same page for any N). */
  maxPages?: number;
}

export interface CrawlResult {
  /** New weeks, oldest first. */
  weeks: WeekPost[];
  /** Weekly posts that could not be read (their week or totals), with the reason. */
  rejected: RejectedPost[];
  pagesRead: number;
  postsRead: number;
  /** True when the crawl reached loaded weeks or the end of the list (not maxPages). */
  complete: boolean;
}

export async function crawlNewWeeklyPosts(options: CrawlOptions): Promise<CrawlResult> {
  const { fetchText, lastLoadedWeekEnd } = options;
  const maxPages = options.maxPages ?? 30;
  const layout = siteLayout(options.listUrl);
  const seen = new Set<string>();
  const found: WeekPost[] = [];
  const rejected: RejectedPost[] = [];
  let pagesRead = 0;
  let postsRead = 0;

  for (let page = 1; page <= maxPages; page++) {
    const html = await fetchText(layout.pageUrl(page)).catch((error: unknown) => {
      // A mirror's list ends where its list-page-N.html files end.
      if (page > 1 && layout.mirror && (error as { code?: unknown }).code === 'SOURCE_NOT_FOUND') return null;
      throw error;
    });
    if (html === null) return done(true);
    pagesRead++;
    const links = parseListPage(html, layout);
    if (page === 1) assertListLayout(links, html);
    const fresh = links.filter((link) => !seen.has(link.url));
    // Past the last page the site shows no cards, or the last page again.
    if (fresh.length === 0) return done(true);
    for (const link of fresh) {
      seen.add(link.url);
      if (!link.weekly) continue;
      const post = readStopcoronavirusPost(await fetchText(link.url), link.url);
      postsRead++;
      if (post.kind === 'rejected') {
        rejected.push(post);
        continue;
      }
      if (lastLoadedWeekEnd !== null && post.week.weekEnd <= lastLoadedWeekEnd) return done(true);
      found.push(post);
    }
  }
  return done(false);

  function done(complete: boolean): CrawlResult {
    return { weeks: selectNewWeeks(found, lastLoadedWeekEnd), rejected, pagesRead, postsRead, complete };
  }
}
