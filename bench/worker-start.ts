// The worker's start: from spawning `covid-etl worker` (a fresh environment, so its first start
// creates the run) to its first task's claim ('task started' in its log), N times, with the
// times of its log lines on the way; --baseline REF alternates with a checkout of REF's worker.
//
//   node bench/worker-start.ts [--runs N] [--baseline REF]   (prints Markdown)
import os from 'node:os';
import { createTestEnvironment } from '../test/support/environment.ts';
import { startRole } from '../test/support/processes.ts';
import { waitFor } from '../test/support/wait.ts';
import { checkout } from './checkout.ts';
import { loadAverage, median } from './stats.ts';

interface Start {
  /** Spawn → first task claimed. */
  claimMs: number;
  /** Spawn → each milestone of the log, in order. */
  milestones: string;
}

async function start(root?: string): Promise<Start> {
  const env = await createTestEnvironment({ kafka: true, overrides: { LOG_LEVEL: 'info' } });
  const spawned = Date.now();
  const worker = startRole('worker', env.config, root ? { root } : {});
  try {
    await waitFor('the worker claims its first task', () => worker.output().includes('"task started"'), 60_000, 50);
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { time: string; msg: string })
      .map((line) => ({ msg: line.msg, ms: Date.parse(line.time) - spawned }));
    const claimed = lines.find((l) => l.msg === 'task started')!;
    return { claimMs: claimed.ms, milestones: lines.filter((l) => l.ms <= claimed.ms).map((l) => `${l.msg} ${l.ms}`).join('; ') };
  } finally {
    await worker.stop();
    await env.cleanup();
  }
}

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const baselineRef = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;

console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}.\n`);
console.log('| run | worker | spawn → first claim | log lines (ms after spawn) |\n|---|---|---|---|');
const base = baselineRef ? checkout(baselineRef) : undefined;
const times = new Map<string, number[]>();
try {
  for (let i = 1; i <= runs; i++) {
    for (const [name, root] of base ? ([[`baseline ${base.commit}`, base.dir], ['this tree', undefined]] as const) : ([['this tree', undefined]] as const)) {
      const result = await start(root);
      times.set(name, [...(times.get(name) ?? []), result.claimMs]);
      console.log(`| ${i} | ${name} | ${result.claimMs} ms | ${result.milestones} |`);
    }
  }
} finally {
  base?.remove();
}
console.log(`\nLoad average after: ${loadAverage()}.`);
for (const [name, ms] of times) console.log(`Median, ${name}: **${median(ms)} ms**.`);
if (base) {
  const [b, a] = [...times.values()];
  console.log(`This tree / baseline: **${(median(a!) / median(b!)).toFixed(2)}×**.`);
}
