import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeriesLine, SERIES_LINE_MAX, seriesLine, writeSeriesLine } from '../../../src/pipeline/sources/series-line.ts';

test('a staged series line gives back the very point: empty counts stay null, 0 and negatives stay values', () => {
  const points = [
    { date: '2020-01-03', cases: 1, deaths: 0 },
    { date: '2020-01-04', cases: null, deaths: null },
    { date: '2020-01-05', cases: 0, deaths: null },
    { date: '2020-01-06', cases: null, deaths: -3 },
    { date: '2023-06-07', cases: Number.MAX_SAFE_INTEGER, deaths: Number.MIN_SAFE_INTEGER },
  ];
  for (const point of points) assert.deepEqual(parseSeriesLine(seriesLine(point)), point);
  assert.equal(seriesLine(points[1]!), '2020-01-04,,');
  assert.equal(seriesLine(points[3]!), '2020-01-06,,-3');
});

test('a line the stage did not write is an error, not a guessed point', () => {
  for (const line of ['', '2020-01-03', '2020-01-03,1', '2020-01-03,1,2,3', '2020-01-03,x,1', '2020-01-03,1,1.5', '2020-01-03,1,9007199254740993', '{"date":"2020-01-03"}']) {
    assert.throws(() => parseSeriesLine(line), /not a staged series line/, JSON.stringify(line));
  }
});

test('lines are written as bytes one after the other, each exactly the line and a newline', () => {
  const points = [
    { date: '2020-01-03', cases: 1234567, deaths: 0 },
    { date: '2020-01-04', cases: null, deaths: -10 },
    { date: '2023-06-07', cases: Number.MAX_SAFE_INTEGER, deaths: Number.MIN_SAFE_INTEGER },
    { date: '2023-06-08', cases: 9, deaths: 100 },
  ];
  const bytes = Buffer.alloc(points.length * SERIES_LINE_MAX);
  let at = 0;
  for (const point of points) at = writeSeriesLine(point, bytes, at);
  assert.equal(bytes.toString('latin1', 0, at), '2020-01-03,1234567,0\n2020-01-04,,-10\n2023-06-07,9007199254740991,-9007199254740991\n2023-06-08,9,100\n');
  assert.throws(() => writeSeriesLine({ date: '2020-1-3', cases: 1, deaths: 1 }, bytes, 0), /not an ISO date/);
});
