// Cluster suite (make test-cluster): the full historical load (the real ECDC and WHO files, served
// locally) on the cluster's three Kafka nodes, by two workers and two sinks of this test, while
// one sink, the worker running load_who and then one Kafka node are killed with SIGKILL (the node
// is started again by the cluster's supervisor). The run must succeed with every (country, date)
// exactly once and exact in deduplicated reads, one run at a time, the surviving worker taking
// the task over and the surviving sink the partitions. A sink that exits on its own (its
// consumer gives up after 11 failed fetches, ~5.5 s, which a node's failover can exceed) is
// started again, as the cluster's supervisor does with its sinks, and counted in the report.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultPipeline, expectedFirstRun, fullDataset, logLines, mergeExpected, seconds, waitFor } from '../faults/harness.ts';
import type { RoleProcess } from '../support/processes.ts';
import { groupMembers, killProgram, minInSyncReplicas, onCluster, readCluster, report, waitRestarted, type Cluster } from './cluster.ts';

/** The worker whose last word on `task` is that it started it (so it holds the task now). */
function holderOf(workers: readonly RoleProcess[], runId: string, task: string): RoleProcess | undefined {
  return workers.find((w) => {
    const said = logLines(w).filter((l) => String(l.runId) === runId && l.task === task && /^task (started|succeeded|failed)$/.test(String(l.msg)));
    return said.at(-1)?.msg === 'task started' && w.child.exitCode === null && w.child.signalCode === null;
  });
}

/** Resolves with the moment `probe` first holds, polling in the background. */
function momentWhen(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  return waitFor('a condition', async () => ((await probe().catch(() => false)) ? Date.now() : undefined), timeoutMs, 250);
}

describe('cluster: a full historical load while a sink, a worker and a Kafka node are killed', () => {
  let cluster: Cluster;
  let p: FaultPipeline;
  let stopping = false;
  before(async () => {
    cluster = readCluster();
    p = await FaultPipeline.create({
      dataset: fullDataset(),
      overrides: { ...onCluster(cluster), VERIFY_TIMEOUT_MS: '300000', SOURCE_TIMEOUT_MS: '60000', TASK_RETRIES: '3' },
    });
  });
  after(async () => {
    stopping = true;
    await p?.close();
  });

  it('succeeds with nothing lost or doubled; the other worker, sink and the remaining nodes take over', async (t) => {
    try {
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const expected = mergeExpected(ecdc, who, weeks);
      const topic = p.config.KAFKA_TOPIC;
      assert.equal(await minInSyncReplicas(cluster.brokers, topic), 3, 'the test topic is not on three in-sync replicas');

      const workers = [p.startWorker(), p.startWorker()];
      // The test's sinks under a supervisor of sorts: one that exits unasked is started again.
      let sinkRestarts = 0;
      const supervised = (sink: RoleProcess): RoleProcess => {
        void sink.exited.then(() => {
          if (stopping || sink === sinks[0]) return;
          sinkRestarts++;
          supervised(p.startSink());
        });
        return sink;
      };
      const sinks = [supervised(p.startSink()), supervised(p.startSink())];
      const runId = await p.firstRunId(60_000);
      await waitFor('both sinks in the group', async () => (await groupMembers(cluster.brokers, p.config.KAFKA_SINK_GROUP)) === 2, 90_000, 250, () => p.logs());

      // 1. A sink: the other must take over its partitions (the group shrinks to one member).
      await waitFor('10,000 rows in ClickHouse', async () => (await p.rawRowCount()) >= 10_000, 300_000, 200, () => p.logs());
      const sinkKilledAt = Date.now();
      sinks[0]!.child.kill('SIGKILL');
      const groupShrunk = momentWhen(async () => (await groupMembers(cluster.brokers, p.config.KAFKA_SINK_GROUP)) === 1, 120_000);

      // 2. The worker running load_who: the other takes the task over once the claim lapses.
      const holder = await waitFor('a worker running load_who, 80,000 records in the topic', async () =>
        ((await p.topicEnd()) >= 80_000 ? holderOf(workers, runId, 'load_who') : undefined), 300_000, 200, () => p.logs());
      const survivor = workers.find((w) => w !== holder)!;
      const workerKilledAt = Date.now();
      holder.child.kill('SIGKILL');
      await holder.exited;
      await waitFor('the other worker to take load_who over', () => Promise.resolve(holderOf([survivor], runId, 'load_who') ? true : undefined), 180_000, 250, () => p.logs());
      const takenOverAt = Date.now();

      // 3. A Kafka node, while the surviving worker publishes again.
      const endAtTakeover = await p.topicEnd();
      await waitFor('30,000 more records in the topic', async () => (await p.topicEnd()) >= endAtTakeover + 30_000, 180_000, 200, () => p.logs());
      const endAtKill = await p.topicEnd();
      const node = await killProgram('kafka-2');
      const restartedAt = await waitRestarted('kafka-2', node.pid);
      const inSyncAt = await momentWhen(async () => (await minInSyncReplicas(cluster.brokers, topic)) === 3, 240_000);
      // (The test's own admin calls may fail while a node is gone: asked again until they answer.)
      const publishedWhileDown = (await waitFor('the topic end', () => p.topicEnd().catch(() => undefined), 60_000, 500)) - endAtKill;

      const run = await p.waitRunDone(runId, 600_000);
      const doneAt = Date.now();
      assert.equal(run.state, 'succeeded', `${run.error ?? ''}\n${p.logs()}`);
      await p.waitSinkCaughtUp(120_000);
      const { rows, raw } = await p.assertDaily(expected);
      await p.assertHistoryTruthful();

      // One run at a time, and load_who held by one worker at a time: the survivor started it only after the kill.
      assert.equal((await p.runs()).length, 1, 'two workers started more than one run');
      const survivorStarts = logLines(survivor).filter((l) => String(l.runId) === runId && l.task === 'load_who' && l.msg === 'task started');
      assert.ok(survivorStarts.length > 0 && survivorStarts.every((l) => Date.parse(String(l.time)) > workerKilledAt),
        `the surviving worker ran load_who before the holder was killed: ${JSON.stringify(survivorStarts.map((l) => l.time))}`);
      const groupShrunkAt = await groupShrunk;
      stopping = true;

      report(`full load (${expected.size} rows expected, ${rows} read, ${raw} stored raw) succeeded ${seconds(doneAt - sinkKilledAt)} after the first kill`);
      report(`sink SIGKILL: the other sink alone in the group after ${seconds(groupShrunkAt - sinkKilledAt)} (session timeout 20 s); sinks that exited on their own and were started again: ${sinkRestarts}`);
      report(`worker SIGKILL while running load_who: the other worker took it over after ${seconds(takenOverAt - workerKilledAt)} (claim ${p.config.TASK_CLAIM_SECONDS} s)`);
      report(`Kafka node SIGKILL during publishing: ${publishedWhileDown} records published while it was down or catching up; supervisor restarted it after ${seconds(restartedAt - node.at)}; every partition on 3 in-sync replicas again ${seconds(inSyncAt - node.at)} after the kill`);
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
