// The native stack's supervisor (infra/supervise.sh: supervisord + infra/supervisor/events.py)
// on real roles: a role killed with SIGKILL runs again, the restart is logged as JSON, counted in
// `status` and in Prometheus; a role that cannot start backs off, says why, and is tried again
// later instead of spinning. A separate supervisord instance runs the roles with this file's
// own databases and topics (test/support/supervisor.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { testSupervisor, type SupervisorInstance } from '../../support/supervisor.ts';
import { waitFor } from '../../support/wait.ts';

describe('supervision of the process roles', () => {
  let env: TestEnvironment;
  const instances: SupervisorInstance[] = [];

  before(async () => {
    env = await createTestEnvironment({ kafka: true });
  });
  after(async () => {
    await Promise.all(instances.map((s) => s.shutdown()));
    await env.cleanup();
  });

  it('a sink killed with SIGKILL runs again; the exit and restart are logged, counted and exported', async () => {
    const supervisor = testSupervisor(env.config, { LOG_LEVEL: 'info' });
    instances.push(supervisor);
    await supervisor.start('sink');
    const first = await supervisor.pid('sink');
    assert.ok(first);
    // The role is visible as itself in `ps`.
    assert.equal(readFileSync(`/proc/${first}/cmdline`, 'utf8').replace(/\0+$/, ''), 'bin/covid-etl sink');

    const killed = Date.now();
    process.kill(first, 'SIGKILL');
    const second = await waitFor('the sink to run again', async () => {
      const pid = await supervisor.pid('sink');
      return pid && pid !== first && (await supervisor.state('sink')) === 'RUNNING' ? pid : undefined;
    }, 60_000, 200, () => supervisor.log('supervision.log'));
    const backMs = Date.now() - killed;
    assert.ok(backMs < 60_000);

    const events = supervisor.events().filter((e) => e.process === 'sink');
    const exited = events.find((e) => e.msg === 'process exited unexpectedly');
    assert.match(String(exited?.exit), /terminated by SIGKILL/);
    assert.equal(exited?.process_pid, first);
    assert.ok(Array.isArray(exited?.last_lines) && (exited.last_lines as string[]).some((l) => l.includes('"name":"sink"')), 'the last lines of the sink log come with the exit');
    const restarting = events.find((e) => e.msg === 'process restarting');
    assert.deepEqual([restarting?.restarts, restarting?.from_state], [1, 'EXITED']);
    const running = events.filter((e) => e.msg === 'process running').at(-1);
    assert.equal(running?.process_pid, second);
    assert.equal(typeof running?.down_ms, 'number');

    assert.match(await supervisor.status('sink'), /^sink\s+RUNNING\s+pid=\d+\s+up [\d:]+\s+restarts=1 last exit: terminated by SIGKILL/);
    const metrics = await supervisor.metrics();
    assert.match(metrics, /^covid_etl_process_restarts_total\{process="sink"\} 1$/m);
    assert.match(metrics, /^covid_etl_process_running\{process="sink"\} 1$/m);
    assert.match(metrics, /^covid_etl_process_state\{process="sink",state="RUNNING"\} 1$/m);
    console.log(`# supervision: sink back ${backMs} ms after SIGKILL (supervisor's down_ms ${String(running?.down_ms)})`);
  });

  it('a worker that cannot start backs off, says why, gives up for a while, and is tried again', async () => {
    // Two quick retries, then 5 s before the listener tries again (30 s by default).
    const supervisor = testSupervisor(env.config, { WORKER_HEALTH_PORT: 'not-a-port', SUPERVISOR_REVIVE_FIRST_S: '5' }, 2);
    instances.push(supervisor);
    await assert.rejects(supervisor.start('worker'), (error: Error) => /worker: did not start under the supervisor/.test(error.message) && /WORKER_HEALTH_PORT/.test(error.message));

    const events = () => supervisor.events().filter((e) => e.process === 'worker');
    const fatal = await waitFor('the supervisor to give up for a while', () => events().find((e) => e.msg === 'process could not be started; trying again later'), 30_000);
    assert.equal(fatal.retry_in_s, 5);
    assert.match(String(fatal.exit), /exit status 78/);
    // The log's order, not its millisecond clock: the last backoff and the give-up come back to back.
    const logged = events();
    const gaveUp = logged.findIndex((e) => e.msg === 'process could not be started; trying again later');
    const backoffs = logged.slice(0, gaveUp).filter((e) => e.msg === 'process failed to start; backing off');
    assert.deepEqual(backoffs.map((e) => e.attempt), [1, 2, 3], 'the first attempt and two retries, 1 s and 2 s apart, each a backoff');
    assert.match(String(backoffs[0]?.exit), /exit status 78/);
    assert.ok((backoffs[0]?.last_lines as string[]).some((l) => l.includes('WORKER_HEALTH_PORT')), 'the reason comes from the worker log');

    // Not spinning: the next attempt comes only after the delay, and is logged as a restart.
    const revived = await waitFor('a new attempt after the delay', () => events().find((e) => e.msg === 'process restarting' && e.from_state === 'FATAL'), 30_000, 200, () => supervisor.log('supervision.log'));
    assert.ok(Number(revived.time) - Number(fatal.time) >= 4_900, `tried again ${Number(revived.time) - Number(fatal.time)} ms after giving up`);
    assert.match(await supervisor.metrics(), /^covid_etl_process_restarts_total\{process="worker"\} [3-9]$/m);
    await supervisor.run('stop', 'worker');
  });
});
