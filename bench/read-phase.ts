// The worker's read phase of the two historical loads, in this process, no services: the real
// file streamed, parsed, its rows validated and staged on disk (stageRead), then every staged
// series read back (as publishStaged does). CPU time (user + system) per file, median of N runs,
// and the garbage collector's share (PerformanceObserver 'gc' entries).
//
//   node --expose-gc bench/read-phase.ts [--runs N]   (prints Markdown; N default 5)
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { readEcdc } from '../src/pipeline/sources/ecdc.ts';
import { SeriesStage, stageRead } from '../src/pipeline/sources/stage-read.ts';
import { readWho } from '../src/pipeline/sources/who.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const gc = (globalThis as { gc?: () => void }).gc;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const root = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-read-'));
console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}; median of ${runs} runs.\n`);
console.log('| file | read + stage CPU | series read back CPU | GC in both | rows | runs (read + stage, ms) |\n|---|---|---|---|---|---|');
try {
  for (const [name, source, file, read] of [
    ['ECDC final', 'ecdc', SOURCE_FILES.ecdcFinal, readEcdc],
    ['WHO daily', 'who', SOURCE_FILES.whoDaily, readWho],
  ] as const) {
    const staging: number[] = [];
    const back: number[] = [];
    const gcs: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      gc?.();
      await new Promise((resolve) => setImmediate(resolve)); // the forced collection's entry lands before counting
      const gcBefore = gcMs;
      const before = cpuMs();
      const stage = SeriesStage.create(source, root);
      const staged = await stageRead(source, read(createReadStream(file)), stage);
      const mid = cpuMs();
      for (const country of stage.countries()) stage.series(country);
      const after = cpuMs();
      await new Promise((resolve) => setImmediate(resolve));
      stage.remove();
      staging.push(mid - before);
      back.push(after - mid);
      gcs.push(gcMs - gcBefore);
      rows = staged.stats.rows;
    }
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`| ${name} | ${ms(median(staging))} | ${ms(median(back))} | ${ms(median(gcs))} | ${rows.toLocaleString('en-US')} | ${staging.map((t) => t.toFixed(0)).join(', ')} |`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
