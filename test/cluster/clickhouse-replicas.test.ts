// The cluster's two ClickHouse replicas (infra/cluster/clickhouse.sh, started here if they are
// not running): migrations create the replicated table on both, a row inserted through one is
// read from the other, and the client answers from the live replica while the other is stopped;
// once it is back both hold the same rows. Part of `make test-cluster`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { clickhouseUrls, createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../src/platform/clickhouse.ts';
import { migrate } from '../../src/platform/migrations.ts';
import { createPool } from '../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../support/environment.ts';
import { repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/wait.ts';

const script = path.join(repoRoot, 'infra/cluster/clickhouse.sh');
const replicasScript = (...args: string[]) => promisify(execFile)(script, args, { cwd: repoRoot, timeout: 300_000 });

/** CLICKHOUSE_URL and CLICKHOUSE_CLUSTER as `up` wrote them. */
function clusterSettings(): { urls: string; cluster: string } {
  const text = readFileSync(path.join(repoRoot, '.data/cluster/clickhouse.env'), 'utf8');
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1] ?? assert.fail(`${name} missing in clickhouse.env`);
  return { urls: value('CLICKHOUSE_URL'), cluster: value('CLICKHOUSE_CLUSTER') };
}

const row = (country: string, cases: number) => ({ country, date: '2021-01-01', cases, deaths: 0, source: 'who', estimated: 0, version: 1, run_id: 1 });
const COLUMNS: [string, ...string[]] = ['country', 'date', 'cases', 'deaths', 'source', 'estimated', 'version', 'run_id'];

describe('ClickHouse replicas (cluster)', () => {
  let env: TestEnvironment;
  let urls: string[];
  let cluster: string;
  let replicas: ClickHouseClient[];
  let both: ClickHouseClient;
  let database: string;
  let daily: string;

  /** Rows, and a checksum of them, as one replica holds them. */
  const contents = async (client: ClickHouseClient) =>
    (
      await client.query({
        query: `SELECT count() AS rows, sum(cityHash64(country, date, cases, deaths, source, version)) AS checksum FROM ${daily} FINAL`,
        format: 'JSONEachRow',
      })
    ).json<{ rows: string; checksum: string }>();

  before(async () => {
    await replicasScript('up');
    ({ cluster } = clusterSettings());
    urls = clickhouseUrls(clusterSettings().urls);
    assert.equal(urls.length, 2);
    env = await createTestEnvironment();
    // A name of its own on the replicas (the environment's database may live on the same servers).
    database = `${env.config.CLICKHOUSE_DATABASE}_replicated`;
    daily = `${sqlIdentifier(database)}.daily`;
    replicas = urls.map((url) => createClickHouse({ url, requestTimeoutMs: 10_000 }));
    both = createClickHouse({ url: urls.join(','), requestTimeoutMs: 10_000 });
  });
  after(async () => {
    await replicasScript('start', '1').catch(() => {});
    for (const client of replicas ?? []) await client.command({ query: `DROP DATABASE IF EXISTS ${sqlIdentifier(database)}` }).catch(() => {});
    for (const client of [...(replicas ?? []), both]) await client?.close();
    await env?.cleanup();
  });

  it('migrate creates the replicated table on every replica, with the same columns', async () => {
    const pool = createPool(env.config.DATABASE_URL, { max: 1 });
    try {
      const options = { cluster: { name: cluster, replicas: urls.map((url, i) => ({ url, client: replicas[i]! })) } };
      const { applied } = await migrate(pool, both, database, options);
      assert.deepEqual(applied.filter((name) => name.startsWith('clickhouse/')), [
        `clickhouse/001_daily.sql@${database}@${cluster}`,
        `clickhouse/002_daily_region.sql@${database}@${cluster}`,
        `clickhouse/003_daily_estimated_counts.sql@${database}@${cluster}`,
      ]);
      assert.deepEqual((await migrate(pool, both, database, options)).applied, [], 'a second run applies nothing');
    } finally {
      await pool.end();
    }
    const shapes = await Promise.all(
      replicas.map(async (client) => {
        const engine = await (await client.query({ query: `SELECT engine FROM system.tables WHERE database = '${database}' AND name = 'daily'`, format: 'TabSeparated' })).text();
        // (18.16's system.columns has no position: DESCRIBE gives the order.)
        const described = await (await client.query({ query: `DESCRIBE TABLE ${daily}`, format: 'TabSeparated' })).text();
        const columns = described.split('\n').map((line) => line.split('\t').slice(0, 2).join('\t')).join('\n');
        return { engine: engine.trim(), columns };
      }),
    );
    assert.equal(shapes[0]!.engine, 'ReplicatedReplacingMergeTree');
    assert.deepEqual(shapes[1], shapes[0]);
    assert.match(shapes[0]!.columns, /\nregion\tString\n/);
    assert.match(shapes[0]!.columns, /\nestimated_cases\tUInt8\nestimated_deaths\tUInt8\n/);
  });

  it('a migration against a server that is not in the cluster names the replica and the cluster', async () => {
    const pool = createPool(env.config.DATABASE_URL, { max: 1 });
    try {
      const wrong = { cluster: { name: 'no_such_cluster', replicas: urls.map((url, i) => ({ url, client: replicas[i]! })) } };
      await assert.rejects(migrate(pool, both, `${database}_x`, wrong), /ClickHouse replica 1 of cluster no_such_cluster \(127\.0\.0\.1:\d+\): the server has no remote_servers cluster "no_such_cluster"/);
    } finally {
      await pool.end();
    }
  });

  it('a row inserted through one replica is read from the other', async () => {
    await replicas[0]!.insert({ table: daily, format: 'JSONEachRow', columns: COLUMNS, values: [row('RU', 11)] });
    const fromSecond = await waitFor('the row on replica 2', async () => {
      const rows = await (await replicas[1]!.query({ query: `SELECT country, cases, region, estimated_cases FROM ${daily} FINAL`, format: 'JSONEachRow' })).json();
      return rows.length > 0 && rows;
    });
    assert.deepEqual(fromSecond, [{ country: 'RU', cases: 11, region: '', estimated_cases: 0 }]);
  });

  it('with one replica stopped, inserts and reads go to the other; back, it catches up to identical data', async () => {
    await replicasScript('stop', '1');
    await both.insert({ table: daily, format: 'JSONEachRow', columns: COLUMNS, values: [row('DE', 22), row('FR', 33)] });
    const read = await (await both.query({ query: `SELECT country, cases FROM ${daily} FINAL ORDER BY country`, format: 'JSONEachRow' })).json();
    assert.deepEqual(read, [{ country: 'DE', cases: 22 }, { country: 'FR', cases: 33 }, { country: 'RU', cases: 11 }]);
    assert.equal((await both.ping()).success, true);

    await replicasScript('start', '1');
    const expected = await contents(replicas[1]!);
    assert.equal(expected[0]!.rows, '3');
    await waitFor('replica 1 to catch up', async () => JSON.stringify(await contents(replicas[0]!)) === JSON.stringify(expected), 60_000, 500);
  });
});
