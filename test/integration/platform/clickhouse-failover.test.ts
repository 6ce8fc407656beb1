// The client with several CLICKHOUSE_URL entries against the real server: a first replica that
// is down (nothing listens on its port) costs nothing but a refused connection; queries, inserts,
// DDL, ping and the API's data-version probe all answer from the live one. Two real replicas,
// one of them stopped, are in test/cluster/ (they need ZooKeeper).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClickHouseProbe } from '../../../src/api/repositories/clickhouse-probe.ts';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { freePort } from '../../support/ports.ts';

describe('ClickHouse failover between the URLs of CLICKHOUSE_URL', () => {
  let env: TestEnvironment;
  let urls: string;
  let clickhouse: ClickHouseClient;
  let daily: string;
  before(async () => {
    env = await createTestEnvironment();
    urls = `http://default:@127.0.0.1:${await freePort()},${env.config.CLICKHOUSE_URL}`;
    clickhouse = createClickHouse({ url: urls, database: env.config.CLICKHOUSE_DATABASE, requestTimeoutMs: 5_000 });
    daily = `${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.daily`;
  });
  after(async () => {
    await clickhouse.close();
    await env.cleanup();
  });

  it('inserts, reads, runs DDL and pings through the live replica', async () => {
    await clickhouse.insert({
      table: daily,
      format: 'JSONEachRow',
      columns: ['country', 'date', 'cases', 'deaths', 'source', 'estimated', 'version', 'run_id'],
      values: [{ country: 'RU', date: '2021-01-01', cases: 7, deaths: 1, source: 'who', estimated: 0, version: 1, run_id: 1 }],
    });
    const rows = await (await clickhouse.query({ query: `SELECT country, cases FROM ${daily} FINAL`, format: 'JSONEachRow' })).json();
    assert.deepEqual(rows, [{ country: 'RU', cases: 7 }]);
    await clickhouse.command({ query: `CREATE TABLE ${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.scratch (x UInt8) ENGINE = Memory` });
    assert.equal((await clickhouse.ping()).success, true);
  });

  it('streams a query from the live replica', async () => {
    const result = await clickhouse.query({ query: 'SELECT number FROM system.numbers LIMIT 3', format: 'TabSeparated' });
    assert.equal(await result.text(), '0\n1\n2\n');
  });

  it('gives a SQL error as it is (the live replica answered it)', async () => {
    await assert.rejects(clickhouse.query({ query: `SELECT nope FROM ${daily}`, format: 'TabSeparated' }), /Code: 47|UNKNOWN_IDENTIFIER|Missing columns/);
  });

  it('the data-version probe fails over too', async () => {
    const probe = createClickHouseProbe(urls, 5_000);
    assert.equal(await probe.query('SELECT 1 + 1'), '2\n');
  });

  it('ping fails, naming the transport, when no replica answers', async () => {
    const dead = createClickHouse({ url: `http://127.0.0.1:${await freePort()},http://127.0.0.1:${await freePort()}`, requestTimeoutMs: 2_000 });
    try {
      const result = await dead.ping();
      assert.equal(result.success, false);
      await assert.rejects(dead.query({ query: 'SELECT 1' }), /ECONNREFUSED/);
    } finally {
      await dead.close();
    }
  });
});
