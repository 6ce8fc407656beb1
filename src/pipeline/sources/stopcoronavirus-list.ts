// The list page of объясняем.рф /stopkoronavirus/: cards `a.u-material-card.u-material-cards__card`
// with a site-relative href (`/stopkoronavirus/<slug>/`), newest first, paged with `?PAGEN_1=N`.
// Only some posts are weekly reports; they are told apart by slug or title ("В России за неделю
// выздоровело/выздоровели …"). The week itself is only on the post page.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { load } from 'cheerio/slim'; // htmlparser2, as the posts (decision 0117)
import { SourceLayoutError } from './errors.ts';
import { normalizeText } from './stopcoronavirus-post.ts';

export const CARD_SELECTOR = 'a.u-material-card.u-material-cards__card';

export interface PostLink {
  url: string;
  slug: string;
  title: string;
  weekly: boolean;
}

const WEEKLY_SLUG = /^v-rossii-za-nedelyu-vyzdorovel/;
const WEEKLY_TITLE = /^В России за неделю выздоровел/i;

export function isWeeklyReport(slug: string, title: string): boolean {
  return WEEKLY_SLUG.test(slug) || WEEKLY_TITLE.test(title);
}

/** The post links of one list page, in page order. */
export function parseListPage(html: string, layout: SiteLayout): PostLink[] {
  const $ = load(html);
  return $(CARD_SELECTOR)
    .toArray()
    .flatMap((a) => {
      const href = $(a).attr('href')?.trim();
      if (!href) return [];
      const slug = slugOf(href);
      const title = normalizeText($(a).find('h1, h2, h3, h4').first().text() || $(a).text());
      return [{ url: layout.postUrl(href), slug, title, weekly: isWeeklyReport(slug, title) }];
    });
}

/** Throws when page 1 has no cards at all: the list no longer looks the way we read it. */
export function assertListLayout(links: PostLink[], html: string): void {
  if (links.length > 0) return;
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  throw new SourceLayoutError(
    'stopcoronavirus',
    `post cards ${CARD_SELECTOR} on the list page`,
    `none (${html.length} characters${title ? `, title ${JSON.stringify(title)}` : ''})`,
  );
}

function slugOf(href: string): string {
  const parts = href.split(/[?#]/)[0]!.split('/').filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}

/** Where list pages and posts are, for the site itself or for a local mirror. */
export interface SiteLayout {
  pageUrl(page: number): string;
  postUrl(href: string): string;
  /** A file mirror: past its last list page there is no file (the site shows the last page again, or none). */
  mirror: boolean;
}

/**
 * http(s): page N is `<list>?PAGEN_1=N` (page 1 the list URL itself), posts resolve against the
 * site. file: a mirror directory holding `list-page-N.html` and `<slug>.html` per post (a
 * `file://` URL can carry no query, so the site's paging cannot be kept as is).
 */
export function siteLayout(listUrl: string): SiteLayout {
  const url = new URL(listUrl);
  if (url.protocol === 'file:') {
    const filePath = fileURLToPath(url);
    const dir = listUrl.endsWith('/') ? filePath : path.dirname(filePath);
    return {
      mirror: true,
      pageUrl: (page) => pathToFileURL(path.join(dir, `list-page-${page}.html`)).href,
      postUrl: (href) => pathToFileURL(path.join(dir, `${slugOf(href)}.html`)).href,
    };
  }
  return {
    mirror: false,
    pageUrl: (page) => {
      if (page === 1) return url.href;
      const next = new URL(url.href);
      next.searchParams.set('PAGEN_1', String(page));
      return next.href;
    },
    postUrl: (href) => new URL(href, url).href,
  };
}
