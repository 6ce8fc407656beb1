// Migrations that add columns to tables holding data: rows written before read sensibly, and a
// file that ran but was not recorded (the process died in between) runs again without harm.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { migrate } from '../../../src/platform/migrations.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

describe('per-count estimated flags (clickhouse/003, postgres/006)', () => {
  let env: TestEnvironment;
  let pool: Pool;
  let clickhouse: ClickHouseClient;
  let daily: string;
  before(async () => {
    env = await createTestEnvironment();
    pool = createPool(env.config.DATABASE_URL, { max: 1 });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    daily = `${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.daily`;
  });
  after(async () => {
    await pool.end();
    await clickhouse.close();
    await env.cleanup();
  });

  it('a row written with `estimated` alone reads as both counts estimated', async () => {
    await clickhouse.insert({
      table: daily,
      format: 'JSONEachRow',
      columns: ['country', 'date', 'cases', 'deaths', 'source', 'estimated', 'version', 'run_id'],
      values: [
        { country: 'RU', date: '2021-01-01', cases: 1, deaths: 0, source: 'who', estimated: 1, version: 1, run_id: 1 },
        { country: 'RU', date: '2021-01-02', cases: 1, deaths: 0, source: 'who', estimated: 0, version: 1, run_id: 1 },
      ],
    });
    const rows = await (
      await clickhouse.query({ query: `SELECT estimated, estimated_cases, estimated_deaths FROM ${daily} FINAL ORDER BY date`, format: 'JSONEachRow' })
    ).json();
    assert.deepEqual(rows, [
      { estimated: 1, estimated_cases: 1, estimated_deaths: 1 },
      { estimated: 0, estimated_cases: 0, estimated_deaths: 0 },
    ]);
  });

  it('an ADD COLUMN file applied but not recorded is taken as done when migrate runs again', async () => {
    const key = `clickhouse/003_daily_estimated_counts.sql@${env.config.CLICKHOUSE_DATABASE}`;
    const { rowCount } = await pool.query('DELETE FROM schema_migrations WHERE name = $1', [key]);
    assert.equal(rowCount, 1);
    const { applied } = await migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE);
    assert.deepEqual(applied, [key]);
    const { rows } = await pool.query('SELECT 1 FROM schema_migrations WHERE name = $1', [key]);
    assert.equal(rows.length, 1);
  });

  it('other ClickHouse errors still stop migrate', async () => {
    await clickhouse.command({ query: `DROP TABLE ${daily}` });
    await pool.query("DELETE FROM schema_migrations WHERE name LIKE 'clickhouse/%'");
    await clickhouse.command({ query: `CREATE TABLE ${daily} (country FixedString(2)) ENGINE = MergeTree ORDER BY country` });
    await assert.rejects(migrate(pool, clickhouse, env.config.CLICKHOUSE_DATABASE), /estimated/);
  });

  it('PostgreSQL keeps both flags of every published row, never null', async () => {
    await assert.rejects(
      pool.query("INSERT INTO etl_published (source, country, date, cases, deaths, estimated, run_id) VALUES ('who', 'RU', '2021-01-01', 1, 0, true, 1)"),
      /estimated_cases/,
    );
  });
});
