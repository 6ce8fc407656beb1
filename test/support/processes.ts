// The system's process roles (worker, sink, api) as real child processes of a test, started
// with a test environment's configuration, so tests can stop them (SIGTERM) or kill them
// (SIGKILL) by their own pids. Output is kept for assertions and failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import type { Config } from '../../src/platform/config.ts';
import { repoRoot } from './paths.ts';

export type Role = 'worker' | 'sink' | 'serve' | 'run' | 'runs' | 'migrate';

export interface RoleProcess {
  role: Role;
  child: ChildProcess;
  pid: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** The environment that makes a child use exactly this configuration. */
export function configEnv(config: Config, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    env[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return { ...env, ...overrides };
}

/** `root`: another checkout of the project to run the role from (a benchmark's baseline). */
export function startRole(role: Role, config: Config, options: { args?: string[]; env?: Record<string, string>; root?: string } = {}): RoleProcess {
  const root = options.root ?? repoRoot;
  const child = spawn(process.execPath, [path.join(root, 'src/cli/main.ts'), role, ...(options.args ?? [])], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...configEnv(config, options.env) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    role,
    child,
    pid: child.pid!,
    output: () => text,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a CLI command to its end and returns its exit code and output. */
export async function runCli(args: [Role, ...string[]], config: Config, env: Record<string, string> = {}, timeoutMs = 300_000): Promise<{ code: number | string; output: string }> {
  const [role, ...rest] = args;
  const proc = startRole(role, config, { args: rest, env });
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await proc.exited;
    return { code, output: proc.output() };
  } finally {
    clearTimeout(timer);
  }
}
