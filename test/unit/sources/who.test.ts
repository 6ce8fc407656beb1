import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readWho } from '../../../src/pipeline/sources/who.ts';
import { SourceLayoutError } from '../../../src/pipeline/sources/errors.ts';
import type { ReaderItem, RowItem } from '../../../src/pipeline/sources/types.ts';
import { countKinds, drain, plainRows, WHO_DAILY, WHO_EXCERPT, WHO_WEEKLY, WHO_WEEKLY_OLDER, readOnce } from './real-files.ts';

const rowsOf = (items: ReaderItem[]) => items.filter((i): i is RowItem => i.kind === 'row');

test('WHO daily to 2023-06-07 (BOM, old region codes): all 296 724 rows read, none rejected', async () => {
  const items = await readOnce(readWho, WHO_DAILY);
  // " " (Other), XA, XB, XC: 4 codes x 1 252 days, skipped as not countries.
  assert.deepEqual(countKinds(items), { row: 296724 - 5008, rejected: 0, skipped: 5008 });
  const skippedCodes = new Set(items.flatMap((i) => (i.kind === 'skipped' ? [i.code] : [])));
  assert.deepEqual([...skippedCodes].sort(), [' ', 'XA', 'XB', 'XC']);
  const rows = rowsOf(items);
  assert.equal(rows[0]!.date, '2020-01-03'); // the BOM did not eat the first column's name
  assert.equal(new Set(rows.map((r) => r.country)).size, 233);
  assert.equal(rows.filter((r) => r.country === 'NA').length, 1252); // Namibia, every day
  assert.ok(rows.every((r) => r.cases !== null && r.deaths !== null)); // this release has no empty cells
  assert.equal(rows.filter((r) => r.garbledIgnoredField).length, 0);
  const ru = rows.filter((r) => r.country === 'RU');
  assert.equal(ru.length, 1252);
  assert.deepEqual(ru.find((r) => r.date === '2023-05-22'), { kind: 'row', line: ru.find((r) => r.date === '2023-05-22')!.line, country: 'RU', date: '2023-05-22', cases: 17118, deaths: 183, region: 'EUR' });
});

for (const [name, file, total, weeks] of [
  ['weekly to 2025-09-28', WHO_WEEKLY, 72000, 300],
  ['weekly to 2025-06-01', WHO_WEEKLY_OLDER, 67920, 283],
] as const) {
  test(`WHO ${name}: every row read, conveyances skipped, U+FFFD names noted but accepted`, async () => {
    const items = await readOnce(readWho, file);
    const conveyances = 6 * weeks;
    assert.deepEqual(countKinds(items), { row: total - conveyances, rejected: 0, skipped: conveyances });
    const rows = rowsOf(items);
    // Five names have U+FFFD (Cura�ao, C�te d'Ivoire, R�union, Saint Barth�lemy, T�rkiye).
    assert.deepEqual([...new Set(rows.filter((r) => r.garbledIgnoredField).map((r) => r.country))].sort(), ['BL', 'CI', 'CW', 'RE', 'TR']);
    assert.equal(rows.filter((r) => r.garbledIgnoredField).length, 5 * weeks);
    assert.equal(rows.filter((r) => r.country === 'NA').length, weeks);
    // Empty cells stay null: compare with a hand split of the file.
    const emptyCases = plainRows(file).filter((f) => !f[1]!.startsWith('XX') && f[4] === '').length;
    assert.equal(rows.filter((r) => r.cases === null).length, emptyCases);
    assert.ok(emptyCases > 15000); // 18 935 and 21 250 of the country rows
    const ru = new Map(rows.filter((r) => r.country === 'RU').map((r) => [r.date, r]));
    assert.deepEqual([ru.get('2023-05-21')!.cases, ru.get('2023-05-21')!.deaths], [2379, 26]);
    assert.deepEqual([ru.get('2025-03-16')!.cases, ru.get('2025-03-16')!.deaths], [3924, 16]);
  });
}

test('WHO weekly to 2025-09-28: Russia empty after 2025-03-16, a Sunday-only series', async () => {
  const rows = rowsOf(await readOnce(readWho, WHO_WEEKLY)).filter((r) => r.country === 'RU');
  assert.equal(rows.length, 300);
  assert.ok(rows.every((r) => new Date(r.date).getUTCDay() === 0));
  const after = rows.filter((r) => r.date > '2025-03-16');
  assert.ok(after.length > 20 && after.every((r) => r.cases === null && r.deaths === null));
});

test('WHO transcribed excerpt (new region codes, empty cells on days without report)', async () => {
  const rows = rowsOf(await readOnce(readWho, WHO_EXCERPT));
  assert.deepEqual(
    rows.map((r) => [r.date, r.cases, r.deaths]),
    [
      ['2020-01-04', null, null],
      ['2023-05-05', 4215, 32],
      ['2023-05-06', 4281, 33],
      ['2023-05-14', 2996, 25],
      ['2023-05-15', 2379, 26],
      ['2023-05-16', null, null],
      ['2023-05-22', 17118, 183],
    ],
  );
});

const HEADER = 'Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths';
const bytesOf = (...lines: string[]) => Buffer.from('\uFEFF' + lines.join('\n') + '\n');

test('WHO: one byte at a time, a BOM, quoted names and accents decode the same', async () => {
  const bytes = bytesOf(
    HEADER,
    '2020-03-22,SH,"Saint Helena, Ascension and Tristan da Cunha",AFRO,0,0,0,0',
    '2020-03-22,CW,Curaçao,AMRO,3,3,0,0',
    '2020-03-22,CI,Côte d’Ivoire,AFRO,1,15,0,0',
    '2020-03-22,NA,Namibia,AFRO,1,3,0,0',
    '2020-03-22,XF,Conveyance (Diamond Princess),OTHER,,712,,13',
  );
  const whole = await drain(readWho(Readable.from([bytes])));
  const oneByOne = await drain(readWho(Readable.from([...bytes].map((b) => Buffer.from([b])))));
  assert.deepEqual(oneByOne, whole);
  assert.deepEqual(
    whole.map((i) => (i.kind === 'row' ? `${i.country} ${i.cases} ${i.garbledIgnoredField ?? ''}` : `${i.kind} ${JSON.stringify((i as { code?: string }).code)}`)),
    ['SH 0 ', 'CW 3 ', 'CI 1 ', 'NA 1 ', 'skipped "XF"'],
  );
});

test('WHO bad rows are rejected with reasons; U+FFFD in a used field is marked', async () => {
  const items = await drain(
    readWho(
      Readable.from([
        bytesOf(
          HEADER,
          '2021-02-30,RU,Russian Federation,EURO,1,1,0,0',
          '2021-03-01,RU,Russian Federation,EURO,n/a,1,0,0',
          '2021-03-01,R\uFFFD,Russia,EURO,1,1,0,0',
          '2021-03-01,,Nowhere,EURO,1,1,0,0',
          '2021-03-01,RU,Russian Federation,EURO,1',
          '2021-03-02,RU,Russian Federation,EURO,-5,1,,0',
        ),
      ]),
    ),
  );
  const reasons = items.map((i) => (i.kind === 'rejected' ? i.reason : i.kind));
  assert.match(reasons[0]!, /Date_reported is not a YYYY-MM-DD date: "2021-02-30"/);
  assert.match(reasons[1]!, /New_cases is not an integer: "n\/a"/);
  assert.match(reasons[2]!, /unknown country code "R\uFFFD"/);
  assert.equal((items[2] as { garbled?: boolean }).garbled, true);
  assert.match(reasons[3]!, /unknown country code ""/);
  assert.match(reasons[4]!, /expected 8 fields, found 5/);
  assert.deepEqual(items[5], { kind: 'row', line: 7, country: 'RU', date: '2021-03-02', cases: -5, deaths: null, region: 'EUR' });
});

test('WHO: a renamed column stops the read naming expected and found', async () => {
  await assert.rejects(drain(readWho(Readable.from([bytesOf(HEADER.replace('New_deaths', 'NewDeaths'), '2021-03-01,RU,R,EURO,1,1,0,0')]))), (error) => {
    assert.ok(error instanceof SourceLayoutError);
    assert.match(error.message, /expected columns Date_reported,Country_code,New_cases,New_deaths; found header .*NewDeaths.* \(missing New_deaths\)/);
    return true;
  });
});

test('WHO: columns are found by name, in any order', async () => {
  const items = await drain(readWho(Readable.from([Buffer.from('New_deaths,New_cases,Country_code,Date_reported\n4,12,RU,2021-03-01\n')])));
  assert.deepEqual(items, [{ kind: 'row', line: 2, country: 'RU', date: '2021-03-01', cases: 12, deaths: 4 }]);
});

test('WHO: each row carries its region, old codes read as the new ones, none as OTHER', async () => {
  // Old codes and `Other` (daily to 2023-06-07); empty cells for 18 territories (weekly to
  // 2025-06-01); new codes (weekly to 2025-09-28).
  for (const file of [WHO_DAILY, WHO_WEEKLY_OLDER, WHO_WEEKLY]) {
    const rows = rowsOf(await readOnce(readWho, file));
    const regions = new Map(rows.map((r) => [r.country, r.region]));
    assert.deepEqual(
      ['RU', 'BR', 'CN', 'IN', 'NG', 'EG'].map((c) => regions.get(c)),
      ['EUR', 'AMR', 'WPR', 'SEAR', 'AFR', 'EMR'],
      file,
    );
    const kinds = new Set(regions.values());
    assert.deepEqual([...kinds].filter((k) => k !== 'OTHER').sort(), ['AFR', 'AMR', 'EMR', 'EUR', 'SEAR', 'WPR'], file);
    // OTHER exactly where the file's cell is no region code (hand split of the file).
    const other = new Set(plainRows(file).filter((f) => !/^(AFR|AMR|EMR|EUR|SEAR|WPR)O?$/.test(f[3]!)).map((f) => f[1]));
    const readOther = new Set(rows.filter((r) => r.region === 'OTHER').map((r) => r.country));
    assert.deepEqual([...readOther].sort(), [...other].filter((c) => regions.has(c!)).sort(), file);
  }
  const older = rowsOf(await readOnce(readWho, WHO_WEEKLY_OLDER));
  assert.equal(new Set(older.filter((r) => r.region === 'OTHER').map((r) => r.country)).size, 18); // the empty cells
});
