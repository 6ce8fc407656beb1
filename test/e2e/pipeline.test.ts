// The whole chain against the real services: sources (the real copies in ../shared/data, served
// by the local source server) → worker → Kafka → sink → ClickHouse. The worker and the sink run
// as their own processes, once for the whole file; runs are started with `covid-etl run --wait`.
// The tests are one scenario, in order, on purpose: the first run loads the whole history
// (≈ 251,000 rows, minutes on a shared machine), and every later step is a change checked
// against that complete store, which is what it must prove (a diff of the real store, not of a
// small fixture). So each step starts from what the step before left in ClickHouse, takes it
// with fromPreviousStep() and hands its own result on only when it passed: after a failed step
// the later ones fail at once, saying so, instead of with a confusing difference.
// What ClickHouse should hold is worked out from the files by the test's own parser (support.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, type ClickHouseClient } from '../../src/platform/clickhouse.ts';
import { createPool, type Pool } from '../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../support/environment.ts';
import { runCli, startRole, type RoleProcess } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { editCsv, editCsvFile, SOURCE_FILES, startSourceServer, weeklyPostHtml, type CsvRow, type SourceServer } from '../support/source-server.ts';
import {
  addDays,
  diff,
  ecdcRows,
  expectedHistoryKeys,
  snapshot,
  span,
  sum,
  whoRows,
  type Row,
  type SourceRows,
} from './support.ts';

/** The weeks of the ten saved объясняем.рф posts, as PROVENANCE 3a transcribes them: Monday, cases, deaths. */
const SAVED_WEEKS: [string, number, number][] = [
  ['2023-10-23', 25_983, 61],
  ['2023-11-06', 41_386, 76],
  ['2023-11-13', 58_150, 93],
  ['2023-11-20', 77_106, 90],
  ['2023-11-27', 95_079, 138],
  ['2023-12-04', 107_174, 148],
  ['2024-01-08', 26_993, 150],
  ['2024-01-15', 26_000, 141],
  ['2024-01-29', 25_751, 107],
  ['2024-04-01', 19_954, 69],
];

/** The task states of a run of the changes branch that found nothing new. */
const NOTHING_NEW = {
  check_history: 'succeeded',
  load_ecdc_2020: 'skipped',
  load_who: 'skipped',
  check_sources: 'succeeded',
  load_who_changes: 'skipped',
  load_new_weeks: 'skipped',
  verify: 'succeeded',
};

interface TaskRow {
  name: string;
  state: string;
  counts: Record<string, number>;
}

describe('pipeline end to end (worker and sink as processes, real PostgreSQL, Kafka, ClickHouse)', () => {
  let server: SourceServer;
  let env: TestEnvironment;
  let pool: Pool;
  let clickhouse: ClickHouseClient;
  let sink: RoleProcess;
  let worker: RoleProcess | undefined;
  let ecdc: SourceRows;
  let who: SourceRows;
  /** ClickHouse (FINAL) as the step before left it, set only when that step passed. */
  let previous: Map<string, Row> | undefined;

  function fromPreviousStep(): Map<string, Row> {
    const rows = previous;
    previous = undefined;
    assert.ok(rows, 'the step before this one did not pass: the tests of this file are one scenario, run in order from the first');
    return rows;
  }

  const logs = () => `\n--- worker ---\n${worker?.output().slice(-4_000) ?? ''}\n--- sink ---\n${sink.output().slice(-2_000)}`;

  /** `covid-etl run --wait [args]`: exits 0, and the run it followed. */
  async function run(args: string[] = []): Promise<{ id: string; branch: string; output: string; tasks: Map<string, TaskRow> }> {
    const { code, output } = await runCli(['run', '--wait', ...args], env.config, {}, 180_000);
    assert.equal(code, 0, `run --wait exited ${code}:\n${output}${logs()}`);
    const id = /run (\d+) (?:started|is already active)/.exec(output)?.[1];
    assert.ok(id, output);
    assert.match(output, new RegExp(`run ${id} succeeded`));
    return { id, output, ...(await runInfo(id)) };
  }

  async function runInfo(id: string) {
    const { rows: runs } = await pool.query<{ branch: string }>('SELECT branch FROM etl_runs WHERE id = $1', [id]);
    const { rows } = await pool.query<TaskRow>('SELECT name, state, counts FROM etl_tasks WHERE run_id = $1 ORDER BY position', [id]);
    return { branch: runs[0]!.branch, tasks: new Map(rows.map((t) => [t.name, t])) };
  }

  const states = (tasks: Map<string, TaskRow>) => Object.fromEntries([...tasks.values()].map((t) => [t.name, t.state]));
  const publishedBy = (tasks: Map<string, TaskRow>) => [...tasks.values()].reduce((n, t) => n + (t.counts.published ?? 0), 0);

  before(async () => {
    server = await startSourceServer();
    env = await createTestEnvironment({
      kafka: true,
      overrides: {
        SOURCE_ECDC_URL: server.ecdcUrl,
        SOURCE_WHO_URL: server.whoUrl,
        SOURCE_STOPCORONAVIRUS_URL: server.stopcoronavirusUrl,
        // Runs start from the tests only (the first start's own run is joined, see below).
        ETL_SCHEDULE: '0 0 1 1 *',
        VERIFY_TIMEOUT_MS: '60000',
        LOG_LEVEL: 'info',
      },
    });
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    sink = startRole('sink', env.config);
    ecdc = ecdcRows(SOURCE_FILES.ecdcFinal);
    who = whoRows(SOURCE_FILES.whoDaily);
  });

  after(async () => {
    await Promise.all([worker?.stop(), sink?.stop()]);
    await clickhouse?.close();
    await pool?.end();
    await server?.close();
    await env?.cleanup();
  });

  it('the first run completes the store: ECDC, WHO, then the weekly posts after WHO\'s last report for Russia, with the files\' values', async (t) => {
    // `run --wait` creates the run before the worker exists; the worker's first start then
    // joins it (it starts one of its own only when no run was ever made), so the test knows
    // which run it follows.
    const started = performance.now();
    const pending = runCli(['run', '--wait'], env.config, {}, 180_000);
    await waitFor('the run to be created', async () => (await pool.query('SELECT 1 FROM etl_runs')).rowCount! > 0, 30_000, 100);
    worker = startRole('worker', env.config);
    const { code, output } = await pending;
    const seconds = (performance.now() - started) / 1000;
    assert.equal(code, 0, `run --wait exited ${code}:\n${output}${logs()}`);
    const id = /run (\d+) started/.exec(output)?.[1];
    assert.ok(id, output);
    assert.match(output, new RegExp(`run ${id} succeeded`));
    assert.match(output, /published=\d+/, 'the counts are printed');
    const { branch, tasks } = await runInfo(id);
    assert.equal(branch, 'history');
    assert.deepEqual(states(tasks), {
      check_history: 'succeeded',
      load_ecdc_2020: 'succeeded',
      load_who: 'succeeded',
      check_sources: 'succeeded',
      load_who_changes: 'skipped',
      load_new_weeks: 'succeeded',
      verify: 'succeeded',
    });
    assert.equal(tasks.get('load_new_weeks')!.counts.published, SAVED_WEEKS.length * 7);
    const { rowCount } = await pool.query(`SELECT 1 FROM etl_runs`);
    assert.equal(rowCount, 1, 'the worker joined the run instead of starting its own');

    const rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    const weekKeys = SAVED_WEEKS.flatMap(([monday]) => Array.from({ length: 7 }, (_, i) => `RU:${addDays(monday, i)}`));
    const expected = new Set([...expectedHistoryKeys(ecdc, who), ...weekKeys]);
    const missing = [...expected].filter((k) => !rows.has(k));
    const extra = [...rows.keys()].filter((k) => !expected.has(k));
    assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10), nMissing: missing.length, nExtra: extra.length }, { missing: [], extra: [], nMissing: 0, nExtra: 0 });
    assert.equal(rows.size, expected.size);
    assert.equal(publishedBy(tasks), rows.size, 'every published record is one (country, date)');
    assert.equal(tasks.get('verify')!.counts.landed, rows.size);
    t.diagnostic(`history run: ${rows.size} rows in ClickHouse, run --wait took ${seconds.toFixed(1)} s (worker start included)`);

    // WHO's own values, reported that very day: Russia 2021-03-01.
    const ru = who.rows.get('RU:2021-03-01')!;
    assert.deepEqual(rows.get('RU:2021-03-01'), { cases: ru.cases, deaths: ru.deaths, source: 'who', estimated: 0 });
    // ECDC's: Germany keeps ECDC's dates; Russia's move one day back (ECDC 2020-06-10 = WHO 2020-06-09).
    const de = ecdc.rows.get('DE:2020-06-10')!;
    assert.deepEqual(rows.get('DE:2020-06-10'), { cases: de.cases, deaths: de.deaths, source: 'ecdc', estimated: 0 });
    const ruEcdc = ecdc.rows.get('RU:2020-06-10')!;
    assert.deepEqual(rows.get('RU:2020-06-09'), { cases: ruEcdc.cases, deaths: ruEcdc.deaths, source: 'ecdc', estimated: 0 });
    // The seam: Russia's last ECDC report (ECDC's 2020-12-14) on 12-13, WHO's own 12-14 after it.
    assert.deepEqual(rows.get('RU:2020-12-13'), { cases: 28_080, deaths: 488, source: 'ecdc', estimated: 0 });
    const seam = who.rows.get('RU:2020-12-14')!;
    assert.deepEqual(rows.get('RU:2020-12-14'), { cases: seam.cases, deaths: seam.deaths, source: 'who', estimated: 0 });
    // Russia's weekly WHO reports after 2023-05-15 are spread over their 7 days and keep their totals.
    for (const report of ['2023-05-22', '2023-05-29', '2023-06-05']) {
      const week = span(rows, 'RU', addDays(report, -6), report);
      const total = who.rows.get(`RU:${report}`)!;
      assert.equal(week.length, 7, report);
      assert.deepEqual(sum(week), { cases: total.cases, deaths: total.deaths }, report);
      assert.ok(week.every((r) => r.estimated === 1 && r.source === 'who'), report);
    }
    // Nothing from WHO after Russia's last WHO report (2023-06-05; the zero rows of 06-06 and
    // 06-07 give nothing), and no row between it and the first saved post's week.
    assert.equal(rows.has('RU:2023-06-06'), false);
    assert.equal([...rows.keys()].filter((k) => k.startsWith('RU:') && k > 'RU:2023-06-05' && k < 'RU:2023-10-23').length, 0);
    // Every saved weekly post: its 7 days from стопкоронавирус, its totals kept.
    for (const [monday, cases, deaths] of SAVED_WEEKS) {
      const week = span(rows, 'RU', monday, addDays(monday, 6));
      assert.deepEqual(sum(week), { cases, deaths }, monday);
      assert.ok(week.every((r) => r.source === 'stopcoronavirus' && r.estimated === 1), monday);
    }
    // Week 43/2023, 25 983 cases and 61 deaths: 3 712 on six days and 3 711 on Sunday; deaths 9 ×5, 8 ×2.
    const w43 = span(rows, 'RU', '2023-10-23', '2023-10-29');
    assert.deepEqual(w43.map((r) => r.cases), [3712, 3712, 3712, 3712, 3712, 3712, 3711]);
    assert.deepEqual(w43.map((r) => r.deaths), [9, 9, 9, 9, 9, 8, 8]);
    previous = rows;
  });

  it('the next run (changes branch) finds nothing new: WHO answers 304, no new weekly post, nothing published', async () => {
    const base = fromPreviousStep();
    server.clearRequests();
    const { branch, tasks } = await run();
    assert.equal(branch, 'changes');
    assert.deepEqual(server.requests('who').map((r) => r.status), [304], 'WHO checked by a conditional GET');
    assert.deepEqual(states(tasks), NOTHING_NEW);
    assert.equal(publishedBy(tasks), 0);
    assert.deepEqual(diff(base, await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE)), { added: [], removed: [], changed: [] });
    previous = base;
  });

  it('a run with no new data publishes nothing and changes no query result', async () => {
    const base = fromPreviousStep();
    // The same bytes under another ETag (as after a re-upload): the conditional GET gets a 200,
    // the content hash finds nothing new.
    server.setBody('who', readFileSync(SOURCE_FILES.whoDaily));
    server.clearRequests();
    const { branch, tasks, output } = await run();
    assert.deepEqual(server.requests('who').map((r) => r.status), [200]);
    assert.equal((await pool.query<{ gate: { who: { why: string } } }>(`SELECT gate FROM etl_tasks WHERE name = 'check_sources' ORDER BY run_id DESC LIMIT 1`)).rows[0]!.gate.who.why, 'same SHA-256');
    assert.equal(branch, 'changes');
    assert.deepEqual(states(tasks), NOTHING_NEW);
    assert.equal(publishedBy(tasks), 0);
    assert.equal(tasks.get('verify')!.counts.expected, 0);
    assert.doesNotMatch(output, /published=[1-9]/);
    const rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    assert.deepEqual(diff(base, rows), { added: [], removed: [], changed: [] });
    previous = rows;
  });

  it('a new weekly post adds exactly its 7 days', async () => {
    const base = fromPreviousStep();
    const post = weeklyPostHtml({ weekStart: '2024-04-08', cases: 20_003, deaths: 58 });
    server.publishPost(post);
    server.clearRequests();
    const { tasks } = await run();
    assert.equal(tasks.get('load_who_changes')!.state, 'skipped');
    assert.equal(tasks.get('load_new_weeks')!.counts.published, 7);
    // check_sources crawled the list and the post; load_new_weeks took that crawl (crawl-memo.ts).
    assert.equal(server.requests(`post:${post.slug}`).length, 1, 'the new post is fetched once in the run');
    assert.equal(server.requests('list:1').length, 1, 'the list page is fetched once in the run');
    assert.equal(publishedBy(tasks), 7);

    const rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    const days = Array.from({ length: 7 }, (_, i) => `RU:${addDays('2024-04-08', i)}`);
    assert.deepEqual(diff(base, rows), { added: days, removed: [], changed: [] });
    const week = span(rows, 'RU', '2024-04-08', '2024-04-14');
    assert.deepEqual(sum(week), { cases: 20_003, deaths: 58 });
    // 20 003 = 7 × 2 857 + 4: one more on the first four days; 58 = 7 × 8 + 2.
    assert.deepEqual(week.map((r) => r.cases), [2858, 2858, 2858, 2858, 2857, 2857, 2857]);
    assert.deepEqual(week.map((r) => r.deaths), [9, 9, 8, 8, 8, 8, 8]);
    assert.ok(week.every((r) => r.source === 'stopcoronavirus' && r.estimated === 1));
    previous = rows;
  });

  it('a WHO file with revised and added rows changes exactly those rows', async () => {
    const base = fromPreviousStep();
    // Revisions of daily reports between daily reports (so no spread or fill depends on them),
    // and a new day 2023-06-08 for two countries whose last report was 2023-06-06. Their 0 row
    // of 2023-06-07 (every country's is 0) was a trailing quiet day, not published (rule 5); now
    // a report follows it, so it is a reported 0 and is published too.
    const revised: Record<string, { New_cases?: string; New_deaths?: string }> = {
      'RU:2021-03-01': { New_cases: '11111' },
      'DE:2021-03-02': { New_deaths: '222' },
      'BR:2022-01-04': { New_cases: '33333', New_deaths: '333' },
    };
    for (const key of Object.keys(revised)) {
      const [country, date] = key.split(':') as [string, string];
      const reported = (d: string) => {
        const c = who.rows.get(`${country}:${d}`);
        return c !== undefined && (c.cases !== 0 || c.deaths !== 0);
      };
      assert.ok(reported(addDays(date, -1)) && reported(date) && reported(addDays(date, 1)), `${key}: a daily report between daily reports`);
    }
    const reportedOnLastDay = [...who.rows]
      .filter(([key, c]) => key.endsWith(':2023-06-06') && (c.cases ?? 0) > 0 && (c.deaths ?? 0) > 0)
      .map(([key]) => key.slice(0, 2))
      .filter((country) => !['RU', 'DE', 'BR'].includes(country))
      .slice(0, 2);
    assert.equal(reportedOnLastDay.length, 2);
    for (const country of reportedOnLastDay) assert.deepEqual(who.rows.get(`${country}:2023-06-07`), { cases: 0, deaths: 0 });
    const lastRows = new Map<string, CsvRow>();
    const revisedFile = editCsvFile(SOURCE_FILES.whoDaily, {
      row: (row) => {
        if (row.Date_reported === '2023-06-06' && reportedOnLastDay.includes(row.Country_code!)) lastRows.set(row.Country_code!, { ...row });
        const revision = revised[`${row.Country_code}:${row.Date_reported}`];
        return revision ? { ...row, ...revision } : undefined;
      },
    });
    const withAdded = editCsv(revisedFile, {
      append: reportedOnLastDay.map((country) => ({ ...lastRows.get(country)!, Date_reported: '2023-06-08', New_cases: '5', New_deaths: '1' })),
    });
    server.setBody('who', withAdded);

    const { tasks } = await run();
    assert.equal(tasks.get('load_who_changes')!.state, 'succeeded');
    assert.equal(tasks.get('load_new_weeks')!.state, 'skipped');
    const counts = tasks.get('load_who_changes')!.counts;
    assert.equal(counts.published, 3 + 2 * 2, JSON.stringify(counts));

    const rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    const changes = diff(base, rows);
    assert.deepEqual(changes, {
      added: reportedOnLastDay.flatMap((c) => [`${c}:2023-06-07`, `${c}:2023-06-08`]).sort(),
      removed: [],
      changed: Object.keys(revised).sort(),
    });
    assert.deepEqual(rows.get('RU:2021-03-01'), { cases: 11_111, deaths: who.rows.get('RU:2021-03-01')!.deaths, source: 'who', estimated: 0 });
    assert.equal(rows.get('DE:2021-03-02')!.deaths, 222);
    assert.deepEqual(rows.get(`${reportedOnLastDay[0]}:2023-06-07`), { cases: 0, deaths: 0, source: 'who', estimated: 0 });
    assert.deepEqual(rows.get(`${reportedOnLastDay[0]}:2023-06-08`), { cases: 5, deaths: 1, source: 'who', estimated: 0 });
    previous = rows;
  });

  it('loading everything again (pipeline state forgotten) changes no query result', async () => {
    const base = fromPreviousStep();
    // As if the pipeline's memory were lost: no "history loaded", no validators, no watermarks,
    // no record of what was published. The history branch runs again, and the weeks in the same run.
    await pool.query('DELETE FROM etl_published');
    await pool.query('DELETE FROM etl_state');
    const again = await run();
    assert.equal(again.branch, 'history');
    assert.ok(publishedBy(again.tasks) > 250_000, `republished everything: ${publishedBy(again.tasks)}`);
    assert.equal(again.tasks.get('load_new_weeks')!.counts.published, (SAVED_WEEKS.length + 1) * 7);
    const rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    assert.deepEqual(diff(base, rows), { added: [], removed: [], changed: [] });
    previous = rows;
  });

  it('after FILL_POLICY changed (ffill → zero), run --reload republishes exactly the filled values that changed; users untouched', async (t) => {
    let base = fromPreviousStep();
    await pool.query(`INSERT INTO users (username, password_hash) VALUES ('analyst', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')`);
    const users = async () => (await pool.query<Record<string, unknown>>('SELECT id, username, password_hash, created_at FROM users ORDER BY id')).rows;
    const usersBefore = await users();
    await worker!.stop();
    worker = startRole('worker', env.config, { env: { FILL_POLICY: 'zero' } });

    // A filled value changes only to 0 (the other count of its row, if reported, stays).
    const onlyFillsZeroed = (keys: string[], before: Map<string, Row>, after: Map<string, Row>) =>
      keys.filter((key) => {
        const [b, a] = [before.get(key)!, after.get(key)!];
        const count = (x: number, y: number) => x === y || y === 0;
        return !(b.estimated === 1 && a.estimated === 1 && b.source === a.source && count(b.cases, a.cases) && count(b.deaths, a.deaths));
      });

    const whoReload = await run(['--reload', 'who']);
    assert.match(whoReload.output, new RegExp(`run ${whoReload.id} started \\(reload: who\\)`));
    assert.deepEqual(states(whoReload.tasks), { ...NOTHING_NEW, load_who: 'succeeded' });
    let rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    let changes = diff(base, rows);
    assert.deepEqual([changes.added, changes.removed], [[], []]);
    assert.ok(changes.changed.length > 1_000, `changed ${changes.changed.length}`);
    assert.equal(whoReload.tasks.get('load_who')!.counts.published, changes.changed.length, 'only what changed is published');
    assert.ok(changes.changed.every((key) => rows.get(key)!.source === 'who'));
    assert.deepEqual(onlyFillsZeroed(changes.changed, base, rows), []);
    t.diagnostic(`--reload who: ${changes.changed.length} WHO rows republished (of ${whoReload.tasks.get('load_who')!.counts.records} records)`);
    // Spain's missed week of May 2023 (docs/data.md): ffill had repeated 05-05's daily share.
    assert.deepEqual([base.get('ES:2023-05-08')!.cases, rows.get('ES:2023-05-08')], [1_692, { cases: 0, deaths: 0, source: 'who', estimated: 1 }]);
    base = rows;

    // all: ECDC's filled values change too; WHO and the weekly posts are reprocessed and unchanged.
    const allReload = await run(['--reload', 'all']);
    assert.deepEqual(states(allReload.tasks), { ...NOTHING_NEW, load_ecdc_2020: 'succeeded', load_who: 'succeeded', load_new_weeks: 'succeeded' });
    assert.equal(allReload.tasks.get('load_who')!.counts.published, 0);
    assert.deepEqual([allReload.tasks.get('load_new_weeks')!.counts.published, allReload.tasks.get('load_new_weeks')!.counts.unchanged], [0, (SAVED_WEEKS.length + 1) * 7]);
    rows = await snapshot(clickhouse, env.config.CLICKHOUSE_DATABASE);
    changes = diff(base, rows);
    assert.ok(changes.changed.length > 0);
    assert.equal(allReload.tasks.get('load_ecdc_2020')!.counts.published, changes.changed.length);
    assert.ok(changes.changed.every((key) => rows.get(key)!.source === 'ecdc'));
    assert.deepEqual(onlyFillsZeroed(changes.changed, base, rows), []);
    t.diagnostic(`--reload all: ${changes.changed.length} ECDC rows republished, WHO 0, weekly posts 0`);

    const listed = await runCli(['runs', '--json', '--limit', '2'], env.config);
    const { runs } = JSON.parse(listed.output) as { runs: { id: string; reload: string[] }[] };
    assert.deepEqual(runs.map((r) => [r.id, r.reload]), [[whoReload.id, ['who']], [allReload.id, ['ecdc', 'who', 'stopcoronavirus']]]);
    assert.deepEqual(await users(), usersBefore);
  });
});
