// Fault tier, fast subset: messages that are not valid records written straight into the data
// topic while a historical load flows through it. The sink moves each one to the dead-letter
// topic with its reason and goes on consuming: the run succeeds and ClickHouse holds exactly the
// expected rows, none of the bad ones.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTopic } from '../integration/sink/support.ts';
import { weeklyPostHtml } from '../support/source-server.ts';
import { FaultPipeline, expectedFirstRun, expectedWeekRecords, mergeExpected, report, subsetDataset, waitFor } from './harness.ts';

const BAD = [
  { key: 'RU:2020-05-01', value: 'this is not JSON', reason: /^not-json: / },
  { key: 'RU:2020-05-02', value: '{"country":"RU","date":"2020-05-02"}', reason: /^invalid-record: / },
  { key: 'DE:2020-05-03', value: JSON.stringify({ country: 'RU', date: '2020-05-03', cases: 1, deaths: 0, source: 'who', estimated: false }), reason: /^key-mismatch: / },
  { key: 'ZZ:2020-05-04', value: JSON.stringify({ country: 'ZZ', date: '2020-05-04', cases: 1, deaths: 0, source: 'who', estimated: false }), reason: /^invalid-record: country: is not a known country code/ },
  { key: 'RU:2020-05-05', value: JSON.stringify({ country: 'RU', date: '2020-05-05', cases: 3e9, deaths: 0, source: 'who', estimated: false }), reason: /^out-of-range: cases 3000000000 does not fit Int32/ },
  { key: 'RU:2020-05-06', value: '', reason: /^empty-value: / },
];

describe('faults: a non-record message in the data topic', () => {
  let p: FaultPipeline;
  before(async () => {
    p = await FaultPipeline.create({ dataset: subsetDataset() });
  });
  after(async () => {
    await p?.close();
  });

  it('goes to the dead-letter topic with its reason; the sink keeps consuming and the run completes', async (t) => {
    try {
      const sink = p.startSink();
      p.startWorker();
      const runId = await p.firstRunId();
      // In the middle of the load: once the first records are in the topic.
      await waitFor('the first records in the data topic', async () => (await p.topicEnd()) > 0, 30_000, 50);
      await p.producer().send({ messages: BAD.map(({ key, value }) => ({ topic: p.config.KAFKA_TOPIC, key, value })) });

      const run = await p.waitRunDone(runId, 60_000);
      assert.equal(run.state, 'succeeded', run.error ?? '');
      await p.waitSinkCaughtUp();
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const expected = mergeExpected(ecdc, who, weeks);
      // The bad keys (RU 2020-05-0x) do exist in the expected data: with the right values, from the pipeline.
      await p.assertDaily(expected);

      const letters = (await readTopic(p.config, p.config.KAFKA_DLQ_TOPIC, BAD.length)).map((m) => ({ key: m.key, ...(JSON.parse(m.value) as { reason: string; value: string | null }) }));
      assert.equal(letters.length, BAD.length);
      for (const bad of BAD) {
        const letter = letters.find((l) => l.key === bad.key);
        assert.ok(letter, `no dead letter for ${bad.key}`);
        assert.match(letter.reason, bad.reason);
        assert.equal(letter.value ?? '', bad.value, 'the dead letter carries the original value');
      }
      assert.equal(sink.child.exitCode, null, 'the sink is still running');

      // Still consuming: the next run's records land too.
      p.server.publishPost(weeklyPostHtml({ weekStart: '2024-04-08', cases: 2_100, deaths: 40 }));
      const nextId = await p.startRun();
      assert.equal((await p.waitRunDone(nextId, 60_000)).state, 'succeeded');
      await p.assertDaily(mergeExpected(ecdc, who, await expectedWeekRecords(p.server, who)), 'after the next run');
      await p.assertHistoryTruthful();
      report(`bad messages: ${BAD.length} dead-lettered with their reasons; the sink kept consuming (run ${runId} and ${nextId} succeeded)`);
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
