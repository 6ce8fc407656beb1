// Cluster suite (make test-cluster): the full historical load while the first ClickHouse replica
// (the one the clients try first) is killed with SIGKILL and kept down for a while, then started
// again (infra/cluster/clickhouse.sh). The sinks must go on with the other replica, an API
// process must answer from it, the run must succeed with every row once and exact, and once the
// replica is back both must hold identical data: row count and a checksum per country, FINAL.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, sqlIdentifier } from '../../src/platform/clickhouse.ts';
import { FaultPipeline, expectedFirstRun, fullDataset, mergeExpected, seconds, waitFor } from '../faults/harness.ts';
import { startApiServer, type ApiServer } from '../support/api-process.ts';
import { seedUsers } from '../support/api-seed.ts';
import { onCluster, readCluster, replicaCommand, replicaUrls, report, type Cluster } from './cluster.ts';

const DOWN_MS = 20_000;

/** Per country: rows and a checksum of every column that matters, deduplicated (FINAL), on one replica. */
async function fingerprint(url: string, database: string): Promise<string> {
  const clickhouse = createClickHouse({ url, requestTimeoutMs: 30_000 });
  try {
    const result = await clickhouse.query({
      query: `SELECT country, count() AS n, sum(cityHash64(country, date, cases, deaths, source, estimated)) AS h
              FROM ${sqlIdentifier(database)}.daily FINAL GROUP BY country ORDER BY country`,
      format: 'JSONEachRow',
    });
    return JSON.stringify(await result.json());
  } finally {
    await clickhouse.close();
  }
}

describe('cluster: a ClickHouse replica killed during the full load and started again', () => {
  let cluster: Cluster;
  let p: FaultPipeline;
  let api: ApiServer | undefined;
  before(async () => {
    cluster = readCluster();
    assert.ok(replicaUrls(cluster).length >= 2, `the cluster runs ${replicaUrls(cluster).length} ClickHouse server(s): infra/cluster/clickhouse.sh did not start the replicas`);
    p = await FaultPipeline.create({ dataset: fullDataset(), overrides: { ...onCluster(cluster), VERIFY_TIMEOUT_MS: '300000' } });
  });
  after(async () => {
    await replicaCommand('start', 1).catch(() => undefined);
    await api?.proc.stop('SIGKILL', 5_000).catch(() => undefined);
    await p?.close();
  });

  it('sinks and API go on with the other replica; afterwards both hold the same rows', async (t) => {
    try {
      const [first, second] = replicaUrls(cluster) as [string, string];
      const { ecdc, who, weeks } = await expectedFirstRun(p);
      const expected = mergeExpected(ecdc, who, weeks);
      const [user] = await seedUsers(p.config, 1, 'replica test password', `rep${Date.now().toString(36)}u`);
      api = await startApiServer(p.config);
      p.startWorker();
      p.startSink();
      p.startSink();
      const runId = await p.firstRunId(60_000);
      const onSecond = createClickHouse({ url: second });
      const rowsOnSecond = async () => {
        const result = await onSecond.query({ query: `SELECT count() AS n FROM ${sqlIdentifier(p.config.CLICKHOUSE_DATABASE)}.daily`, format: 'JSONEachRow' });
        return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
      };
      try {
        await waitFor('30,000 rows stored', async () => (await p.rawRowCount()) >= 30_000, 300_000, 200, () => p.logs());
        await replicaCommand('kill', 1);
        const killedAt = Date.now();
        await replicaCommand('stop', 1); // keep it down: its supervisor would start it at once
        const rowsAtKill = await rowsOnSecond();
        // While it is down: the API answers from the other replica, the sinks write to it.
        const answers: number[] = [];
        const deadline = killedAt + DOWN_MS;
        while (Date.now() < deadline) {
          const response = await fetch(`http://127.0.0.1:${api.port}/cases?country=DE`, { headers: { 'x-key': user!.key } });
          answers.push(response.status);
          await response.arrayBuffer();
          await sleep(500);
        }
        const rowsWhileDown = (await rowsOnSecond()) - rowsAtKill;
        assert.ok(answers.every((s) => s === 200), `the API answered ${JSON.stringify(answers)} while replica 1 was down`);
        assert.ok(rowsWhileDown > 0, 'the sinks stored nothing on the other replica while the first was down');
        await replicaCommand('start', 1);
        const startedAt = Date.now();

        const run = await p.waitRunDone(runId, 600_000);
        assert.equal(run.state, 'succeeded', `${run.error ?? ''}\n${p.logs()}`);
        await p.waitSinkCaughtUp(120_000);
        // Replication catches the restarted replica up: both the same, per country. Checked first: a
        // client that made no call while replica 1 was down still asks it first, and until it has
        // fetched the parts it missed it answers with the rows it had (docs/clickhouse-replication.md).
        let last = '';
        await waitFor('both replicas to hold the same rows per country', async () => {
          const [a, b] = await Promise.all([fingerprint(first, p.config.CLICKHOUSE_DATABASE), fingerprint(second, p.config.CLICKHOUSE_DATABASE)]);
          last = `replica 1 ${a.length} bytes, replica 2 ${b.length} bytes`;
          return a === b && a.length > 2 ? true : undefined;
        }, 300_000, 1_000, () => last);
        const sameAt = Date.now();
        await p.assertDaily(expected);
        await p.assertHistoryTruthful();
        const countries = JSON.parse(await fingerprint(second, p.config.CLICKHOUSE_DATABASE)) as unknown[];
        report(`ClickHouse replica SIGKILL during the load, kept down ${seconds(startedAt - killedAt)}: API answered ${answers.length} of ${answers.length} requests (200) from the other replica, sinks stored ${rowsWhileDown} rows on it meanwhile; run succeeded; replicas identical (count and cityHash64 checksum per country, ${countries.length} countries, FINAL) at the first check after the run, ${seconds(sameAt - startedAt)} after the restart`);
      } finally {
        await onSecond.close();
      }
    } catch (error) {
      t.diagnostic(p.logs());
      throw error;
    }
  });
});
