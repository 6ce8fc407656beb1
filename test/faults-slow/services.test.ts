// Fault tier, slow set: the shared services stopped under a running pipeline, then started
// again (infra/stack.sh, by their own pid files; every outage is restarted in a `finally` and
// lasts seconds). ClickHouse is in the fast subset (test/faults/services.test.ts).
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import {
  FaultPipeline,
  expectedFirstRun,
  fullDataset,
  logLines,
  managedService,
  mergeExpected,
  report,
  seconds,
  subsetDataset,
  waitFor,
  withServiceDown,
} from '../faults/harness.ts';

describe('faults: services stopped during a run', async () => {
  const kafkaManaged = await managedService('kafka');
  const postgresManaged = await managedService('postgres');
  let p: FaultPipeline | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });
  after(async () => {
    await p?.close();
  });

  it('Kafka stopped in the middle of a historical load (all countries), then started', { skip: !kafkaManaged && 'Kafka is not run by infra/stack.sh here' }, async (t) => {
    p = await FaultPipeline.create({
      dataset: fullDataset(),
      overrides: { TASK_RETRIES: '3', SOURCE_TIMEOUT_MS: '60000', VERIFY_TIMEOUT_MS: '120000', SINK_BATCH_SIZE: '10000', SINK_BATCH_MS: '1000' },
    });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      const sink = pipeline.startSink();
      const worker = pipeline.startWorker();
      const runId = await pipeline.firstRunId();
      // Mid-publish: the worker has sent the first WHO batches.
      const at = await waitFor('load_who to be publishing', () => {
        const line = logLines(worker).find((l) => l.msg === 'progress' && l.task === 'load_who' && Number((l.counts as { published?: number }).published) > 0);
        return line ? Number((line.counts as { published: number }).published) : undefined;
      }, 120_000, 20, () => pipeline.logs());
      const outage = await withServiceDown('kafka', async () => {}, 3_000);
      const upAt = Date.now();
      const run = await pipeline.waitRunDone(runId, 240_000);
      const doneMs = Date.now() - upAt;
      assert.equal(run.state, 'succeeded', run.error ?? '');
      assert.equal(sink.child.exitCode, null, 'the sink rode through the outage');
      await pipeline.waitSinkCaughtUp(120_000);
      const loadWho = await pipeline.task(runId, 'load_who');
      const { raw } = await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      await pipeline.assertHistoryTruthful();
      report(
        `Kafka stopped with ${at} of ${who.length} WHO records published: down ${seconds(outage.downMs)} (stop ${seconds(outage.stopMs)}, start ${seconds(outage.startMs)}); ` +
          `load_who attempts ${loadWho?.attempts}; run succeeded ${seconds(doneMs)} after Kafka was back; ${raw} rows before deduplication for ${ecdc.length + who.length + weeks.length} expected; sink kept running`,
      );
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('PostgreSQL stopped while a load task runs, then started', { skip: !postgresManaged && 'PostgreSQL is not run by infra/stack.sh here' }, async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { TASK_RETRIES: '3', SOURCE_TIMEOUT_MS: '60000' } });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      // WHO arrives slowly (about 8 s), so the task is surely in the middle of its work when PostgreSQL goes.
      const { worker, runId } = await pipeline.runUntilMidWhoDownload(8);
      // Down for about six seconds, across the end of the download and the task's completion.
      const outage = await withServiceDown('postgres', async () => {}, 6_000);
      const upAt = Date.now();
      const run = await pipeline.waitRunDone(runId, 120_000);
      const doneMs = Date.now() - upAt;
      assert.equal(run.state, 'succeeded', run.error ?? '');
      assert.equal(worker.child.exitCode, null, 'the worker survived the outage');
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      await pipeline.assertHistoryTruthful();
      const tasks = await pipeline.tasks(runId);
      // The worker is still usable: another run works.
      const nextId = await pipeline.startRun();
      assert.equal((await pipeline.waitRunDone(nextId, 60_000)).state, 'succeeded');
      report(
        `PostgreSQL down ${seconds(outage.downMs)} during load_who: run succeeded ${seconds(doneMs)} after PostgreSQL was back; ` +
          `attempts ${tasks.filter((x) => x.attempts > 0).map((x) => `${x.name}=${x.attempts}`).join(' ')}; worker kept running`,
      );
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });
});
