import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseWeekHeading, readStopcoronavirusPost } from '../../../src/pipeline/sources/stopcoronavirus-post.ts';
import { SourceLayoutError } from '../../../src/pipeline/sources/errors.ts';
import { POSTS_DIR } from './real-files.ts';

// PROVENANCE.md 3a: week as printed and the RF row (Выявлено, Умерло) of each saved post.
const EXPECTED: Record<string, [string, string, number, number]> = {
  '2023-11-02': ['2023-10-23', '2023-10-29', 25983, 61],
  '2023-11-15': ['2023-11-06', '2023-11-12', 41386, 76],
  '2023-11-21': ['2023-11-13', '2023-11-19', 58150, 93],
  '2023-11-28': ['2023-11-20', '2023-11-26', 77106, 90],
  '2023-12-07': ['2023-11-27', '2023-12-03', 95079, 138],
  '2023-12-12': ['2023-12-04', '2023-12-10', 107174, 148],
  '2024-01-16': ['2024-01-08', '2024-01-14', 26993, 150],
  '2024-01-23': ['2024-01-15', '2024-01-21', 26000, 141],
  '2024-02-06': ['2024-01-29', '2024-02-04', 25751, 107],
  '2024-04-15': ['2024-04-01', '2024-04-07', 19954, 69],
};

const posts = readdirSync(POSTS_DIR).filter((f) => f.endsWith('.html')).sort();

test('there are the ten saved posts', () => {
  assert.equal(posts.length, 10);
});

for (const file of posts) {
  const commit = file.slice('commit-'.length, 'commit-'.length + 10);
  test(`post ${commit}: the week and Russia's totals`, () => {
    const html = readFileSync(path.join(POSTS_DIR, file), 'utf8');
    const read = readStopcoronavirusPost(html, `https://example/${file}`);
    assert.equal(read.kind, 'week');
    if (read.kind !== 'week') return;
    const [weekStart, weekEnd, cases, deaths] = EXPECTED[commit]!;
    assert.deepEqual(read.week, { country: 'RU', weekStart, weekEnd, cases, deaths });
    assert.match(read.heading, /(По состоянию за|За) \d+ (нед\.|неделю) 202\d г\./);
  });
}

test('cross-check by hand: the RF row of two posts, read from the raw HTML without a parser', () => {
  for (const [commit, cases, deaths] of [['2023-11-02', 25983, 61], ['2024-01-16', 26993, 150]] as const) {
    const html = readFileSync(path.join(POSTS_DIR, posts.find((f) => f.includes(commit))!), 'utf8');
    const text = html.slice(html.indexOf('Российская Федерация')).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    // Name, then Госпитализировано, Выздоровело, Выявлено, Умерло (numbers with spaces).
    const m = /^Российская Федерация (\d{1,3}(?: \d{3})*) (\d{1,3}(?: \d{3})*) (\d{1,3}(?: \d{3})*) (\d+)/.exec(text)!;
    assert.equal(Number(m[3]!.replace(/ /g, '')), cases);
    assert.equal(Number(m[4]), deaths);
    const read = readStopcoronavirusPost(html);
    assert.ok(read.kind === 'week' && read.week.cases === cases && read.week.deaths === deaths);
  }
});

test('week headings in every form seen', () => {
  const cases: [string, string, string][] = [
    ['По состоянию за 43 нед. 2023 г. (23.10- 29.10.2023)', '2023-10-23', '2023-10-29'],
    ['По состоянию за 45 нед. 2023 г. (06.11 - 12.11.2023)', '2023-11-06', '2023-11-12'],
    ['По состоянию за 49 нед. 2023 г. (04.12.2023–10.12.2023)', '2023-12-04', '2023-12-10'],
    ['За 5 нед. 2024 г. (29.01.2024 - 04.02.2024)', '2024-01-29', '2024-02-04'],
    ['За 14 неделю 2024 г. (01.04. - 07.04.2024)', '2024-04-01', '2024-04-07'],
    ['За 6 нед. 2024 г. (05.02–11.02.2024)', '2024-02-05', '2024-02-11'],
    ['За 10 нед. 2024 г. (04.03. - 10.03.2024)', '2024-03-04', '2024-03-10'],
    ['За 47-ю неделю 2024 года (18.11.2024 - 24.11.2024)', '2024-11-18', '2024-11-24'],
    ['За 1 нед. 2025 г. (30.12 - 05.01.2025)', '2024-12-30', '2025-01-05'],
  ];
  for (const [heading, start, end] of cases) assert.deepEqual(parseWeekHeading(heading), { ok: true, start, end }, heading);
  assert.equal(parseWeekHeading('За 43 нед. 2023 г. (23.10 - 30.10.2023)').ok, false); // 8 days
  assert.equal(parseWeekHeading('За 9 нед. 2023 г. (27.02 - 05.03.2023)').ok, true);
  assert.equal(parseWeekHeading('За 9 нед. (31.02 - 06.03.2024)').ok, false);
  assert.equal(parseWeekHeading('За 43 неделю 2023 года').ok, false);
});

const TABLE = (rows: string, heading = '<h3>По состоянию за 45 нед. 2023 г. (06.11 - 12.11.2023)</h3>') => `<html><body>
  <div class="article-detail__content">${heading}
  <div class="u-table-cv"><table><tbody>${rows}</tbody></table></div></div>
  <div class="article-list"><h3 class="article-list__item-title"><a href="/stopkoronavirus/x/">В России за неделю выздоровели 24 087 человек</a></h3></div>
  </body></html>`;
const HEAD = '<tr><td>Наименование субъекта</td><td>Госпитализировано</td><td>Выздоровело</td><td>Выявлено</td><td>Умерло&nbsp;</td></tr>';
const RF = '<tr><td><b>Российская Федерация</b></td><td>5 473</td><td>29 987</td><td><b>\n 41 386 </b></td><td>76</td></tr>';
const REGION = '<tr><td>Белгородская область</td><td>74</td><td>98</td><td>210</td><td>0</td></tr>';

test('columns and the row are found by name: other orders and row positions work', () => {
  const swapped =
    '<tr><td>Наименование субъекта</td><td>Умерло</td><td>Выявлено</td></tr>' + REGION.replace('74', '1') + '<tr><td>Российская Федерация</td><td>76</td><td>41&nbsp;386</td></tr>';
  const read = readStopcoronavirusPost(TABLE(swapped));
  assert.deepEqual(read.kind === 'week' && read.week, { country: 'RU', weekStart: '2023-11-06', weekEnd: '2023-11-12', cases: 41386, deaths: 76 });
});

test('a page without the table, the heading or the Russia row is a layout error naming both sides', () => {
  const layout = (html: string, expected: RegExp, found: RegExp) =>
    assert.throws(
      () => readStopcoronavirusPost(html),
      (error) => {
        assert.ok(error instanceof SourceLayoutError);
        assert.match(error.expected, expected);
        assert.match(error.found, found);
        return true;
      },
    );
  layout('<html><body><p>Новость без таблицы</p></body></html>', /a table with columns Наименование субъекта, Выявлено, Умерло/, /no table/);
  layout(TABLE(HEAD.replace('Выявлено', 'Выявлено случаев') + RF), /Выявлено/, /Выявлено случаев/);
  layout(TABLE(HEAD + RF, '<h3>Коронавирус в регионах</h3>'), /a week heading with a date range/, /Коронавирус в регионах/);
  layout(TABLE(HEAD + REGION), /a row "Российская Федерация"/, /Белгородская область/);
});

test('a Russia row with a value that is not a number rejects the post with the reason', () => {
  const read = readStopcoronavirusPost(TABLE(HEAD + RF.replace('76', 'н/д')), 'https://site/post/');
  assert.equal(read.kind, 'rejected');
  assert.ok(read.kind === 'rejected');
  assert.match(read.reason, /Умерло of Российская Федерация is not a number: "н\/д"/);
  assert.equal(read.url, 'https://site/post/');
  assert.match(read.raw, /Российская Федерация \| 5 473/);
});

test('a heading whose range is not a week rejects the post', () => {
  const read = readStopcoronavirusPost(TABLE(HEAD + RF, '<h3>За 45 нед. 2023 г. (06.11 - 14.11.2023)</h3>'));
  assert.ok(read.kind === 'rejected' && /spans 9 days/.test(read.reason));
});
