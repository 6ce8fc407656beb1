import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { DailyRecord } from '../../../src/domain/record.ts';
import type { RecordRegion } from '../../../src/domain/regions.ts';
import { collectRead } from '../../../src/pipeline/sources/collect.ts';
import { readWho } from '../../../src/pipeline/sources/who.ts';
import { attachRegions, regionChanges } from '../../../src/pipeline/tasks/regions.ts';

const HEADER = 'Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths';

test("a country's region is the one on its latest row, whatever the order of the rows", async () => {
  const file = [HEADER, '2021-03-02,XK,Kosovo,EURO,1,1,0,0', '2021-03-01,XK,Kosovo,Other,1,1,0,0', '2021-03-01,RU,Russia,EURO,1,1,0,0', '2021-02-01,RU,Russia,,1,1,0,0'];
  const read = await collectRead('who', readWho(Readable.from([Buffer.from(`${file.join('\n')}\n`)])));
  assert.deepEqual(Object.fromEntries(read.regions), { XK: 'EUR', RU: 'EUR' });
  const noColumn = await collectRead('who', readWho(Readable.from([Buffer.from('Date_reported,Country_code,New_cases,New_deaths\n2021-03-01,RU,1,0\n')])));
  assert.equal(noColumn.regions.size, 0);
});

const record = (country: string): DailyRecord => ({ country, date: '2021-03-01', cases: 1, deaths: 0, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false });

test('records get their country region; countries without one are left without', () => {
  const records = [record('RU'), record('XK'), record('GB')];
  attachRegions(records, new Map<string, RecordRegion>([['RU', 'EUR'], ['XK', 'OTHER']]));
  assert.deepEqual(records.map((r) => r.region), ['EUR', 'OTHER', undefined]);
});

test('countries whose region differs from the one published last are republished; all of them the first time', () => {
  const regions = new Map<string, RecordRegion>([['RU', 'EUR'], ['XK', 'OTHER'], ['BR', 'AMR']]);
  assert.deepEqual([...regionChanges(undefined, regions)].sort(), ['BR', 'RU', 'XK']);
  assert.deepEqual([...regionChanges({ RU: 'EUR', XK: 'EUR' }, regions)].sort(), ['BR', 'XK']);
  assert.deepEqual([...regionChanges({ RU: 'EUR', XK: 'OTHER', BR: 'AMR' }, regions)], []);
});
