// The weekly posts and list pages are parsed with htmlparser2 (cheerio/slim, decision 0117);
// parse5 (cheerio's default, the HTML standard's parser) is kept here as the oracle: on every
// saved post and list page, both see the same tables, rows, cells, headings and post cards, up to
// the whitespace that the readers collapse anyway (parse5 turns CRLF into LF).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { load as loadStandard, type CheerioAPI } from 'cheerio';
import { load as loadSlim } from 'cheerio/slim';
import { CARD_SELECTOR } from '../../../src/pipeline/sources/stopcoronavirus-list.ts';
import { normalizeText } from '../../../src/pipeline/sources/stopcoronavirus-post.ts';
import { POSTS_DIR } from './real-files.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/stopcoronavirus/', import.meta.url));
const pages = [
  ...readdirSync(POSTS_DIR).filter((f) => f.endsWith('.html')).map((f) => path.join(POSTS_DIR, f)),
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.html')).map((f) => path.join(FIXTURES, f)),
];

/** What the readers take from a page: tables as rows of cells (with colspans), headings and tables in order, post cards. */
function seen($: CheerioAPI) {
  const text = (e: Parameters<CheerioAPI>[0]) => normalizeText($(e).text());
  return {
    tables: $('table')
      .toArray()
      .map((table) =>
        $(table)
          .find('tr')
          .toArray()
          .map((tr) => $(tr).children('td, th').toArray().map((td) => `${text(td)}|${$(td).attr('colspan') ?? ''}`)),
      ),
    order: $('h1, h2, h3, h4, h5, h6, table')
      .toArray()
      .map((e) => `${e.tagName}:${text(e)}`),
    cards: $(CARD_SELECTOR)
      .toArray()
      .map((a) => [$(a).attr('href'), text($(a).find('h1, h2, h3, h4').first()), text(a)]),
  };
}

test('the saved posts and list pages: 10 posts and 2 list pages to compare', () => {
  assert.equal(pages.length, 12);
});

for (const page of pages) {
  test(`${path.basename(page)}: htmlparser2 sees what parse5 sees`, () => {
    const html = readFileSync(page, 'utf8');
    const standard = seen(loadStandard(html));
    assert.ok(standard.tables.length + standard.cards.length > 0, 'the page has something to read');
    assert.deepEqual(seen(loadSlim(html)), standard);
  });
}
