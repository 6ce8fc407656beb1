import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeError, safeLocation } from '../../../src/api/services/safe-text.ts';

test('an error keeps its code and loses credentials, paths and internal addresses', () => {
  assert.deepEqual(safeError('SOURCE_HTTP_5XX: 503 Service Unavailable (https://u:pw@who.example/x.csv?token=abc)'), {
    code: 'SOURCE_HTTP_5XX',
    message: '503 Service Unavailable (<https url>)',
  });
  assert.deepEqual(safeError("ENOENT: no such file or directory, open '/home/ops/data/who.csv'"), {
    code: 'ENOENT',
    message: "no such file or directory, open '<path>'",
  });
  assert.deepEqual(safeError('file:///srv/who.csv: malformed file at line 3: quote'), { code: 'SOURCE_FORMAT', message: '<path> malformed file at line 3: quote' });
  assert.deepEqual(safeError('who: quality gate failed: rows: 10 < 90% of 2000'), { code: 'QUALITY_GATE', message: 'who: quality gate failed: rows: 10 < 90% of 2000' });
  assert.equal(safeError('connect ECONNREFUSED 192.168.0.7:9092, [fd00::2]:8123, ::1, db.internal:5432, localhost').message, 'connect ECONNREFUSED <address>, <address>, <address>, <address>, <address>');
  assert.equal(safeError('at 14:20:38 the answer was late').message, 'at 14:20:38 the answer was late');
  assert.equal(safeError('no week heading').code, 'TASK_FAILED');
  assert.ok(safeError(`x ${'y'.repeat(5_000)}`).message.length <= 300);
});

test('a source location without userinfo, query or fragment; of a local file only its name', () => {
  assert.equal(safeLocation('https://user:pw@host.example:8443/a/b.csv?sig=1#x'), 'https://host.example:8443/a/b.csv');
  assert.equal(safeLocation('file:///home/ops/sources/WHO-COVID-19.csv'), 'file:…/WHO-COVID-19.csv');
  assert.equal(safeLocation('https://объясняем.рф/stopkoronavirus/'), 'https://объясняем.рф/stopkoronavirus/');
});
