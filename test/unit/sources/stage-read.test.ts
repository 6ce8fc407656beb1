import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { collectRead } from '../../../src/pipeline/sources/collect.ts';
import { SeriesStage, stageRead } from '../../../src/pipeline/sources/stage-read.ts';
import { readWho } from '../../../src/pipeline/sources/who.ts';

const HEADER = 'Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths';
// Sorted by date (countries interleaved), a rejected row, a duplicate, a non-country, empty cells.
const CSV = [
  HEADER,
  '2020-01-03,RU,Russia,EURO,1,1,0,0',
  '2020-01-03,IT,Italy,EURO,,0,,0',
  '2020-01-04,RU,Russia,EURO,2,3,1,1',
  '2020-01-04,IT,Italy,EURO,5,5,-1,0',
  '2020-01-04,XA,Other,OTHER,9,9,0,0',
  '2020-01-05,RU,Russia,EURO,x,3,0,1',
  '2020-01-04,RU,Russia,EURO,2,3,1,1',
  '2020-01-05,IT,Italy,EURO,0,5,0,0',
].join('\n');

const input = () => Readable.from([Buffer.from(CSV)]);

test('a staged read gives the same series, rejects and statistics as the in-memory read, in any row order', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stage-test-'));
  try {
    const stage = SeriesStage.create('who', root);
    const staged = await stageRead('who', readWho(input()), stage);
    const memory = await collectRead('who', readWho(input()));
    assert.deepEqual(stage.countries(), [...memory.series.keys()].sort());
    for (const country of stage.countries()) assert.deepEqual(stage.series(country), memory.series.get(country));
    assert.deepEqual([...stage.rejects()].flat(), memory.rejects.map((r) => ({ line: r.line, reason: r.reason, raw: r.raw })));
    assert.deepEqual(staged.stats, memory.stats);
    assert.equal(staged.stats.duplicates, 1);
    assert.deepEqual([...staged.stats.lastDates!], [['RU', '2020-01-04'], ['IT', '2020-01-05']]);
    assert.deepEqual(stage.series('IT')[0], { date: '2020-01-03', cases: null, deaths: null });
    stage.remove();
    assert.equal(existsSync(stage.dir), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an empty stage has no countries or rejects', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stage-test-'));
  try {
    const stage = SeriesStage.create('ecdc', root);
    stage.seal();
    assert.deepEqual(stage.countries(), []);
    assert.deepEqual([...stage.rejects()], []);
    stage.remove();
    stage.add('RU', { date: '2020-01-03', cases: 1, deaths: 0 });
    assert.throws(() => stage.seal(), /was removed/); // not written into a closed or reused descriptor
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
