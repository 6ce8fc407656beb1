// Fault tier, slow set (issue 5, item 3): the sink keeping up with a full historical load. The
// worker publishes every country of ECDC and WHO while one sink process writes to ClickHouse;
// the consumer lag is sampled during the load and must come back to zero, with every row there
// exactly once. Times and the sink's peak memory are reported.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FaultPipeline, expectedFirstRun, fullDataset, mergeExpected, report, seconds, waitFor } from '../faults/harness.ts';

function peakRssMb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

describe('load: the sink keeps up with a full historical load', () => {
  let p: FaultPipeline;
  before(async () => {
    p = await FaultPipeline.create({
      dataset: fullDataset(),
      // The production batch settings.
      overrides: { SOURCE_TIMEOUT_MS: '60000', VERIFY_TIMEOUT_MS: '120000', SINK_BATCH_SIZE: '10000', SINK_BATCH_MS: '1000' },
    });
  });
  after(async () => {
    await p?.close();
  });

  it('consumer lag returns to zero and every row lands once', async (t) => {
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const total = ecdc.length + who.length + weeks.length;
      const sink = p.startSink();
      await waitFor('the sink to join its group', () => /joined the consumer group/.test(sink.output()), 30_000, 50, () => p.logs());
      const began = Date.now();
      p.startWorker();
      const runId = await p.firstRunId();

      let peakLag = 0;
      let peakRss = 0;
      let publishedAt: number | undefined;
      let zeroAt: number | undefined;
      await waitFor('every record published and the lag back to zero', async () => {
        peakRss = Math.max(peakRss, peakRssMb(sink.pid));
        const [end, lag] = await Promise.all([p.topicEnd(), p.sinkLag()]);
        peakLag = Math.max(peakLag, lag);
        if (end >= total) publishedAt ??= Date.now();
        if (end >= total && lag === 0) zeroAt = Date.now();
        return zeroAt !== undefined;
      }, 180_000, 250, () => p.logs());
      const run = await p.waitRunDone(runId, 120_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');
      await p.assertDaily(mergeExpected(ecdc, who, weeks));
      await p.assertHistoryTruthful();
      peakRss = Math.max(peakRss, peakRssMb(sink.pid));
      const loadWho = await p.task(runId, 'load_who');
      const loadEcdc = await p.task(runId, 'load_ecdc_2020');
      report(
        `full historical load: ${total} records; published ${seconds(publishedAt! - began)} after the worker started (load_ecdc_2020 ${seconds(loadEcdc!.finished_at!.getTime() - loadEcdc!.started_at!.getTime())}, ` +
          `load_who ${seconds(loadWho!.finished_at!.getTime() - loadWho!.started_at!.getTime())}); consumer lag back to 0 ${seconds(zeroAt! - publishedAt!)} after the last record was published ` +
          `(${seconds(zeroAt! - began)} from the worker's start); peak lag ${peakLag}; sink peak RSS ${peakRss} MB`,
      );
    } catch (error) {
      t.diagnostic(p.logs(40));
      throw error;
    }
  });
});
