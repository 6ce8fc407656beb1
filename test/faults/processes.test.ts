// Fault tier, fast subset: the sink killed with SIGKILL in the middle of its batches. Nothing it
// stored without committing is lost (a new sink re-reads from the last commit) and nothing is
// shown twice (re-inserted rows have the same version and merge away in deduplicated reads).
// Worker kills, two workers at once and repeated runs are in test/faults-slow/processes.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultPipeline, expectedFirstRun, mergeExpected, report, seconds, subsetDataset, waitFor } from './harness.ts';

describe('faults: the sink killed with SIGKILL mid-batch', () => {
  let p: FaultPipeline;
  before(async () => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { VERIFY_TIMEOUT_MS: '60000' } });
  });
  after(async () => {
    await p?.close();
  });

  it('loses nothing and shows nothing twice; a new sink takes over from the last commit', async (t) => {
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const expected = mergeExpected(ecdc, who, weeks);
      const total = ecdc.length + who.length + weeks.length;

      // The whole load is in the topic first, so the sink has plenty to do when it is killed.
      p.startWorker();
      const runId = await p.firstRunId();
      await p.waitTask(runId, 'verify', 'running', 60_000);
      assert.equal(await p.topicEnd(), total);

      // Small batches, so that the kill lands between an insert and its commit more often than not.
      const first = p.startSink({ SINK_BATCH_SIZE: '100', SINK_BATCH_MS: '50' });
      await waitFor('a quarter of the rows in ClickHouse', async () => (await p.rawRowCount()) >= total / 4, 30_000, 20);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.exited;
      const stored = await p.rawRowCount();
      const committed = total - (await p.sinkLag());
      assert.ok(stored < total, `the first sink stored everything (${stored}) before the kill`);

      p.startSink();
      const run = await p.waitRunDone(runId, 90_000);
      const caughtUpMs = Date.now() - killedAt;
      assert.equal(run.state, 'succeeded', run.error ?? '');
      await p.waitSinkCaughtUp();
      await p.assertDaily(expected);
      await p.assertHistoryTruthful();
      report(
        `sink SIGKILL: killed with ${stored} of ${total} rows stored, ${committed} committed (${Math.max(0, stored - committed)} stored but uncommitted, re-delivered); ` +
          `a new sink completed the load ${seconds(caughtUpMs)} after the kill (it waits for the dead member's session timeout, ${20} s)`,
      );
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
