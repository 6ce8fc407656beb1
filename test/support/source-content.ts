// What the local source server (source-server.ts) serves, kept apart from the HTTP side so that a
// test can also build content without a server: the real source files in ../shared/data, the
// saved объясняем.рф posts (slug → file), list pages in the structure of the hand-built fixtures,
// generated weekly posts, and in-memory edits of the real CSVs ("WHO revised these rows").
// Nothing here is copied into the repository: every byte comes from ../shared/data or the fixtures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'cheerio';
import { dataFile, repoRoot } from './paths.ts';

/** The real copies (PROVENANCE.md sections 1, 2), by what a test wants from them. */
export const SOURCE_FILES = {
  /** ECDC final through 2020-12-14 in the original format (RECONSTRUCTED from a re-saved copy, PROVENANCE 1c). */
  ecdcFinal: dataFile('ecdc/derived/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_RECONSTRUCTED.csv'),
  /** ECDC through 2020-12-06, byte-exact original (PROVENANCE 1a); RU differs from the final (revisions). */
  ecdc20201206: dataFile('ecdc/ecdc_COVID-19-worldwide_2020-12-06_original.csv'),
  /** ECDC 2020-12-14 as re-saved by Excel: m/d/yyyy dates, LF, mojibake (PROVENANCE 1b). */
  ecdcExcelResaved: dataFile('ecdc/ecdc_COVID-19-geographic-disbtribution-worldwide-2020-12-14_excel-resaved.csv'),
  /** WHO daily rows 2020-01-03 .. 2023-06-07, BOM, 0 for no report (PROVENANCE 2a). */
  whoDaily: dataFile('who/WHO-COVID-19-global-data_DAILY_to-2023-06-07.csv'),
  /** WHO weekly release through 2025-09-28 (one row per Sunday). */
  whoWeekly20250928: dataFile('who/WHO-COVID-19-global-data_WEEKLY_to-2025-09-28.csv'),
  /** WHO weekly release through 2025-06-01. */
  whoWeekly20250601: dataFile('who/WHO-COVID-19-global-data_WEEKLY_to-2025-06-01.csv'),
  /** RU rows only, transcribed from a 2025 daily-data file (empty cells for no report). */
  whoDailyRuExcerpt: dataFile('who/WHO-COVID-19-global-daily-data_to-2025-03-02_EXCERPT_RU-rows_TRANSCRIBED.csv'),
} as const;

export const STOPCORONAVIRUS_PATH = '/stopkoronavirus/';
export const FIXTURE_DIR = path.join(repoRoot, 'test/fixtures/stopcoronavirus');
const RAW_HTML_DIR = dataFile('ru_obyasnyaem_rf/raw_html');
const CARD = 'a.u-material-card.u-material-cards__card';

// ---------------------------------------------------------------------------------------------
// Saved posts: ../shared/data/ru_obyasnyaem_rf/raw_html/commit-<date>_<slug>.html

export interface SavedPost {
  slug: string;
  /** Absolute path of the saved HTML. */
  file: string;
  /** The URL wget fetched (from the .wget.log next to it). */
  originalUrl: string;
  /** The <title> without the site suffix. */
  title: string;
  /** Day wget saved it (YYYY-MM-DD), about the publication day. */
  savedOn: string;
}

let savedCache: SavedPost[] | undefined;

/** The 10 saved weekly posts, newest first. The slug is taken from the wget log, not guessed. */
export function savedPosts(): SavedPost[] {
  if (savedCache) return savedCache;
  const posts = readdirSync(RAW_HTML_DIR)
    .filter((name) => /^commit-.*\.html$/.test(name))
    .map((name): SavedPost => {
      const file = path.join(RAW_HTML_DIR, name);
      const fromName = /^commit-\d{4}-\d\d-\d\d_(.+)\.html$/.exec(name)?.[1] ?? name;
      const logFile = file.replace(/\.html$/, '.wget.log');
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const logged = /^--(\d{4}-\d\d-\d\d) [\d:]+--\s+(https?:\/\/\S+\/stopkoronavirus\/([^/\s]+)\/)/m.exec(log);
      const html = readFileSync(file, 'utf8');
      const title = /<title>([^<|]*)/.exec(html)?.[1]?.trim() ?? fromName;
      return {
        slug: logged?.[3] ?? fromName,
        file,
        originalUrl: logged?.[2] ?? `https://xn--90aivcdt6dxbc.xn--p1ai/stopkoronavirus/${fromName}/`,
        title,
        savedOn: logged?.[1] ?? name.slice(7, 17),
      };
    })
    .sort((a, b) => (a.savedOn < b.savedOn ? 1 : -1));
  savedCache = posts;
  return posts;
}

// ---------------------------------------------------------------------------------------------
// List pages

export interface ListCard {
  slug: string;
  title: string;
  /** As printed on the card, e.g. "9 апреля 2024". */
  date: string;
}

/** list-page-1.html, list-page-2.html, … of the fixtures, in page order. */
export function listFixtureFiles(): string[] {
  if (!existsSync(FIXTURE_DIR)) return [];
  return readdirSync(FIXTURE_DIR)
    .map((name) => ({ name, page: Number(/^list-page-(\d+)\.html$/.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.page))
    .sort((a, b) => a.page - b.page)
    .map((f) => path.join(FIXTURE_DIR, f.name));
}

/** The cards of a list page, in page order. */
export function listCards(html: string): ListCard[] {
  const $ = load(html);
  return $(CARD)
    .toArray()
    .map((a) => {
      const href = $(a).attr('href') ?? '';
      return {
        slug: href.split('/').filter(Boolean).pop() ?? '',
        title: $(a).find('h3').first().text().trim(),
        date: $(a).find('.u-material-card__date').first().text().trim(),
      };
    });
}

/**
 * A list page with these cards, built from the first fixture page so that it keeps the fixture's
 * structure (cards, h3 titles, pagination) even when the fixture changes.
 */
export function renderListPage(cards: readonly ListCard[], page: number, pageCount: number): string {
  const template = listFixtureFiles()[0];
  if (!template) throw new Error(`source-content: no list fixture in ${FIXTURE_DIR}`);
  const $ = load(readFileSync(template, 'utf8'));
  const container = $('.u-material-cards').first();
  const proto = container.find(CARD).first().clone();
  if (proto.length === 0) throw new Error(`source-content: ${template} has no ${CARD} to copy`);
  container.empty();
  for (const card of cards) {
    const a = proto.clone();
    a.attr('href', `${STOPCORONAVIRUS_PATH}${card.slug}/`);
    a.find('h3').first().text(card.title);
    a.find('.u-material-card__date').first().text(card.date);
    a.find('img').attr('src', `https://cdn.obyasnyaem.ru/upload/iblock/stopkoronavirus/${card.slug.slice(0, 12)}.jpg`);
    container.append('\n                    ', a);
  }
  container.append('\n            ');
  const links = Array.from({ length: pageCount }, (_, i) =>
    i + 1 === page
      ? `<span class="u-pagination__item is-active">${i + 1}</span>`
      : `<a class="u-pagination__item" href="${STOPCORONAVIRUS_PATH}?PAGEN_1=${i + 1}">${i + 1}</a>`,
  ).join(' ');
  const more =
    page < pageCount
      ? `\n                <a class="u-button u-button--more" data-url="${STOPCORONAVIRUS_PATH}?isAjax=Y&amp;action=itemsMore&amp;PAGEN_1=${page + 1}" href="${STOPCORONAVIRUS_PATH}?PAGEN_1=${page + 1}">Показать ещё</a>`
      : '';
  $('.u-pagination').first().html(`\n                ${links}${more}\n            `);
  return $.html();
}

/** A post that is not a weekly report (listed, but its page was never saved): text, no table. */
export function renderArticlePage(slug: string, title: string, date: string): string {
  return `<!DOCTYPE html>
<!-- GENERATED by test/support/source-content.ts: a post that is not a weekly report. -->
<html xml:lang="ru" lang="ru">
<head>
    <title>${escapeHtml(title)} | Объясняем.рф</title>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <link rel="canonical" href="https://xn--90aivcdt6dxbc.xn--p1ai${STOPCORONAVIRUS_PATH}${slug}/" />
</head>
<body>
<div class="article-detail">
    <h1 itemprop="headline name" class="article-detail__title-main u-page-title">${escapeHtml(title)}</h1>
    <div class="article-detail__intro-date">${escapeHtml(date.replace(/ \d{4}$/, ''))}</div>
    <div class="article-detail__body"><div class="article-detail__content" itemprop="articleBody">
<p>Материал не содержит еженедельной статистики.</p>
    </div></div>
</div>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Generated weekly posts: the real 2024-04-15 page (template A, heading in an h2 before the table)
// with a new week, slug, title and RF totals. Only the RF row changes; the region rows keep the
// template's values (readers take the country row by its name).

const MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

/** "2024-04-09" → "9 апреля 2024" (the list cards' form); withYear false → "9 апреля". */
export function russianDate(iso: string, withYear = true): string {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(iso);
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]}${withYear ? ` ${m[1]}` : ''}`;
}

export interface WeeklyPostOptions {
  /** Monday of the week, YYYY-MM-DD. */
  weekStart: string;
  cases: number;
  deaths: number;
  hospitalized?: number;
  /** Also names the slug and title, as on the site. Default: cases - 1. */
  recovered?: number;
  /** Default: v-rossii-za-nedelyu-vyzdoroveli-<recovered with dashes>-chelovek */
  slug?: string;
}

export interface GeneratedPost {
  slug: string;
  title: string;
  /** YYYY-MM-DD, the Tuesday after the week (as the site published). */
  published: string;
  html: string;
  weekStart: string;
  weekEnd: string;
}

const TEMPLATE_SLUG = 'v-rossii-za-nedelyu-vyzdoroveli-21-524-cheloveka';

export function weeklyPostHtml(options: WeeklyPostOptions): GeneratedPost {
  const template = savedPosts().find((p) => p.slug === TEMPLATE_SLUG);
  if (!template) throw new Error(`source-content: saved post ${TEMPLATE_SLUG} not found in ${RAW_HTML_DIR}`);
  const start = parseIso(options.weekStart);
  if (start.getUTCDay() !== 1) throw new Error(`weekStart ${options.weekStart} is not a Monday`);
  const end = addDays(start, 6);
  const published = isoDate(addDays(start, 8));
  const { week, year } = isoWeek(start);
  const recovered = options.recovered ?? Math.max(0, options.cases - 1);
  const hospitalized = options.hospitalized ?? Math.round(options.cases / 7);
  const slug = options.slug ?? `v-rossii-za-nedelyu-vyzdoroveli-${spaced(recovered).replaceAll(' ', '-')}-chelovek`;
  const title = `В России за неделю выздоровели ${spaced(recovered)} человек`;
  const dm = (d: Date) => `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}`;
  const sameMonth = start.getUTCMonth() === end.getUTCMonth();
  const phrase = `с&nbsp;${start.getUTCDate()}${sameMonth ? '' : `&nbsp;${MONTHS[start.getUTCMonth()]}`} по&nbsp;${end.getUTCDate()}&nbsp;${MONTHS[end.getUTCMonth()]}`;

  let html = readFileSync(template.file, 'utf8');
  const replace = (from: string | RegExp, to: string, what: string) => {
    const next = html.replaceAll(from, to);
    if (next === html) throw new Error(`source-content: template ${TEMPLATE_SLUG} changed, ${what} not found`);
    html = next;
  };
  html = html.replaceAll(titleInUrl(template.title), titleInUrl(title));
  replace(template.title, title, 'title');
  replace(TEMPLATE_SLUG, slug, 'slug');
  replace('<h2>За 14 неделю 2024 г. (01.04. - 07.04.2024)</h2>', `<h2>За ${week} неделю ${year} г. (${dm(start)}. - ${dm(end)}.${end.getUTCFullYear()})</h2>`, 'week heading');
  replace('За&nbsp;14 неделю 2024&nbsp;г. (с&nbsp;1 по&nbsp;7&nbsp;апреля)', `За&nbsp;${week} неделю ${year}&nbsp;г. (${phrase})`, 'week in the text');
  replace('Умерли за&nbsp;неделю 69 человек.', `Умерли за&nbsp;неделю ${spaced(options.deaths)} человек.`, 'deaths in the text');
  replace('<div class="article-detail__intro-date">9 апреля</div>', `<div class="article-detail__intro-date">${russianDate(published, false)}</div>`, 'intro date');
  replace('<div class="article-detail__date">9 апреля 2024</div>', `<div class="article-detail__date">${russianDate(published)}</div>`, 'date');
  // The RF row: its 4 number cells, in column order Госпитализировано, Выздоровело, Выявлено, Умерло.
  const at = html.indexOf('Российская Федерация');
  const rowEnd = html.indexOf('</tr>', at);
  const values = [hospitalized, recovered, options.cases, options.deaths];
  let cell = 0;
  const row = html.slice(at, rowEnd).replace(/(<td[^>]*>\s*)[\d ]+(\s*<\/td>)/g, (_m, open: string, close: string) => `${open}${spaced(values[cell++] ?? 0)}${close}`);
  if (at < 0 || cell !== 4) throw new Error(`source-content: template ${TEMPLATE_SLUG} RF row not as expected`);
  html = html.slice(0, at) + row + html.slice(rowEnd);
  return { slug, title, published, html, weekStart: isoDate(start), weekEnd: isoDate(end) };
}

// ---------------------------------------------------------------------------------------------
// Layout changes for HTML routes (the changedLayout fault)

export type LayoutVariant = 'noTable' | 'noHeading' | 'noCountryRow';

/** The list page after a redesign: the cards carry other classes, so no card selector matches. */
export function changeListLayout(html: string): string {
  return html.replaceAll('u-material-card', 'news-card');
}

/** A post whose structure no longer matches; throws when the variant does not apply to it. */
export function changePostLayout(html: string, variant: LayoutVariant = 'noTable'): string {
  let out = html;
  if (variant === 'noTable') {
    // The site replaced the table by an infographic.
    out = out.replace(/<table[\s\S]*?<\/table>/g, '<img class="article-detail__infographic" src="/upload/infographic.png" alt="Статистика за неделю">');
  } else if (variant === 'noHeading') {
    // The element holding the week's dates goes, and so does the week in the first paragraph.
    for (let m; (m = WEEK_RANGE.exec(out)); ) {
      const open = Math.max(out.lastIndexOf('<h2', m.index), out.lastIndexOf('<h3', m.index));
      const close = /<\/h[23]>/.exec(out.slice(m.index));
      // Only when the range sits inside that heading (no heading closes in between).
      if (open < 0 || !close || /<\/h[23]>/.test(out.slice(open, m.index))) {
        out = out.slice(0, m.index) + out.slice(m.index + m[0].length);
      } else {
        out = out.slice(0, open) + out.slice(m.index + close.index + close[0].length);
      }
    }
    out = out.replace(/За(?:&nbsp;|\s)[^<.]{0,40}?(?:нед\.|неделю)[^<(]*\(с(?:&nbsp;|\s)[^)]*\)/g, 'За прошедшую неделю');
  } else {
    const at = out.indexOf('Российская Федерация', out.indexOf('<table'));
    const open = out.lastIndexOf('<tr', at);
    const close = out.indexOf('</tr>', at);
    if (at >= 0 && open >= 0 && close >= 0) out = out.slice(0, open) + out.slice(close + '</tr>'.length);
  }
  if (out === html) throw new Error(`changedLayout ${variant}: nothing to change in this page`);
  return out;
}

/** A week's date range as printed in the headings seen (PROVENANCE 3a). */
export const WEEK_RANGE = /\(?\d{2}\.\d{2}\.?(?:\d{4})?\s*[-–]\s*\d{2}\.\d{2}\.\d{4}\)?/;

// ---------------------------------------------------------------------------------------------
// CSV: in-memory edits of the real files

export type CsvRow = Record<string, string>;

export interface CsvEdit {
  /**
   * Called for each data row (by header names, BOM removed). Return undefined to keep the line
   * byte-identical, a row to replace it, an array to replace it with several (e.g. `[row, next]`
   * adds `next` right after it, inside the country's block), or null to drop it.
   */
  row?: (row: Readonly<CsvRow>, index: number) => CsvRow | CsvRow[] | null | undefined;
  /** Rows added at the end. Missing columns are empty. */
  append?: CsvRow[];
}

/** Edits a CSV file of ../shared/data in memory; keeps BOM, line endings and untouched lines. */
export function editCsvFile(file: string, edit: CsvEdit): Buffer {
  return editCsv(readFileSync(file), edit);
}

export function editCsv(content: string | Buffer, edit: CsvEdit): Buffer {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = text.slice(bom.length).split('\n');
  const eol = lines[0]?.endsWith('\r') ? '\r\n' : '\n';
  const trailing = lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  const strip = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
  const header = parseCsvLine(strip(lines[0] ?? ''));
  const toLine = (row: CsvRow) => formatCsvLine(header.map((h) => row[h] ?? ''));
  const out: string[] = [strip(lines[0] ?? '')];
  for (let i = 1; i < lines.length; i++) {
    const line = strip(lines[i]!);
    if (!edit.row || line === '') {
      out.push(line);
      continue;
    }
    const fields = parseCsvLine(line);
    const result = edit.row(Object.fromEntries(header.map((h, j) => [h, fields[j] ?? ''])), i - 1);
    if (result === undefined) out.push(line);
    else if (result !== null) out.push(...(Array.isArray(result) ? result : [result]).map(toLine));
  }
  for (const row of edit.append ?? []) out.push(toLine(row));
  return Buffer.from(bom + out.join(eol) + (trailing ? eol : ''), 'utf8');
}

/** One CSV line into fields (RFC 4180 quoting; no newlines inside fields in these sources). */
export function parseCsvLine(line: string, delimiter = ','): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}

export function formatCsvLine(fields: readonly string[], delimiter = ','): string {
  return fields.map((f) => (f.includes(delimiter) || /["\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter);
}

// ---------------------------------------------------------------------------------------------

function titleInUrl(title: string): string {
  return encodeURIComponent(title).replaceAll('%20', '+');
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function spaced(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function parseIso(iso: string): Date {
  if (!/^\d{4}-\d\d-\d\d$/.test(iso)) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  return new Date(`${iso}T00:00:00Z`);
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function isoWeek(monday: Date): { week: number; year: number } {
  const thursday = addDays(monday, 3);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  return { week: Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000)) + 1, year };
}
