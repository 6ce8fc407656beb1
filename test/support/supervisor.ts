// A separate supervisord instance (infra/supervise.sh with its own SUPERVISOR_HOME and log
// directory) running process roles with a test environment's configuration, so tests can kill
// them and watch the supervisor bring them back. The stack's own supervisor (the services) is
// reached with `stackSupervisor()`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../src/platform/config.ts';
import { repoRoot } from './paths.ts';
import { configEnv } from './processes.ts';

const exec = promisify(execFile);
const script = path.join(repoRoot, 'infra/supervise.sh');

export type Program = 'postgres' | 'clickhouse' | 'kafka' | 'api' | 'worker' | 'sink';

export class SupervisorInstance {
  readonly home: string | undefined;
  readonly logs: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv, home: string | undefined, logs: string) {
    this.#env = env;
    this.home = home;
    this.logs = logs;
  }

  async run(...args: string[]): Promise<string> {
    const { stdout } = await exec(script, args, { cwd: repoRoot, env: this.#env, timeout: 240_000 });
    return stdout.trim();
  }

  start(...programs: Program[]): Promise<string> {
    return this.run('start', ...programs);
  }

  async pid(program: Program): Promise<number | undefined> {
    const out = await this.run('pid', program).catch(() => '');
    return out ? Number(out) : undefined;
  }

  state(program: Program): Promise<string> {
    return this.run('state', program);
  }

  status(program: Program): Promise<string> {
    return this.run('status', program);
  }

  /** The supervisor's JSON lines (.../supervision.log), parsed. */
  events(): Record<string, unknown>[] {
    let text = '';
    try {
      text = readFileSync(path.join(this.logs, 'supervision.log'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The text of a program's log (e.g. 'sink.log'). */
  log(file: string): string {
    try {
      return readFileSync(path.join(this.logs, file), 'utf8');
    } catch {
      return '';
    }
  }

  /** The listener's Prometheus metrics (its port is written into SUPERVISOR_HOME/metrics.port). */
  async metrics(): Promise<string> {
    const port = readFileSync(path.join(this.home ?? path.join(repoRoot, '.data/supervisor'), 'metrics.port'), 'utf8').trim();
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  }

  /** Stops every program and supervisord, then removes its directory (a test instance only). */
  async shutdown(): Promise<void> {
    await this.run('shutdown').catch(() => undefined);
    if (this.home) rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * A new supervisord for roles with `config` (plus `overrides`); its socket, state and logs in a
 * temporary directory, metrics on any free port, `startRetries` quick retries before FATAL.
 */
export function testSupervisor(config: Config, overrides: Record<string, string> = {}, startRetries = 8): SupervisorInstance {
  const home = mkdtempSync(path.join(tmpdir(), 'covid-sup-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...configEnv(config, overrides),
    SUPERVISOR_HOME: home,
    SUPERVISOR_LOGS: path.join(home, 'logs'),
    SUPERVISOR_METRICS_PORT: '0',
    SUPERVISOR_START_RETRIES: String(startRetries),
  };
  return new SupervisorInstance(env, home, env.SUPERVISOR_LOGS);
}

/** The stack's own supervisor (the one `infra/stack.sh up` started in this checkout). */
export function stackSupervisor(): SupervisorInstance {
  return new SupervisorInstance({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' }, undefined, path.join(repoRoot, '.data/logs'));
}
