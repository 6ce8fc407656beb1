// Fault tier, slow set: the worker process killed (mid-task, on its last attempt), frozen past its
// claim, started twice at once; a run without a sink; the same run repeated. The sink SIGKILL case
// is in the fast subset (test/faults/processes.test.ts).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  FaultPipeline,
  expectedFirstRun,
  logLines,
  mergeExpected,
  report,
  seconds,
  subsetDataset,
  waitFor,
} from '../faults/harness.ts';
import { runCli } from '../support/processes.ts';

describe('faults: worker processes', () => {
  let p: FaultPipeline | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it('a worker killed with SIGKILL in the middle of a task: a new worker resumes the run once the claim lapses', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset() });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      // The kill lands mid-task.
      const { worker: first, runId } = await pipeline.runUntilMidWhoDownload(10);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.exited;
      // A supervisor would start a replacement at once; so does this test.
      const second = pipeline.startWorker();
      const resumed = await waitFor('load_who to be claimed again', async () => {
        const task = await pipeline.task(runId, 'load_who');
        return task && task.attempts >= 2 ? task : undefined;
      }, 90_000, 200, () => pipeline.logs());
      const resumeMs = Date.now() - killedAt;
      const run = await pipeline.waitRunDone(runId, 60_000);
      const doneMs = Date.now() - killedAt;
      assert.equal(run.state, 'succeeded', run.error ?? '');
      assert.equal(resumed.attempts, 2);
      // The run was resumed, not restarted: the tasks finished before the kill ran once.
      const tasks = await pipeline.tasks(runId);
      assert.deepEqual(
        tasks.filter((x) => x.attempts > 0).map((x) => `${x.name}:${x.attempts}`),
        ['check_history:1', 'load_ecdc_2020:1', 'load_who:2', 'check_sources:1', 'load_new_weeks:1', 'verify:1'],
      );
      assert.ok(logLines(second).some((l) => l.msg === 'task started' && l.task === 'load_who'), 'the new worker ran load_who');
      assert.equal((await pipeline.runs()).length, 1, 'the new worker joined the run, it did not start another');
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      await pipeline.assertHistoryTruthful();
      report(
        `worker SIGKILL during load_who (claim ${pipeline.config.TASK_CLAIM_SECONDS} s, heartbeat ${Math.max(10, Math.floor(pipeline.config.TASK_CLAIM_SECONDS / 2))} s): ` +
          `a new worker resumed the task ${seconds(resumeMs)} after the kill; run succeeded ${seconds(doneMs)} after the kill`,
      );
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('a worker killed during the last allowed attempt: the run ends failed ("worker lost"), never stays running', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { TASK_RETRIES: '0' } });
    const pipeline = p;
    try {
      const whoSize = (pipeline.dataset.who as Buffer).length;
      pipeline.server.setFault('who', { kind: 'trickle', bytesPerSecond: Math.ceil(whoSize / 10), times: 1 });
      const first = pipeline.startWorker();
      const runId = await pipeline.firstRunId();
      await pipeline.waitTask(runId, 'load_who', 'running', 30_000);
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.exited;
      pipeline.startWorker();
      const run = await pipeline.waitRunDone(runId, 90_000);
      const settledMs = Date.now() - killedAt;
      assert.equal(run.state, 'failed');
      assert.equal(run.error, 'load_who: retries exhausted (worker lost)');
      const lost = await pipeline.task(runId, 'load_who');
      assert.equal(lost?.state, 'failed', 'the lost task is closed too, not left running');
      assert.equal(lost?.error, 'retries exhausted (worker lost)');
      await pipeline.assertHistoryTruthful();
      // The next run is possible (the one-active-run slot is free) and loads everything.
      pipeline.startSink();
      const next = await pipeline.waitRunDone(await pipeline.startRun(), 60_000);
      assert.equal(next.state, 'succeeded', next.error ?? '');
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      report(`worker SIGKILL on the last attempt (TASK_RETRIES=0): run marked failed "${run.error}" ${seconds(settledMs)} after the kill; the next run loaded everything`);
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('a worker frozen (SIGSTOP) past its claim, then resumed, cannot complete the newer attempt', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { SOURCE_TIMEOUT_MS: '90000' } });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      const { worker: stale, runId } = await pipeline.runUntilMidWhoDownload(10);
      // A long GC pause, a frozen VM: the process holds its claim but does nothing, heartbeats included.
      stale.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      pipeline.startWorker();
      try {
        await waitFor('load_who claimed by the new worker', async () => ((await pipeline.task(runId, 'load_who'))?.attempts ?? 0) >= 2, 90_000, 200, () => pipeline.logs());
      } finally {
        stale.child.kill('SIGCONT');
      }
      const claimedMs = Date.now() - frozenAt;
      const run = await pipeline.waitRunDone(runId, 120_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');
      // The stale worker finishes its download and publish, then fails to complete: fenced.
      const staleEnd = await waitFor('the stale worker to end its attempt', () => logLines(stale).find((l) => l.task === 'load_who' && (l.msg === 'task failed' || l.msg === 'task succeeded')), 60_000, 200, () => pipeline.logs());
      assert.equal(staleEnd.msg, 'task failed');
      // Fenced, in whichever way reaches it first: pg-boss finds the job no longer active under
      // this worker's claim and aborts its signal, which also ends the download (SOURCE_ABORTED);
      // had the download finished first, completing would fail on the token (StaleClaimError).
      const staleError = staleEnd.err as { type?: string; code?: string; message?: string };
      const fenced = staleError.type === 'StaleClaimError' || staleError.code === 'SOURCE_ABORTED' || /no longer active/.test(staleError.message ?? '');
      assert.ok(fenced, `stale attempt ended with ${JSON.stringify(staleError)}`);
      assert.equal((await pipeline.task(runId, 'load_who'))?.attempts, 2);
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      await pipeline.assertHistoryTruthful();
      report(`stale worker: frozen ${seconds(claimedMs)} until a new worker claimed load_who; resumed, its attempt failed ("${String((staleEnd.err as { message?: string }).message)}"); run succeeded, data exact`);
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('two workers started at the same time make one run, each task executed once', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset() });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      pipeline.startSink();
      const workers = [pipeline.startWorker(), pipeline.startWorker()];
      const runId = await pipeline.firstRunId();
      const run = await pipeline.waitRunDone(runId, 60_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');
      // Both were ready (each would have started a run on its first start).
      await waitFor('both workers ready', () => workers.every((w) => logLines(w).some((l) => l.msg === 'worker ready')), 30_000, 100, () => pipeline.logs());
      assert.deepEqual((await pipeline.runs()).map((r) => r.id), [runId], 'one run only');
      const started = workers.flatMap((w) => logLines(w).filter((l) => l.msg === 'task started').map((l) => String(l.task)));
      assert.deepEqual(started.sort(), ['check_history', 'check_sources', 'load_ecdc_2020', 'load_new_weeks', 'load_who', 'verify']);
      for (const task of await pipeline.tasks(runId)) assert.ok(task.attempts <= 1, `${task.name} ran ${task.attempts} times`);
      assert.equal(await pipeline.topicEnd(), ecdc.length + who.length + weeks.length, 'every record published once');
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      const split = workers.map((w) => logLines(w).filter((l) => l.msg === 'task started').length);

      // And a run requested while both are up is still one run.
      const [a, b] = await Promise.all([pipeline.startRun(), pipeline.startRun()]);
      assert.equal(a, b);
      assert.equal((await pipeline.waitRunDone(a, 60_000)).state, 'succeeded');
      await pipeline.assertHistoryTruthful();
      report(`two workers at once: one run, ${started.length} tasks executed once each (split ${split.join('/')} between the workers)`);
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('no sink running: verify gives up after VERIFY_TIMEOUT_MS and the run ends incomplete, never succeeded; the data lands once a sink runs', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { VERIFY_TIMEOUT_MS: '3000', TASK_RETRIES: '1' } });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      pipeline.startWorker();
      const runId = await pipeline.firstRunId();
      const run = await pipeline.waitRunDone(runId, 60_000);
      assert.equal(run.state, 'incomplete');
      const published = ecdc.length + who.length + weeks.length;
      assert.match(run.error ?? '', new RegExp(`^verify: ClickHouse holds 0 of the ${published} records this run published \\(waited 3000 ms\\)$`));
      const verify = await pipeline.task(runId, 'verify');
      assert.equal(verify?.state, 'failed');
      assert.equal(verify?.attempts, 2);
      await pipeline.assertHistoryTruthful();
      // Nothing was lost: it waits in Kafka for a sink.
      pipeline.startSink();
      await pipeline.waitSinkCaughtUp();
      await pipeline.assertDaily(mergeExpected(ecdc, who, weeks));
      assert.equal((await pipeline.run(runId))?.state, 'incomplete', 'history is not rewritten');
      report(`no sink: run ${run.state} after ${seconds(run.finished_at!.getTime() - run.started_at.getTime())} ("${run.error}"); the data landed once a sink started`);
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });

  it('the same run repeated three times (covid-etl run --wait) after the first run: each publishes nothing and changes nothing', async (t) => {
    p = await FaultPipeline.create({ dataset: subsetDataset() });
    const pipeline = p;
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
      pipeline.startSink();
      pipeline.startWorker();
      const history = await pipeline.waitRunDone(await pipeline.firstRunId(), 60_000);
      assert.equal(history.state, 'succeeded', history.error ?? '');
      // The first run loaded the weekly posts too (SPEC 3: it leaves the store complete).
      assert.equal((await pipeline.task(history.id, 'load_new_weeks'))?.counts.published, weeks.length);
      const expected = mergeExpected(ecdc, who, weeks);

      const snapshots: string[] = [];
      const published: number[] = [];
      const durations: number[] = [];
      for (let i = 0; i < 3; i++) {
        const began = Date.now();
        const cli = await runCli(['run', '--wait'], pipeline.config, {}, 120_000);
        durations.push(Date.now() - began);
        assert.equal(cli.code, 0, cli.output);
        assert.match(cli.output, /run \d+ succeeded/);
        const runs = await pipeline.runs();
        const last = runs[runs.length - 1]!;
        published.push((await pipeline.tasks(last.id)).reduce((sum, x) => sum + (x.name === 'verify' ? 0 : (x.counts.published ?? 0)), 0));
        await pipeline.waitSinkCaughtUp();
        await pipeline.assertDaily(expected, `after run ${i + 1}`);
        const [digest] = await pipeline.query<{ h: string; n: string }>(
          'SELECT count() AS n, sum(cityHash64(country, date, cases, deaths, source, estimated)) AS h FROM {daily} FINAL',
        );
        snapshots.push(`${digest?.n}:${digest?.h}`);
      }
      assert.deepEqual(published, [0, 0, 0], 'the repeated runs publish nothing');
      assert.ok(weeks.length > 0, 'the dataset has weekly posts after WHO');
      assert.equal(new Set(snapshots).size, 1, 'the deduplicated table did not change');
      assert.equal((await pipeline.runs()).length, 4);
      await pipeline.assertHistoryTruthful();
      report(`same run three times: published ${published.join('/')}, query results identical; covid-etl run --wait took ${durations.map((d) => seconds(d)).join(' / ')}`);
    } catch (error) {
      t.diagnostic(pipeline.logs(80));
      throw error;
    }
  });
});
