// Fault tier, slow set: every process of the native stack killed with SIGKILL in turn (sink,
// worker, api, ClickHouse, Kafka, PostgreSQL) comes back by itself under the supervisor, within
// 90 s, and the next run succeeds with every value right. The services are the stack's own
// (run by `infra/stack.sh up` under this checkout's supervisor); the roles run under a second
// supervisor instance with this test's databases, topics and source server
// (test/support/supervisor.ts). Nobody restarts anything: the test only kills and watches.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createClickHouse } from '../../src/platform/clickhouse.ts';
import { Admin } from '@platformatic/kafka';
import { FaultPipeline, expectedFirstRun, mergeExpected, report, seconds, subsetDataset, waitFor } from '../faults/harness.ts';
import { stackSupervisor, testSupervisor, type Program, type SupervisorInstance } from '../support/supervisor.ts';
import { freePort } from '../support/ports.ts';

const ROLES: Program[] = ['sink', 'worker', 'api'];
const SERVICES: Program[] = ['clickhouse', 'kafka', 'postgres'];
const LIMIT_MS = 90_000;


describe('faults: every process killed under the supervisor comes back by itself', async () => {
  const stack = stackSupervisor();
  const supervised = (await Promise.all(SERVICES.map((s) => stack.state(s).catch(() => '')))).every((state) => state === 'RUNNING');
  let p: FaultPipeline | undefined;
  let roles: SupervisorInstance | undefined;
  after(async () => {
    await roles?.shutdown();
    await p?.close();
  });

  it(
    'sink, worker, api, ClickHouse, Kafka, PostgreSQL SIGKILLed in turn: each runs and answers again within 90 s, then a run succeeds with every value right',
    { skip: !supervised && 'the services are not run by this checkout\'s supervisor (infra/stack.sh up)', timeout: 20 * 60_000 },
    async (t) => {
      p = await FaultPipeline.create({ dataset: subsetDataset(), overrides: { TASK_RETRIES: '3', SOURCE_TIMEOUT_MS: '60000', VERIFY_TIMEOUT_MS: '120000' } });
      const pipeline = p;
      const ports = { PORT: String(await freePort()), WORKER_HEALTH_PORT: String(await freePort()), SINK_HEALTH_PORT: String(await freePort()) };
      roles = testSupervisor(pipeline.config, { ...ports, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
      const supervisor = roles;
      const logs = () => ['supervision.log', 'api.log', 'worker.log', 'sink.log'].map((f) => `----- ${f}\n${supervisor.log(f).split('\n').slice(-40).join('\n')}`).join('\n');
      try {
        const { ecdc, who, weeks } = await expectedFirstRun(pipeline);
        await supervisor.start('sink', 'worker', 'api');
        // The worker's first start runs the pipeline: let it finish before the kills begin.
        const first = await pipeline.waitRunDone(await pipeline.firstRunId(60_000), 300_000);
        assert.equal(first.state, 'succeeded', first.error ?? '');

        const ready = (port: string) => async () => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3_000) })).ok;
        const answers: Record<Program, () => Promise<boolean>> = {
          api: ready(ports.PORT),
          worker: ready(ports.WORKER_HEALTH_PORT),
          sink: ready(ports.SINK_HEALTH_PORT),
          postgres: async () => {
            const client = new pg.Client({ connectionString: pipeline.config.DATABASE_URL, connectionTimeoutMillis: 3_000 });
            try {
              await client.connect();
              await client.query('SELECT 1');
              return true;
            } finally {
              await client.end().catch(() => undefined);
            }
          },
          clickhouse: async () => {
            const client = createClickHouse({ url: pipeline.config.CLICKHOUSE_URL, requestTimeoutMs: 3_000 });
            try {
              return (await client.ping()).success;
            } finally {
              await client.close();
            }
          },
          kafka: async () => {
            const admin = new Admin({ clientId: 'supervision-test', bootstrapBrokers: pipeline.config.KAFKA_BROKERS, retries: 0 });
            try {
              return (await admin.listTopics()).includes(pipeline.config.KAFKA_TOPIC);
            } finally {
              await admin.close().catch(() => undefined);
            }
          },
        };
        const allRolesReady = async () => (await Promise.all(ROLES.map((r) => answers[r]().catch(() => false)))).every(Boolean);
        await waitFor('every role ready', allRolesReady, 120_000, 500, logs);

        const measured: string[] = [];
        for (const target of ['sink', 'worker', 'api', 'clickhouse', 'kafka', 'postgres'] as const) {
          const owner = ROLES.includes(target) ? supervisor : stack;
          const pid = await owner.pid(target);
          assert.ok(pid, `${target} has a pid under the supervisor`);
          const killedAt = Date.now();
          process.kill(pid, 'SIGKILL');
          const newPid = await waitFor(`${target} to run again under the supervisor`, async () => {
            const now = await owner.pid(target);
            return now && now !== pid ? now : undefined;
          }, LIMIT_MS, 100, logs);
          const runningMs = Date.now() - killedAt;
          await waitFor(`${target} to answer again`, () => answers[target]().catch(() => false), LIMIT_MS, 250, logs);
          const answeringMs = Date.now() - killedAt;
          assert.ok(answeringMs < LIMIT_MS, `${target} answered ${answeringMs} ms after SIGKILL`);
          // Every role ready again (they ride through a service's restart or are restarted too).
          await waitFor(`every role ready after the ${target} kill`, allRolesReady, 180_000, 500, logs);
          const allReadyMs = Date.now() - killedAt;
          const line = `${target}: pid ${pid} -> ${newPid}, running again ${seconds(runningMs)}, answering ${seconds(answeringMs)}, every role ready ${seconds(allReadyMs)} after SIGKILL`;
          measured.push(line);
          report(`supervision: ${line}`);
        }

        // Restarts were counted, one per kill at least (a role may also have died with a service).
        const restarts: string[] = [];
        for (const target of [...ROLES, ...SERVICES]) {
          const line = await (ROLES.includes(target) ? supervisor : stack).status(target);
          const count = /restarts=(\d+)/.exec(line)?.[1];
          assert.ok(Number(count) >= 1, line);
          restarts.push(`${target} ${count}`);
        }
        report(`supervision: restarts counted by the supervisors: ${restarts.join(', ')}`);

        const runId = await pipeline.startRun();
        const run = await pipeline.waitRunDone(runId, 300_000);
        assert.equal(run.state, 'succeeded', run.error ?? '');
        await pipeline.waitSinkCaughtUp(120_000);
        await pipeline.assertDaily(mergeExpected(ecdc, who, weeks), 'after every process was killed once');
        await pipeline.assertHistoryTruthful();
        report(`supervision: the run after the kills succeeded; ${measured.length} processes killed, each back within ${LIMIT_MS / 1000} s`);
      } catch (error) {
        t.diagnostic(logs());
        throw error;
      }
    },
  );
});
