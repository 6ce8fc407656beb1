// What a load published is recorded in its completion transaction as it goes (real PostgreSQL):
// nothing of it is visible before the completion commits, nothing is left after a rollback or
// when PostgreSQL ends a transaction left idle by a frozen worker, and a source that already has
// rows gets the changed values replaced.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { DailyRecord } from '../../../src/domain/record.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { CompletionTransaction } from '../../../src/pipeline/completion.ts';
import { PublishedWriter } from '../../../src/pipeline/published-writer.ts';
import { changedRecords } from '../../../src/pipeline/state.repository.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

/** `days` days of each country from 2021-01-01, values from `base`; every third day estimated cases. */
function records(countries: string[], days: number, base = 0): DailyRecord[] {
  return countries.flatMap((country) =>
    Array.from({ length: days }, (_, d) => {
      const estimated_cases = d % 3 === 0;
      return { country, date: new Date(Date.UTC(2021, 0, 1 + d)).toISOString().slice(0, 10), cases: base + d * 10 - 5, deaths: d % 4, source: 'who' as const, estimated: estimated_cases, estimated_cases, estimated_deaths: false };
    }),
  );
}

describe('recording published records in the completion transaction', () => {
  let env: TestEnvironment;
  let pool: Pool;
  before(async () => {
    env = await createTestEnvironment();
    pool = createPool(env.config.DATABASE_URL, { max: 4 });
  });
  after(async () => {
    await pool?.end();
    await env?.cleanup();
  });
  beforeEach(() => pool.query('DELETE FROM etl_published'));
  /** The transactions of a test, rolled back after it whatever happened (a failed test must not hold its rows' locks). */
  let opened: CompletionTransaction[] = [];
  const transaction = (idleTimeoutMs = 60_000) => {
    const completion = new CompletionTransaction(pool, idleTimeoutMs);
    opened.push(completion);
    return completion;
  };
  afterEach(async () => {
    await Promise.all(opened.map((t) => t.rollback()));
    opened = [];
  });
  /** An attempt's transaction with the groups recorded in it (not committed). */
  const recorded = async (runId: string, groups: DailyRecord[][], idleTimeoutMs?: number) => {
    const completion = transaction(idleTimeoutMs);
    const writer = await PublishedWriter.open(await completion.client(), runId, 'who');
    for (const group of groups) await writer.add(group);
    await writer.finish();
    return { completion, writer };
  };
  const committed = async (runId: string, groups: DailyRecord[][]) => (await recorded(runId, groups)).completion.commit(() => Promise.resolve());

  const stored = async () => {
    const { rows } = await pool.query<{ key: string }>(
      `SELECT country || ' ' || to_char(date, 'YYYY-MM-DD') || ' ' || cases || ' ' || deaths || ' ' || estimated || estimated_cases || estimated_deaths || ' ' || run_id AS key
         FROM etl_published WHERE source = 'who' ORDER BY country, date`,
    );
    return rows.map((r) => r.key);
  };
  const keys = (list: DailyRecord[], runId: string) =>
    list.map((r) => `${r.country} ${r.date} ${r.cases} ${r.deaths} ${r.estimated}${r.estimated_cases}${r.estimated_deaths} ${runId}`).sort();

  it('a first load: rows appear only when the completion commits, exactly as published', async () => {
    const groups = [records(['AF', 'BR'], 40), records(['RU'], 40), records(['ZW'], 5)];
    const { completion, writer } = await recorded('3', groups);
    assert.equal(writer.rows, 125);
    assert.deepEqual(await stored(), [], 'invisible before the completion commits');
    await completion.commit(() => Promise.resolve());
    assert.deepEqual(await stored(), keys(groups.flat(), '3'));
    // The next run's diff reads them: nothing changed.
    assert.deepEqual(await changedRecords(pool, 'who', groups.flat()), []);
  });

  it('a failed attempt rolls back: nothing it recorded remains, and the keys are free for the next attempt', async () => {
    await (await recorded('4', [records(['RU'], 30)])).completion.rollback();
    assert.deepEqual(await stored(), []);
    await committed('4', [records(['RU'], 30)]);
    assert.deepEqual(await stored(), keys(records(['RU'], 30), '4'));
  });

  it('a source with rows already recorded: changed and new rows replace or join them, the rest stay', async () => {
    await committed('5', [records(['IT', 'RU'], 10)]);
    // A later run: RU revised (new values, 2 more days) in two groups; IT unchanged, not published.
    const revised = records(['RU'], 12, 1_000);
    const later = (await recorded('6', [revised.slice(0, 5), revised.slice(5)])).completion;
    assert.deepEqual(await stored(), keys(records(['IT', 'RU'], 10), '5'), 'the old values until the completion commits');
    await later.commit(() => Promise.resolve());
    assert.deepEqual(await stored(), [...keys(records(['IT'], 10), '5'), ...keys(revised, '6')].sort());
  });

  it('a transaction left idle by a frozen worker is ended by PostgreSQL: its rows never land, the process goes on', async () => {
    const frozen = (await recorded('7', [records(['RU'], 20)], 300)).completion;
    await sleep(1_500);
    await assert.rejects(frozen.commit(() => Promise.resolve()), /^Error: the completion transaction's connection closed \(idle longer than 300 ms/);
    assert.deepEqual(await stored(), []);
    // The pool is unharmed and the keys are free.
    await committed('8', [records(['RU'], 20)]);
    assert.equal((await stored()).length, 20);
  });

  it('a failing write surfaces at the next add or at finish, and the attempt fails', async () => {
    const completion = transaction();
    const writer = await PublishedWriter.open(await completion.client(), '9', 'who');
    const twice = records(['RU'], 3);
    await writer.add(twice);
    await writer.add(twice); // the same keys again in a first load: a duplicate key
    await assert.rejects(writer.finish(), /duplicate key/);
    await completion.rollback();
    assert.deepEqual(await stored(), []);
  });
});
