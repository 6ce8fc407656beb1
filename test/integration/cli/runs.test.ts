// `covid-etl runs` as a process against real PostgreSQL: the most recent runs, oldest first, as
// text or JSON.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool, withTransaction, type Pool } from '../../../src/platform/postgres.ts';
import { createOrJoinRun, finishRun } from '../../../src/pipeline/runs.repository.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { runCli } from '../../support/processes.ts';

describe('covid-etl runs', () => {
  let env: TestEnvironment;
  let pool: Pool;
  const ids: string[] = [];

  before(async () => {
    env = await createTestEnvironment();
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    for (const [trigger, state] of [['startup', 'succeeded'], ['schedule', 'failed'], ['manual', 'succeeded']] as const) {
      const { run } = await withTransaction(pool, (client) => createOrJoinRun(client, trigger));
      await finishRun(pool, run.id, state, state === 'failed' ? 'check_sources: no week heading' : undefined);
      ids.push(run.id);
    }
    await withTransaction(pool, (client) => createOrJoinRun(client, 'manual')).then(({ run }) => ids.push(run.id));
  });
  after(async () => {
    await pool?.end();
    await env?.cleanup();
  });

  it('--json: the most recent runs, oldest first, with their tasks in DAG order', async () => {
    const { code, output } = await runCli(['runs', '--json', '--limit', '3'], env.config);
    assert.equal(code, 0, output);
    const { runs } = JSON.parse(output) as { runs: { id: string; state: string; trigger: string; seconds: number | null; error: string | null; started_at: string; tasks: { name: string; state: string }[] }[] };
    assert.deepEqual(runs.map((r) => r.id), ids.slice(1));
    assert.deepEqual(runs.map((r) => [r.trigger, r.state]), [['schedule', 'failed'], ['manual', 'succeeded'], ['manual', 'running']]);
    assert.equal(runs[0]!.error, 'check_sources: no week heading');
    assert.equal(runs[2]!.seconds, null);
    assert.ok(runs[1]!.seconds !== null && runs[1]!.seconds >= 0);
    assert.ok(!Number.isNaN(Date.parse(runs[0]!.started_at)));
    assert.deepEqual(runs[0]!.tasks.map((t) => t.name), ['check_history', 'load_ecdc_2020', 'load_who', 'check_sources', 'load_who_changes', 'load_new_weeks', 'verify']);
  });

  it('text: says its order, the runs oldest first, each followed by its tasks', async () => {
    const { code, output } = await runCli(['runs', '--limit', '3'], env.config);
    assert.equal(code, 0, output);
    const lines = output.trim().split('\n');
    assert.equal(lines[0], '3 most recent runs, oldest first:');
    const runLines = lines.filter((l) => l.startsWith('run '));
    assert.deepEqual(runLines.map((l) => l.split(/\s+/)[1]), ids.slice(1));
    assert.match(runLines[2]!, /running$/);
    assert.equal(lines[1], runLines[0]);
    assert.match(lines[2]!, /^ {2}check_history\s+pending\s+attempts=0/);
  });

  it('--limit is checked', async () => {
    const { code, output } = await runCli(['runs', '--limit', '0'], env.config);
    assert.equal(code, 2);
    assert.match(output, /--limit must be an integer from 1 to 1000/);
  });
});
