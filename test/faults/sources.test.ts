// Fault tier, fast subset: a source answering 500. The task fails with a clear error after its
// retries, within its deadline, nothing of it reaches the data topic, the worker takes the next
// job at once, and the next run succeeds once the source answers again.
// Then a hung and a stalled source with short configured time-outs: each attempt fails within
// its time-out and the task's retry loads everything. The other source faults (429, hang and
// trickle against the deadline, truncated, header-only, renamed column, error page, changed
// layouts) are in test/faults-slow/sources.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultPipeline, expectedFirstRun, failedAttempts, mergeExpected, report, seconds, subsetDataset } from './harness.ts';

describe('faults: a source answering 500', () => {
  let p: FaultPipeline;
  before(async () => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { SOURCE_TIMEOUT_MS: '5000', TASK_RETRIES: '1' } });
  });
  after(async () => {
    await p?.close();
  });

  it('fails the task with SOURCE_HTTP_5XX after its retries, publishes nothing, and the next run succeeds', async (t) => {
    try {
      p.server.setFault('ecdc', { kind: 'status', status: 500 });
      p.startSink();
      const worker = p.startWorker();
      const runId = await p.firstRunId();
      const run = await p.waitRunDone(runId, 60_000);

      const retries = p.config.TASK_RETRIES;
      assert.equal(run.state, 'failed');
      assert.match(run.error ?? '', /^load_ecdc_2020: SOURCE_HTTP_5XX: HTTP 500 Internal Server Error \(http:\/\/127\.0\.0\.1:\d+\/ecdc\.csv\)$/);
      const task = await p.task(runId, 'load_ecdc_2020');
      assert.equal(task?.state, 'failed');
      assert.equal(task?.attempts, retries + 1);
      // Each attempt asked 1 + SOURCE_RETRIES times.
      assert.equal(p.server.requests('ecdc').length, (retries + 1) * (p.config.SOURCE_RETRIES + 1));
      const attempts = failedAttempts([worker], runId, 'load_ecdc_2020');
      assert.equal(attempts.length, retries + 1);
      for (const attempt of attempts) assert.ok(attempt.ms < p.config.SOURCE_TIMEOUT_MS, `an attempt took ${attempt.ms} ms`);
      assert.equal(await p.topicEnd(), 0, 'nothing may reach the data topic');
      assert.equal((await p.task(runId, 'load_who'))?.state, 'pending', 'the tasks after the failed one never ran');
      const tookMs = run.finished_at!.getTime() - run.started_at.getTime();

      // The source is back: the worker takes the next run at once, and it loads everything.
      p.restoreSources();
      const requested = Date.now();
      const nextId = await p.startRun();
      const started = await p.waitTask(nextId, 'check_history', 'succeeded', 10_000);
      const pickupMs = started.started_at!.getTime() - requested;
      const next = await p.waitRunDone(nextId, 60_000);
      assert.equal(next.state, 'succeeded', next.error ?? '');
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const expected = mergeExpected(ecdc, who, weeks);
      await p.assertDaily(expected);
      await p.assertHistoryTruthful();
      report(`source 500: run failed after ${retries + 1} attempts in ${seconds(tookMs)} (attempts ${attempts.map((a) => a.ms).join('/')} ms); next run picked up in ${pickupMs} ms`);
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});

describe('faults: a source that never answers, or stops mid-body (short configured time-outs)', () => {
  const CONNECT_MS = 3_000;
  // Long enough that a loaded machine (the source server runs in this test process) does not stall a good download past it.
  const IDLE_MS = 3_000;
  let p: FaultPipeline;
  before(async () => {
    // A deadline far longer than the time-outs: they, not the deadline, must end the attempts.
    const overrides = { SOURCE_CONNECT_TIMEOUT_MS: String(CONNECT_MS), SOURCE_IDLE_TIMEOUT_MS: String(IDLE_MS), SOURCE_TIMEOUT_MS: '60000', TASK_RETRIES: '1' };
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides });
  });
  after(async () => {
    await p?.close();
  });

  it('each fails its attempt within its time-out, is not asked again within it, and the task retry loads everything', async (t) => {
    try {
      p.server.setFault('ecdc', { kind: 'hang', times: 1 });
      p.server.setFault('who', { kind: 'trickle', bytesPerSecond: 0.1, times: 1 }); // a byte, then 10 s of nothing
      p.startSink();
      const worker = p.startWorker();
      const runId = await p.firstRunId();
      const run = await p.waitRunDone(runId, 90_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');

      const ecdc = failedAttempts([worker], runId, 'load_ecdc_2020');
      assert.equal(ecdc.length, 1);
      assert.match(ecdc[0]!.message, new RegExp(`^SOURCE_TIMEOUT: no response headers within ${CONNECT_MS} ms \\(http://127\\.0\\.0\\.1:\\d+/ecdc\\.csv\\)$`));
      const who = failedAttempts([worker], runId, 'load_who');
      assert.equal(who.length, 1);
      assert.match(who[0]!.message, new RegExp(`^SOURCE_TIMEOUT: no data for ${IDLE_MS} ms \\(http://127\\.0\\.0\\.1:\\d+/who\\.csv\\)$`));
      // The time-out ends the attempt (plus recording the failure), long before the deadline.
      for (const attempt of [...ecdc, ...who]) assert.ok(attempt.ms < CONNECT_MS + 5_000, `an attempt took ${attempt.ms} ms`);
      // One request per task attempt: the hung source was not asked again within the attempt.
      assert.equal(p.server.requests('ecdc').length, 2);
      assert.equal((await p.task(runId, 'load_ecdc_2020'))?.attempts, 2);
      assert.equal((await p.task(runId, 'load_who'))?.attempts, 2);

      const { ecdc: ecdcRecords, who: whoRecords, weeks } = await expectedFirstRun(p);
      await p.assertDaily(mergeExpected(ecdcRecords, whoRecords, weeks));
      report(`hung source: attempts failed in ${[...ecdc, ...who].map((a) => a.ms).join('/')} ms, then the retries loaded everything`);
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
