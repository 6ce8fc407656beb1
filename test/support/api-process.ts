// The API as its own process for the load tests and benches: started on a free loopback port,
// measured from /proc (CPU seconds, resident memory sampled over time), its /metrics read, and
// held to a CPU quota where cgroup v1 is writable.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/platform/config.ts';
import { freePort } from './ports.ts';
import { startRole, type RoleProcess } from './processes.ts';

export interface ApiServer {
  proc: RoleProcess;
  port: number;
  /** Resident memory now, MiB (from /proc; NaN once the process is gone). */
  rssMiB(): number;
  alive(): boolean;
}

/** `covid-etl serve` on a free loopback port, once /readyz answers 200. */
export async function startApiServer(config: Config, env: Record<string, string> = {}, root?: string): Promise<ApiServer> {
  const port = await freePort();
  // One process unless asked: the load tests measure and limit (cgroup) the process by its pid.
  // `root`: another checkout to run it from (a benchmark's baseline).
  const proc = startRole('serve', config, { env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', API_PROCESSES: '1', ...env }, ...(root ? { root } : {}) });
  const server: ApiServer = {
    proc,
    port,
    rssMiB: () => rssMiB(proc.pid),
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
  };
  for (let i = 0; ; i++) {
    if (!server.alive()) throw new Error(`the API exited at start:\n${proc.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return server;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`the API did not become ready:\n${proc.output()}`);
    await sleep(100);
  }
}

/** CPU seconds (user + system) a process has used so far (NaN once it is gone). */
export function cpuSeconds(pid: number | 'self'): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * One sample of a Prometheus metric from the server's /metrics (the sum over its label sets). An
 * overloaded server sheds /metrics like any request (a 503 whose body holds no metric, once read
 * as 0 shed), so a 503 is asked again until the backlog has drained; any other status throws.
 */
export async function metric(port: number, name: string, patienceMs = 15_000): Promise<number> {
  const deadline = Date.now() + patienceMs;
  let answer = await fetch(`http://127.0.0.1:${port}/metrics`);
  while (answer.status === 503 && Date.now() < deadline) {
    await answer.arrayBuffer();
    await sleep(200);
    answer = await fetch(`http://127.0.0.1:${port}/metrics`);
  }
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${text.slice(0, 200)}`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Puts a process under a CPU quota (a cgroup v1 `cpu` group of its own, as root), so that twice
 * what it can sustain is within the reach of a load generator on the same small machine. Returns
 * the cleanup (remove the group once the process has ended), or null where cgroups are not
 * writable.
 */
export function limitCpu(pid: number, cores: number): (() => void) | null {
  const root = '/sys/fs/cgroup/cpu';
  const group = `${root}/covid-etl-test-${pid}`;
  try {
    if (!existsSync(`${root}/cgroup.procs`)) return null;
    mkdirSync(group);
    // The shortest quota the kernel takes (1 ms) in the shortest period that gives `cores`: the
    // process is held back in slices of a few milliseconds, not tens.
    writeFileSync(`${group}/cpu.cfs_period_us`, String(Math.round(1_000 / cores)));
    writeFileSync(`${group}/cpu.cfs_quota_us`, '1000');
    writeFileSync(`${group}/cgroup.procs`, String(pid));
  } catch {
    try {
      rmdirSync(group);
    } catch {
      // never made
    }
    return null;
  }
  return () => {
    try {
      rmdirSync(group);
    } catch {
      // still has a process: the group is left for the machine to clean
    }
  };
}

export function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return NaN;
  }
}

export interface RssSampler {
  /** Stops sampling and returns the samples (MiB, one per interval). */
  stop(): number[];
}

export function sampleRss(pid: number, everyMs: number): RssSampler {
  const samples: number[] = [rssMiB(pid)];
  const timer = setInterval(() => samples.push(rssMiB(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMiB(pid));
      return samples;
    },
  };
}

/** Least-squares slope of the samples, per sample. */
export function slope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}
