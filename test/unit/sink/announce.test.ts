// The announce-after-insert hook: announces the batch's countries only once the insert was
// accepted, never when it failed, and a failed announcement never fails the batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { announcingWriter } from '../../../src/sink/announce.ts';
import type { DailyRow } from '../../../src/sink/decode.ts';

const row = (country: string, date: string): DailyRow => ({ country, date, cases: 1, deaths: 0, source: 'who', estimated: 0, estimated_cases: 0, estimated_deaths: 0, region: '', version: 1, run_id: 1 });
const silent = pino({ level: 'silent' });

void describe('announcing writer', () => {
  void it('announces each country of a batch once, after the insert resolved', async () => {
    const events: string[] = [];
    const writer = announcingWriter(
      { insert: () => Promise.resolve(void events.push('insert')) },
      (countries) => Promise.resolve(void events.push(`announce ${[...countries].join(',')}`)),
      silent,
    );
    await writer.insert([row('RU', '2021-01-01'), row('BR', '2021-01-01'), row('RU', '2021-01-02')]);
    assert.deepEqual(events, ['insert', 'announce RU,BR']);
    await writer.insert([]);
    assert.deepEqual(events, ['insert', 'announce RU,BR', 'insert'], 'an empty batch announces nothing');
  });

  void it('a failed insert is not announced, and fails as before', async () => {
    let announced = 0;
    const writer = announcingWriter({ insert: () => Promise.reject(new Error('ClickHouse down')) }, () => Promise.resolve(void announced++), silent);
    await assert.rejects(writer.insert([row('RU', '2021-01-01')]), /ClickHouse down/);
    assert.equal(announced, 0);
  });

  void it('a failed announcement leaves the batch stored (no retry of the insert) and is counted', async () => {
    let inserts = 0;
    const writer = announcingWriter({ insert: () => Promise.resolve(void inserts++) }, () => Promise.reject(new Error('PostgreSQL down')), silent);
    await writer.insert([row('RU', '2021-01-01')]);
    assert.equal(inserts, 1);
    assert.deepEqual(writer.stats(), { announced: 0, failed: 1 });
  });
});
