// Fault tier, slow set: every source fault of issue 5, one after the other in one environment.
// A baseline (historical load, then the weekly posts) is loaded first; then, for each fault, the
// source gets something new (a WHO revision or a new weekly post) that the fault hides:
//   - the run fails, with a clear error naming the fault, after its retries;
//   - each attempt ends within its deadline (SOURCE_TIMEOUT_MS, plus a little);
//   - nothing reaches the data topic, and ClickHouse still shows exactly the previous data;
//   - the worker takes the next run at once;
//   - with the source right again, the next run succeeds and loads exactly what was new.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DailyRecord } from '../../src/domain/record.ts';
import {
  FaultPipeline,
  expectedRecords,
  expectedWeekRecords,
  failedAttempts,
  logLines,
  mergeExpected,
  report,
  seconds,
  subsetDataset,
  type Expected,
} from '../faults/harness.ts';
import type { RoleProcess } from '../support/processes.ts';
import { editCsv, weeklyPostHtml, type Fault, type RouteKey } from '../support/source-server.ts';

const SOURCE_TIMEOUT_MS = 3_000;
const TASK_RETRIES = 1;
/** An attempt may take its fetch deadline plus reading, gating and recording the failure. */
const ATTEMPT_SLACK_MS = 2_000;

interface SourceCase {
  name: string;
  /** What the fault hides: a revision of the WHO file, or a new weekly post. */
  target: 'who' | 'weeks';
  faults: (newPostSlug: string) => [RouteKey, Fault][];
  error: RegExp;
  /** Retry-After: every attempt waits at least this long. */
  minAttemptMs?: number;
}

const CASES: SourceCase[] = [
  { name: 'WHO answers 500', target: 'who', faults: () => [['who', { kind: 'status', status: 500 }]], error: /^load_who_changes: SOURCE_HTTP_5XX: HTTP 500 Internal Server Error \(http:\/\/127\.0\.0\.1:\d+\/who\.csv\)$/ },
  {
    name: 'WHO answers 429 with Retry-After: 2',
    target: 'who',
    faults: () => [['who', { kind: 'status', status: 429, retryAfter: 2 }]],
    error: /^load_who_changes: SOURCE_RATE_LIMITED: HTTP 429 Too Many Requests \(http:\/\/127\.0\.0\.1:\d+\/who\.csv\)$/,
    minAttemptMs: 2_000,
  },
  { name: 'WHO hangs (never answers)', target: 'who', faults: () => [['who', { kind: 'hang' }]], error: /^load_who_changes: SOURCE_TIMEOUT: deadline of 3000 ms exceeded \(http:\/\/127\.0\.0\.1:\d+\/who\.csv\)$/ },
  { name: 'WHO trickles one byte a second', target: 'who', faults: () => [['who', { kind: 'trickle', bytesPerSecond: 1 }]], error: /^load_who_changes: SOURCE_TIMEOUT: deadline of 3000 ms exceeded \(http:\/\/127\.0\.0\.1:\d+\/who\.csv\)$/ },
  {
    name: 'WHO sends a truncated CSV (half the bytes, a normal end)',
    target: 'who',
    faults: () => [['who', { kind: 'truncate', bytes: 300_000 }]],
    // Grouped by country, the cut may leave the last country read ending long before the file's last date.
    error: /^load_who_changes: who: quality gate failed: (series-end: the file looks cut short: 1 of \d+ countries end more than 14 days before the file's last date .*; )?row-count: \d+ rows; previous read \d+; minimum \d+ \(90\.0%\)$/,
  },
  { name: 'WHO connection reset mid-body', target: 'who', faults: () => [['who', { kind: 'reset', afterBytes: 100_000 }]], error: /^load_who_changes: SOURCE_UNREACHABLE: (UND_ERR_SOCKET|body failed: .*) \(http:\/\/127\.0\.0\.1:\d+\/who\.csv\)$/ },
  { name: 'WHO sends only the header line', target: 'who', faults: () => [['who', { kind: 'headerOnly' }]], error: /^load_who_changes: who: quality gate failed: has-rows: 0 rows accepted of 0 read; row-count: 0 rows; previous read \d+; minimum \d+ \(90\.0%\)$/ },
  {
    name: 'WHO renamed a column (New_cases → New_Cases_Total)',
    target: 'who',
    faults: () => [['who', { kind: 'renameColumn', from: 'New_cases', to: 'New_Cases_Total' }]],
    error: /^load_who_changes: who: quality gate failed: layout: expected .*New_cases.*; found .*New_Cases_Total.*$/,
  },
  {
    name: 'WHO answers 200 with an HTML error page',
    target: 'who',
    faults: () => [['who', { kind: 'errorPage' }]],
    error: /^load_who_changes: who: quality gate failed: content: expected a CSV file with columns Date_reported,Country_code,New_cases,New_deaths; found an HTML page \(Content-Type text\/html.*\)$/,
  },
  { name: 'WHO changed its CSV layout (semicolons)', target: 'who', faults: () => [['who', { kind: 'changedLayout' }]], error: /^load_who_changes: who: quality gate failed: layout: expected .*; found .*$/ },
  {
    name: 'the list page changed its HTML layout',
    target: 'weeks',
    faults: () => [['list', { kind: 'changedLayout' }]],
    error: /^load_new_weeks: stopcoronavirus: quality gate failed: layout: expected post cards .* on the list page; found none \(\d+ characters, title .*\)$/,
  },
  {
    name: 'the list page answers 200 with an error page',
    target: 'weeks',
    faults: () => [['list', { kind: 'errorPage' }]],
    error: /^load_new_weeks: stopcoronavirus: quality gate failed: layout: expected post cards .* on the list page; found none \(\d+ characters, title "Технические работы"\)$/,
  },
  {
    name: 'a new weekly post changed its HTML layout (the table became an image)',
    target: 'weeks',
    faults: (slug) => [[`post:${slug}`, { kind: 'changedLayout', variant: 'noTable' }]],
    error: /^load_new_weeks: stopcoronavirus: quality gate failed: layout: expected .*table.*; found .*$/,
  },
];

describe('faults: sources', () => {
  let p: FaultPipeline;
  let worker: RoleProcess;
  let ecdc: DailyRecord[];
  let whoBytes: Buffer;
  let who: DailyRecord[];
  let current: Expected;
  let nextWeek = Date.UTC(2024, 3, 8); // the Monday after the last saved post's week

  const expectedNow = async (): Promise<Expected> => mergeExpected(ecdc, who, await expectedWeekRecords(p.server, who));

  before(async () => {
    const dataset = subsetDataset();
    whoBytes = dataset.who as Buffer;
    p = await FaultPipeline.create({
      dataset,
      overrides: { SOURCE_TIMEOUT_MS: String(SOURCE_TIMEOUT_MS), TASK_RETRIES: String(TASK_RETRIES) },
    });
    ecdc = await expectedRecords('ecdc', dataset.ecdc, p.config.FILL_POLICY);
    who = await expectedRecords('who', whoBytes, p.config.FILL_POLICY);
    p.startSink();
    worker = p.startWorker();
    // Baseline: the first run loads the history, then the weekly posts after it.
    const history = await p.waitRunDone(await p.firstRunId(), 60_000);
    assert.equal(history.state, 'succeeded', history.error ?? p.logs());
    current = await expectedNow();
    await p.waitSinkCaughtUp();
    await p.assertDaily(current, 'baseline');
  });

  after(async () => {
    await p?.close();
  });

  let revision = 0;
  for (const c of CASES) {
    it(c.name, async (t) => {
      try {
        // 1. Something new at the source, hidden by the fault.
        let changed: number;
        let newPostSlug = '';
        let revisedWho: DailyRecord[] | undefined;
        if (c.target === 'who') {
          revision++;
          whoBytes = editCsv(whoBytes, {
            row: (r) => (r.Country_code === 'DE' && r.Date_reported! >= '2023-05-01' && r.New_cases !== '' ? { ...r, New_cases: String(Number(r.New_cases) + revision) } : undefined),
          });
          p.server.setBody('who', whoBytes);
          revisedWho = await expectedRecords('who', whoBytes, p.config.FILL_POLICY);
          const before = new Map(who.map((r) => [`${r.country}:${r.date}`, `${r.cases}|${r.deaths}|${r.estimated}`]));
          changed = revisedWho.filter((r) => before.get(`${r.country}:${r.date}`) !== `${r.cases}|${r.deaths}|${r.estimated}`).length;
        } else {
          const weekStart = new Date(nextWeek).toISOString().slice(0, 10);
          nextWeek += 7 * 86_400_000;
          const post = weeklyPostHtml({ weekStart, cases: 1_500 + revision, deaths: 30, slug: `week-${weekStart}` });
          newPostSlug = post.slug;
          p.server.publishPost(post);
          changed = 7;
        }
        for (const [route, fault] of c.faults(newPostSlug)) p.server.setFault(route, fault);
        const task = c.target === 'who' ? 'load_who_changes' : 'load_new_weeks';

        // 2. The run fails, clearly, within its deadlines, having published nothing.
        const topicBefore = await p.topicEnd();
        const runId = await p.startRun();
        const run = await p.waitRunDone(runId, 120_000);
        assert.equal(run.state, 'failed', `run ${runId} should fail: ${run.error}`);
        assert.match(run.error ?? '', c.error);
        const failedTask = await p.task(runId, task);
        assert.equal(failedTask?.state, 'failed');
        assert.equal(failedTask?.attempts, TASK_RETRIES + 1);
        const attempts = failedAttempts([worker], runId, task);
        assert.equal(attempts.length, TASK_RETRIES + 1);
        for (const a of attempts) {
          assert.ok(a.ms <= SOURCE_TIMEOUT_MS + ATTEMPT_SLACK_MS, `an attempt took ${a.ms} ms (deadline ${SOURCE_TIMEOUT_MS} ms)`);
          if (c.minAttemptMs) assert.ok(a.ms >= c.minAttemptMs, `an attempt took ${a.ms} ms: Retry-After not honoured`);
        }
        assert.equal(await p.topicEnd(), topicBefore, 'nothing of the failed run reaches the data topic');
        await p.waitSinkCaughtUp();
        await p.assertDaily(current, 'after the failed run');

        // 3. The source is right again: the worker takes the next run at once and loads exactly what was new.
        p.server.clearFaults();
        const requested = Date.now();
        const nextId = await p.startRun();
        const firstTask = await p.waitTask(nextId, 'check_history', 'succeeded', 10_000);
        const pickupMs = firstTask.started_at!.getTime() - requested;
        const next = await p.waitRunDone(nextId, 60_000);
        assert.equal(next.state, 'succeeded', next.error ?? '');
        assert.equal((await p.task(nextId, task))?.counts.published, changed, `the next run publishes exactly the ${changed} new or revised records`);
        if (revisedWho) who = revisedWho;
        current = await expectedNow();
        await p.assertDaily(current, 'after the next run');
        await p.assertHistoryTruthful();
        const took = run.finished_at!.getTime() - run.started_at.getTime();
        report(`source ${c.name}: run failed in ${seconds(took)}, attempts ${attempts.map((a) => a.ms).join('/')} ms, error "${run.error}"; next run picked up in ${pickupMs} ms, published ${changed}`);
      } catch (error) {
        t.diagnostic(p.logs(40));
        throw error;
      } finally {
        p.server.clearFaults();
      }
    });
  }

  // Transient faults: the first three requests fail. check_sources spends two of them (and counts
  // WHO as maybe changed), the load's first request gets the third and its fetch retry succeeds.
  for (const [name, fault] of [
    ['503', { kind: 'status', status: 503, times: 3 }],
    ['429 with Retry-After: 1', { kind: 'status', status: 429, retryAfter: 1, times: 3 }],
  ] as const) {
    it(`a transient ${name} (three requests) is absorbed by the fetch retries: the run succeeds without a task retry`, async (t) => {
      try {
        revision++;
        whoBytes = editCsv(whoBytes, { row: (r) => (r.Country_code === 'FR' && r.Date_reported === '2023-06-01' ? { ...r, New_deaths: String(Number(r.New_deaths) + revision) } : undefined) });
        p.server.setBody('who', whoBytes);
        p.server.clearRequests();
        p.server.setFault('who', fault);
        const runId = await p.startRun();
        const run = await p.waitRunDone(runId, 60_000);
        assert.equal(run.state, 'succeeded', run.error ?? '');
        assert.equal((await p.task(runId, 'load_who_changes'))?.attempts, 1, 'no task retry was needed');
        assert.deepEqual(p.server.requests('who').map((r) => r.status), [fault.status, fault.status, fault.status, 200]);
        const loaded = logLines(worker).find((l) => l.msg === 'task succeeded' && String(l.runId) === runId && l.task === 'load_who_changes');
        if (fault.status === 429) assert.ok(Number(loaded?.ms) >= 1_000, `Retry-After not honoured: the load took ${String(loaded?.ms)} ms`);
        who = await expectedRecords('who', whoBytes, p.config.FILL_POLICY);
        current = await expectedNow();
        await p.assertDaily(current);
        await p.assertHistoryTruthful();
        report(`source transient ${name}: absorbed, run succeeded, load took ${String(loaded?.ms)} ms`);
      } catch (error) {
        t.diagnostic(p.logs(40));
        throw error;
      } finally {
        p.server.clearFaults();
      }
    });
  }
});

describe('faults: a truncated WHO file on the very first load', () => {
  let p: FaultPipeline;
  before(async () => {
    p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { SOURCE_TIMEOUT_MS: String(SOURCE_TIMEOUT_MS), TASK_RETRIES: '0' } });
  });
  after(async () => {
    await p?.close();
  });

  // No previous read to compare the row count with: the file's shape gives the cut away (rows
  // grouped by country, so the country it was cut in ends long before the file's last date).
  it('fails the gate on its shape and publishes none of it; the next run with the whole file loads everything', async (t) => {
    try {
      const full = p.dataset.who as Buffer;
      const cutAt = full.indexOf(0x0a, Math.floor(full.length * 0.55)) - 7; // inside a line
      p.server.setBody('who', full.subarray(0, cutAt));
      const ecdc = await expectedRecords('ecdc', p.dataset.ecdc, p.config.FILL_POLICY);
      const whole = await expectedRecords('who', full, p.config.FILL_POLICY);
      p.startSink();
      p.startWorker();
      const first = await p.waitRunDone(await p.firstRunId(), 60_000);
      assert.equal(first.state, 'failed');
      assert.match(first.error ?? '', /^load_who: who: quality gate failed: series-end: the file looks cut short: 1 of \d+ countries end more than 14 days before the file's last date 2023-06-07 \([A-Z]{2} \d{4}-\d\d-\d\d\)$/);
      await p.waitSinkCaughtUp();
      await p.assertDaily(mergeExpected(ecdc), 'after the truncated load: ECDC only');

      p.server.setBody('who', full);
      const next = await p.waitRunDone(await p.startRun(), 60_000);
      assert.equal(next.state, 'succeeded', next.error ?? '');
      // The history now loaded, one more run checks the sources too (whether or not the history run did).
      const after = await p.waitRunDone(await p.startRun(), 60_000);
      assert.equal(after.state, 'succeeded', after.error ?? '');
      await p.assertDaily(mergeExpected(ecdc, whole, await expectedWeekRecords(p.server, whole)), 'after the next runs');
      await p.assertHistoryTruthful();
      report(`truncated WHO on the first load: gate failed (${first.error}); the next runs completed the data`);
    } catch (error) {
      t.diagnostic(p.logs(40));
      throw error;
    }
  });
});
