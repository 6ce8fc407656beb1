import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readEcdc } from '../../../src/pipeline/sources/ecdc.ts';
import { SourceFormatError, SourceLayoutError } from '../../../src/pipeline/sources/errors.ts';
import type { ReaderItem, RowItem } from '../../../src/pipeline/sources/types.ts';
import { countKinds, drain, ECDC_EXCEL, ECDC_ORIGINAL, ECDC_RECONSTRUCTED, open, plainRows, readOnce } from './real-files.ts';

const rowsOf = (items: ReaderItem[]) => items.filter((i): i is RowItem => i.kind === 'row');

// Row counts from PROVENANCE.md 1a-1c; 64 rows each of JPG11668, the cruise ship.
for (const [name, file, total] of [
  ['2020-12-06 original (dd/mm/yyyy, CRLF)', ECDC_ORIGINAL, 60196],
  ['2020-12-14 Excel re-saved (m/d/yyyy, LF)', ECDC_EXCEL, 61900],
  ['2020-12-14 reconstructed (dd/mm/yyyy, CRLF)', ECDC_RECONSTRUCTED, 61900],
] as const) {
  test(`ECDC ${name}: every row read, none rejected, the cruise ship skipped`, async () => {
    const items = await readOnce(readEcdc, file);
    assert.deepEqual(countKinds(items), { row: total - 64, rejected: 0, skipped: 64 });
    assert.ok(items.filter((i) => i.kind === 'skipped').every((i) => i.code === 'JPG11668'));
  });
}

test('ECDC original: Russia as PROVENANCE describes it, Namibia present, UK/EL mapped', async () => {
  const rows = rowsOf(await readOnce(readEcdc, ECDC_ORIGINAL));
  const ru = rows.filter((r) => r.country === 'RU');
  assert.equal(ru.length, 342);
  // Newest first in the file: the first RU row is the latest date.
  assert.deepEqual([ru[0]!.date, ru[0]!.cases, ru[0]!.deaths], ['2020-12-06', 29039, 457]);
  assert.deepEqual([ru.at(-1)!.date, ru.at(-1)!.cases, ru.at(-1)!.deaths], ['2019-12-31', 0, 0]);

  const namibiaLines = plainRows(ECDC_ORIGINAL).filter((f) => f[7] === 'NA').length;
  assert.ok(namibiaLines > 200);
  assert.equal(rows.filter((r) => r.country === 'NA').length, namibiaLines);
  assert.ok(rows.every((r) => r.cases !== null && r.deaths !== null));

  const countries = new Set(rows.map((r) => r.country));
  assert.equal(countries.size, 213);
  for (const c of ['GB', 'GR', 'XK', 'BQ']) assert.ok(countries.has(c), c);
  for (const c of ['UK', 'EL', 'JPG11668']) assert.ok(!countries.has(c), c);
});

test('ECDC original: the negative values are kept (26 in the file, one of them the skipped cruise ship)', async () => {
  const rows = rowsOf(await readOnce(readEcdc, ECDC_ORIGINAL));
  assert.equal(rows.filter((r) => r.cases! < 0).length, 17); // + JPG11668 2020-03-10 cases -9

  assert.equal(rows.filter((r) => r.deaths! < 0).length, 8);
  assert.ok(rows.some((r) => r.country === 'EC' && r.date === '2020-09-07' && r.cases === -8261));
  assert.ok(rows.some((r) => r.country === 'IT' && r.date === '2020-06-25' && r.deaths === -31));
});

test('ECDC: the Excel re-save (m/d/yyyy) and the reconstructed original (dd/mm/yyyy) read the same', async () => {
  const key = (r: RowItem) => `${r.country} ${r.date} ${r.cases} ${r.deaths}`;
  const excel = rowsOf(await readOnce(readEcdc, ECDC_EXCEL)).map(key);
  const reconstructed = rowsOf(await readOnce(readEcdc, ECDC_RECONSTRUCTED)).map(key);
  assert.deepEqual(excel, reconstructed);
  assert.ok(excel.includes('RU 2020-12-14 28080 488'));
  assert.ok(excel.includes('ES 2020-12-13 0 0') && !excel.some((k) => k.startsWith('ES 2020-12-14')));
});

test('ECDC: reading in small chunks gives the same rows', async () => {
  const whole = await readOnce(readEcdc, ECDC_EXCEL);
  const chunked = await drain(readEcdc(open(ECDC_EXCEL, 997)));
  assert.deepEqual(chunked, whole);
});

const HEADER = 'dateRep,day,month,year,cases,deaths,countriesAndTerritories,geoId,countryterritoryCode,popData2019,continentExp,Cumulative_number_for_14_days_of_COVID-19_cases_per_100000';
const csv = (...lines: string[]) => Readable.from([Buffer.from(lines.join('\r\n') + '\r\n')]);

test('ECDC: quoted names with commas and Namibia parse; dates are checked against day/month/year', async () => {
  const items = await drain(
    readEcdc(
      csv(
        HEADER,
        '14/12/2020,14,12,2020,3,0,"Bonaire, Saint Eustatius and Saba",BQ,BES,25711,America,74.68',
        '14/12/2020,14,12,2020,51,1,Namibia,NA,NAM,2494524,Africa,40.0',
        '12/14/2020,14,12,2020,5,0,Namibia,NA,NAM,2494524,Africa,40.0',
        '05/12/2020,12,5,2020,5,0,Namibia,NA,NAM,2494524,Africa,40.0',
      ),
    ),
  );
  assert.deepEqual(
    items.map((i) => (i.kind === 'row' ? [i.country, i.date, i.cases] : [i.kind, i.line])),
    [
      ['BQ', '2020-12-14', 3],
      ['NA', '2020-12-14', 51],
      ['NA', '2020-12-14', 5], // m/d/yyyy, agrees with the parts
      ['NA', '2020-05-12', 5], // ambiguous 05/12: day/month/year say 12 May
    ],
  );
});

test('ECDC bad rows are rejected with their line and reason, the rest is read', async () => {
  const items = await drain(
    readEcdc(
      csv(
        HEADER,
        '14/12/2020,14,12,2020,28080,488,Russia,RU,RUS,145872260,Europe,263.6',
        '13/12/2020,13,12,2020,many,1,Russia,RU,RUS,145872260,Europe,263.6',
        '13/12/2020,13,12,2020,5,0,Atlantis,ZZ,ATL,1,Europe,1',
        '13/12/2020,14,12,2020,5,0,Russia,RU,RUS,145872260,Europe,263.6',
        '30/02/2020,30,2,2020,5,0,Russia,RU,RUS,145872260,Europe,263.6',
        '12/12/2020,12,12,2020,1.5,0,Russia,RU,RUS,145872260,Europe,263.6',
        '11/12/2020,11,12,2020,27',
      ),
    ),
  );
  const rejected = items.filter((i) => i.kind === 'rejected');
  assert.equal(items.filter((i) => i.kind === 'row').length, 1);
  assert.deepEqual(
    rejected.map((r) => r.line),
    [3, 4, 5, 6, 7, 8],
  );
  const reasons = rejected.map((r) => r.reason);
  assert.match(reasons[0]!, /cases is not an integer: "many"/);
  assert.match(reasons[1]!, /unknown country code "ZZ"/);
  assert.equal(rejected[1]!.unknownCode, 'ZZ');
  assert.match(reasons[2]!, /dateRep "13\/12\/2020" does not agree with day\/month\/year 14\/12\/2020/);
  assert.match(reasons[3]!, /day\/month\/year 30\/2\/2020 is not a date/);
  assert.match(reasons[4]!, /cases is not an integer: "1.5"/);
  assert.match(reasons[5]!, /expected 12 fields, found 5/); // a truncated line
  assert.equal(rejected[5]!.raw, '11/12/2020,11,12,2020,27');
});

test('ECDC: a renamed column stops the read with what was expected and what was found', async () => {
  await assert.rejects(drain(readEcdc(csv(HEADER.replace('geoId', 'geoID'), '14/12/2020,14,12,2020,1,0,Russia,RU,RUS,1,Europe,1'))), (error) => {
    assert.ok(error instanceof SourceLayoutError);
    assert.equal(error.code, 'SOURCE_LAYOUT');
    assert.match(error.expected, /geoId/);
    assert.match(error.found, /geoID/);
    assert.match(error.found, /missing geoId/);
    return true;
  });
});

test('ECDC: an empty file is a layout error; an unclosed quote is a format error', async () => {
  await assert.rejects(drain(readEcdc(Readable.from([Buffer.alloc(0)]))), SourceLayoutError);
  await assert.rejects(drain(readEcdc(csv(HEADER, '14/12/2020,14,12,2020,1,0,"Russia,RU,RUS,1,Europe,1'))), (error) => {
    assert.ok(error instanceof SourceFormatError);
    assert.equal(error.code, 'SOURCE_FORMAT');
    return true;
  });
});

test('ECDC: a failing input stream fails the read', async () => {
  async function* broken() {
    yield Buffer.from(HEADER + '\n');
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error('connection reset');
  }
  await assert.rejects(drain(readEcdc(Readable.from(broken()))), /connection reset/);
});
