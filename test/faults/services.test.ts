// Fault tier, fast subset: ClickHouse stopped while the sink is writing a historical load, then
// started again. The sink keeps its batch and retries (no commit before an insert was accepted),
// verify waits, the run succeeds, and every row is there exactly once.
// Kafka and PostgreSQL outages are in test/faults-slow/services.test.ts.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  FaultPipeline,
  expectedFirstRun,
  logLines,
  managedService,
  mergeExpected,
  report,
  seconds,
  subsetDataset,
  waitFor,
  withServiceDown,
} from './harness.ts';

describe('faults: ClickHouse stopped while the sink writes', async () => {
  const managed = await managedService('clickhouse');
  let p: FaultPipeline;
  before(async () => {
    if (managed) p = await FaultPipeline.create({ dataset: subsetDataset() });
  });
  after(async () => {
    await p?.close();
  });

  it('the sink waits and retries, the run succeeds, nothing is lost or doubled', { skip: !managed && 'ClickHouse is not run by infra/stack.sh here' }, async (t) => {
    const sinkLog = () => logLines(p.processes.find((x) => x.role === 'sink')!);
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const total = ecdc.length + who.length + weeks.length;
      // WHO arrives slowly (about 8 s), so its records reach Kafka only once ClickHouse is down.
      const whoSize = (p.dataset.who as Buffer).length;
      p.server.setFault('who', { kind: 'trickle', bytesPerSecond: Math.ceil(whoSize / 8), times: 1 });
      const sink = p.startSink();
      p.startWorker();
      const runId = await p.firstRunId();
      // The sink is writing: ECDC is in ClickHouse.
      await waitFor('the ECDC rows in ClickHouse', async () => (await p.rawRowCount()) >= ecdc.length, 30_000, 50, () => p.logs());

      const storedAtStop = await p.rawRowCount();
      let failedInserts = 0;
      const outage = await withServiceDown('clickhouse', async () => {
        // The rest of the load goes into Kafka, and the sink fails to store it and retries.
        await waitFor('the whole load in Kafka', async () => (await p.topicEnd()) === total, 30_000, 100, () => p.logs());
        await waitFor('the sink to fail an insert', () => sinkLog().some((l) => l.msg === 'ClickHouse insert failed; retrying the same batch'), 30_000, 100, () => p.logs());
        // Down a little longer: the sink keeps failing and backing off (1 s, 2 s, …).
        await sleep(3_500);
        failedInserts = sinkLog().filter((l) => l.msg === 'ClickHouse insert failed; retrying the same batch').length;
      });
      const upAt = Date.now();
      const expected = mergeExpected(ecdc, who, weeks);
      await waitFor('every row in ClickHouse', async () => (await p.keyCount()) >= expected.size, 90_000, 100, () => p.logs());
      const caughtUpMs = Date.now() - upAt;
      const run = await p.waitRunDone(runId, 60_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');
      await p.waitSinkCaughtUp();
      assert.equal(sink.child.exitCode, null, 'the sink kept running through the outage');
      await p.assertDaily(expected);
      await p.assertHistoryTruthful();
      const verify = await p.task(runId, 'verify');
      // verify waited through the outage instead of failing an attempt on it.
      assert.equal(verify?.attempts, 1);
      assert.ok(sinkLog().some((l) => l.msg === 'ClickHouse insert succeeded after retrying'), 'the sink stored the batch it had been retrying');
      report(
        `ClickHouse down ${seconds(outage.downMs)} (stop ${seconds(outage.stopMs)}, start ${seconds(outage.startMs)}) with ${total - storedAtStop} of ${total} records waiting in Kafka; ` +
          `${failedInserts} failed insert attempts before it was back; sink stored everything ${seconds(caughtUpMs)} after ClickHouse was back; verify attempts ${verify?.attempts}; run ${run.state}`,
      );
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
