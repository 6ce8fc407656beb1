// /v1/status says what shapes the data (fill policy, schedule and next run, sources without
// credentials), shows errors as codes and safe messages, and reports stale sources, in its
// answer and in /metrics under the names the alert rules use.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, fakeClock, type ApiTestContext } from './context.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2024-03-01T10:00:00Z');

interface Status {
  fill_policy: string;
  schedule: { cron: string; timezone: string; next_run_at: string | null };
  last_run: { state: string; error: string | null; error_code: string | null; tasks: { name: string; error: string | null; error_code: string | null }[] };
  last_finished_run: { state: string } | null;
  freshness: {
    source: string;
    location: string;
    first_date: string | null;
    last_date: string | null;
    rows: number;
    span_days: number | null;
    last_loaded_at: string | null;
    stale_after_days: number;
    stale: boolean;
  }[];
}

void describe('/v1/status: what shapes the data, safe errors, staleness', () => {
  let ctx: ApiTestContext;
  let key: string;
  const clock = fakeClock(NOW);
  before(async () => {
    ctx = await createApiTestContext({
      clock,
      overrides: {
        FILL_POLICY: 'zero',
        ETL_SCHEDULE: '30 4 * * 1',
        // Every source set here, so that a developer's .env (make local-sources) changes nothing.
        SOURCE_ECDC_URL: 'https://opendata.ecdc.europa.eu/covid19/casedistribution/csv/data.csv',
        SOURCE_WHO_URL: 'https://reader:s3cret@who.example/data/WHO.csv?sig=token123',
        SOURCE_STOPCORONAVIRUS_URL: 'file:///srv/private/posts/list.html',
        SOURCE_WHO_STALE_DAYS: '10',
      },
    });
    key = await ctx.register('alice');
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    // WHO brought rows 3 days ago (fresh under 10 days), the weekly posts 20 days ago (stale under 14).
    await ctx.clickhouse.insert({
      table: 'daily',
      format: 'JSONEachRow',
      values: [
        { country: 'RU', date: '2024-01-01', cases: 1, deaths: 0, source: 'who', estimated: 0, estimated_cases: 0, estimated_deaths: 0, version: 1, run_id: 1, inserted_at: at(NOW - 5 * DAY) },
        { country: 'DE', date: '2024-02-20', cases: 1, deaths: 0, source: 'who', estimated: 0, estimated_cases: 0, estimated_deaths: 0, version: 1, run_id: 1, inserted_at: at(NOW - 3 * DAY) },
        { country: 'RU', date: '2024-02-05', cases: 7, deaths: 0, source: 'stopcoronavirus', estimated: 1, estimated_cases: 1, estimated_deaths: 1, version: 1, run_id: 1, inserted_at: at(NOW - 20 * DAY) },
      ],
    });
    const { rows } = await ctx.pool.query<{ id: string }>(
      `INSERT INTO etl_runs (trigger, state, branch, started_at, finished_at, error) VALUES
         ('schedule', 'failed', 'changes', '2024-02-28T03:00:00Z', '2024-02-28T03:01:00Z', 'task check_sources failed'),
         ('manual', 'running', NULL, '2024-03-01T09:59:00Z', NULL, NULL) RETURNING id`,
    );
    await ctx.pool.query(
      `INSERT INTO etl_tasks (run_id, name, position, state, attempts, started_at, finished_at, error, counts) VALUES
         ($1, 'check_sources', 4, 'failed', 3, '2024-02-28T03:00:01Z', '2024-02-28T03:01:00Z',
          'SOURCE_TIMEOUT: no answer within 30000 ms (https://reader:s3cret@who.example/data/WHO.csv?sig=token123)', '{}'),
         ($2, 'check_history', 1, 'failed', 1, '2024-03-01T09:59:00Z', '2024-03-01T09:59:01Z',
          'connect ECONNREFUSED 10.1.2.3:5432 reading /srv/private/posts/list.html via kafka-internal:9092', '{}')`,
      [rows[0]!.id, rows[1]!.id],
    );
  });
  after(() => ctx.close());

  const get = (url: string) => ctx.app.inject({ url, headers: { 'x-key': key } });

  void it('says the fill policy, the schedule with the next run, and each source without credentials', async () => {
    const status = (await get('/v1/status')).json<Status>();
    assert.equal(status.fill_policy, 'zero');
    // 2024-03-01 is a Friday: the next Monday 04:30 UTC.
    assert.deepEqual(status.schedule, { cron: '30 4 * * 1', timezone: 'UTC', next_run_at: '2024-03-04T04:30:00.000Z' });
    assert.deepEqual(
      status.freshness.map((f) => [f.source, f.location]),
      [
        ['ecdc', 'https://opendata.ecdc.europa.eu/covid19/casedistribution/csv/data.csv'],
        ['who', 'https://who.example/data/WHO.csv'],
        ['stopcoronavirus', 'file:…/list.html'],
      ],
    );
    const body = JSON.stringify(status);
    for (const secret of ['s3cret', 'reader', 'token123', '/srv/private', '10.1.2.3', 'kafka-internal']) assert.ok(!body.includes(secret), secret);
  });

  void it('shows errors as a code and a safe message', async () => {
    const status = (await get('/v1/status')).json<Status>();
    assert.deepEqual(status.last_run.tasks[0], { ...status.last_run.tasks[0], error_code: 'UNREACHABLE', error: 'connect ECONNREFUSED <address> reading <path> via <address>' });
    const timeout = (await get('/v1/status')).json<{ tasks: { name: string; error: string; error_code: string }[] }>().tasks.find((t) => t.name === 'check_sources')!;
    assert.equal(timeout.error_code, 'SOURCE_TIMEOUT');
    assert.equal(timeout.error, 'no answer within 30000 ms (<https url>)');
  });

  void it('per source: the row count and the real span, and stale when nothing new came within its cadence', async () => {
    const status = (await get('/v1/status')).json<Status>();
    const who = status.freshness.find((f) => f.source === 'who')!;
    assert.deepEqual(who, {
      source: 'who',
      location: 'https://who.example/data/WHO.csv',
      first_date: '2024-01-01',
      last_date: '2024-02-20',
      rows: 2,
      span_days: 51,
      last_loaded_at: new Date(NOW - 3 * DAY).toISOString(),
      stale_after_days: 10,
      stale: false,
    });
    const posts = status.freshness.find((f) => f.source === 'stopcoronavirus')!;
    assert.equal(posts.stale_after_days, 14);
    assert.equal(posts.stale, true);
    const ecdc = status.freshness.find((f) => f.source === 'ecdc')!;
    assert.deepEqual([ecdc.rows, ecdc.first_date, ecdc.stale_after_days, ecdc.stale], [0, null, 0, false]);
    assert.equal(status.last_finished_run?.state, 'failed');
  });

  void it('/metrics has the staleness and last-run gauges the alert rules use', async () => {
    const text = (await ctx.app.inject({ url: '/metrics', headers: { 'x-key': key } })).body;
    const sample = (line: string) => assert.ok(text.split('\n').includes(line), `${line}\nin\n${text.split('\n').filter((l) => l.startsWith('covid_etl')).join('\n')}`);
    sample('covid_etl_source_stale{source="who"} 0');
    sample('covid_etl_source_stale{source="stopcoronavirus"} 1');
    sample('covid_etl_source_stale{source="ecdc"} 0');
    sample(`covid_etl_source_last_new_data_timestamp_seconds{source="who"} ${(NOW - 3 * DAY) / 1000}`);
    sample('covid_etl_source_last_new_data_timestamp_seconds{source="ecdc"} 0');
    sample('covid_etl_pipeline_last_run_failed 1');

    // Eight days later WHO is stale too (11 days quiet > 10), and a succeeded run clears the failure.
    clock.advance(8 * DAY);
    await ctx.pool.query("INSERT INTO etl_runs (trigger, state, started_at, finished_at) VALUES ('manual', 'succeeded', now(), now())");
    await ctx.pool.query("UPDATE etl_runs SET state = 'succeeded', finished_at = now() WHERE state = 'running'");
    const later = (await ctx.app.inject({ url: '/metrics' })).body.split('\n');
    assert.ok(later.includes('covid_etl_source_stale{source="who"} 1'));
    assert.ok(later.includes('covid_etl_pipeline_last_run_failed 0'));
  });
});
