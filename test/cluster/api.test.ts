// Cluster suite (make test-cluster): the cluster's two API processes behind HAProxy under an open
// HTTP load (fixed arrival rate, test/support/load-generator.ts), while one API process is killed with
// SIGKILL (the cluster's supervisor starts it again). HAProxy's health checks and retries must
// keep the error rate seen by clients under 1 %. The cluster's data is loaded first by
// `covid-etl run --wait` against the cluster (a no-op when it is there already), which also shows
// that the cluster loads what the single-node stack loads.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, sqlIdentifier } from '../../src/platform/clickhouse.ts';
import { seedUsers, type SeededUser } from '../support/api-seed.ts';
import { openLoad, type LoadStats } from '../support/load-generator.ts';
import { runCli } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { haproxyServer, killProgram, readCluster, report, waitRestarted, type Cluster } from './cluster.ts';

const RATE = 200;
const DURATION_MS = 30_000;
const KILL_AFTER_MS = 8_000;

/** Requests that did not get their answer (5xx, connection errors), over all requests due. */
function errorRate(stats: LoadStats): { errors: number; total: number; rate: number } {
  const failed = Object.entries(stats.statuses).reduce((sum, [status, n]) => sum + (Number(status) >= 500 || Number(status) === 0 ? n : 0), 0);
  const errors = failed + stats.socketErrors + stats.notSent;
  const total = stats.requests + stats.socketErrors + stats.notSent;
  return { errors, total, rate: errors / Math.max(1, total) };
}

describe('cluster: HAProxy and two API processes under HTTP load, one killed', () => {
  let cluster: Cluster;
  let users: SeededUser[];
  before(async () => {
    cluster = readCluster();
    const load = await runCli(['run', '--wait'], cluster.config, {}, 900_000);
    assert.equal(load.code, 0, `covid-etl run --wait against the cluster failed:\n${load.output}`);
    const clickhouse = createClickHouse({ url: cluster.config.CLICKHOUSE_URL });
    try {
      const result = await clickhouse.query({ query: `SELECT count() AS n FROM ${sqlIdentifier(cluster.config.CLICKHOUSE_DATABASE)}.daily FINAL WHERE country = 'RU'`, format: 'JSONEachRow' });
      const [row] = await result.json<{ n: string }>();
      assert.ok(Number(row?.n) > 1_000, `the cluster holds ${row?.n} rows for Russia after run --wait`);
    } finally {
      await clickhouse.close();
    }
    // Enough keys that no key comes near DATA_RATE_LIMIT at this rate (each process counts its own).
    users = await seedUsers(cluster.config, 40, 'cluster load password', `cl${Date.now().toString(36)}u`);
  });
  after(async () => {
    // Whatever happened, leave both API processes running.
    await waitFor('both API processes answering /readyz', async () => {
      const answers = await Promise.all(cluster.apiPorts.map((port) => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)));
      return answers.every(Boolean) || undefined;
    }, 120_000, 500).catch(() => undefined);
  });

  it('keeps the client error rate under 1 % while one API process is killed and restarted', async () => {
    const load = openLoad({
      port: cluster.port,
      rate: RATE,
      durationMs: DURATION_MS,
      maxConnections: 64,
      warmConnections: 16,
      request: (i) => ({ path: i % 4 === 0 ? '/v1/daily?country=DE&start=2021-01-01&end=2021-03-31' : '/cases?country=RU', headers: { 'x-key': users[i % users.length]!.key } }),
    });
    const before = await haproxyServer(cluster, 'api-1');
    await sleep(KILL_AFTER_MS);
    const killed = await killProgram('api-1');
    const restartedAt = await waitRestarted('api-1', killed.pid);
    const readyAt = await waitFor('api-1 ready again', async () => ((await fetch(`http://127.0.0.1:${cluster.apiPorts[0]}/readyz`).then((r) => r.ok, () => false)) ? Date.now() : undefined), 120_000, 100);
    const stats = await load;
    const afterwards = await haproxyServer(cluster, 'api-1');
    const markedDown = afterwards.chkdown - before.chkdown;
    const resent = afterwards.retries - before.retries + afterwards.redispatches - before.redispatches;
    const { errors, total, rate } = errorRate(stats);
    const served = stats.statuses[200] ?? 0;
    report(`API process SIGKILL under ${RATE} req/s through HAProxy: ${errors} of ${total} requests failed (${(rate * 100).toFixed(3)} %), statuses ${JSON.stringify(stats.statuses)}, socket errors ${stats.socketErrors}, p99 ${stats.latency.p99.toFixed(1)} ms, HAProxy marked it down ${markedDown} time(s), retried ${afterwards.retries - before.retries} and redispatched ${afterwards.redispatches - before.redispatches}; supervisor restarted it after ${((restartedAt - killed.at) / 1000).toFixed(1)} s, ready again ${((readyAt - killed.at) / 1000).toFixed(1)} s after the kill`);
    // HAProxy saw the process go: its checks marked it down, or it sent requests meant for it to
    // the other (a restart within two checks, 2 s, is not marked down). Then it takes it back.
    assert.ok(markedDown > 0 || resent > 0, `HAProxy neither marked api-1 down nor re-sent a request (${JSON.stringify({ before, afterwards })})`);
    await waitFor('HAProxy to take api-1 back', async () => ((await haproxyServer(cluster, 'api-1')).status === 'UP' ? true : undefined), 30_000, 250);
    assert.ok(served > total * 0.9, `only ${served} of ${total} requests answered 200: ${JSON.stringify(stats.statuses)} ${stats.errorSamples.slice(0, 5).join('; ')}`);
    assert.ok(rate < 0.01, `client error rate ${(rate * 100).toFixed(2)} % (${errors} of ${total}): ${JSON.stringify(stats.statuses)} ${stats.errorSamples.slice(0, 5).join('; ')}`);
  });
});
