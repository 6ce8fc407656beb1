// The worker's read phase of the two historical loads, in this process, no services: the real
// file streamed, parsed, its rows validated and staged on disk (stageRead), then every staged
// series read back (as publishStaged does). CPU time (user + system) per file and the garbage
// collector's share (PerformanceObserver 'gc' entries); median of N runs.
//
//   --runs N        runs (default 5)
//   --baseline REF  each run twice, alternately, each in a fresh process: the read phase of
//                   commit REF (a checkout of it with this file copied in) and this tree's; ratios
//                   of the medians
//   --flags "..."   node flags of those processes (e.g. the worker's --max-old-space-size=256)
//
//   node --expose-gc bench/read-phase.ts [--runs N] [--baseline REF] [--flags "..."]   (prints Markdown)
import { execFileSync } from 'node:child_process';
import { copyFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readEcdc } from '../src/pipeline/sources/ecdc.ts';
import { SeriesStage, stageRead } from '../src/pipeline/sources/stage-read.ts';
import { readWho } from '../src/pipeline/sources/who.ts';
import { SOURCE_FILES } from '../test/support/source-content.ts';
import { checkout } from './checkout.ts';
import { loadAverage, median } from './stats.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs') ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One run of a file: CPU of read + stage, of reading the series back, GC during both. */
interface FileRun {
  stageMs: number;
  backMs: number;
  gcMs: number;
  rows: number;
}
type Run = Record<'ecdc' | 'who', FileRun>;

let gcTotal = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcTotal += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function run(): Promise<Run> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-read-'));
  try {
    const result: Partial<Run> = {};
    for (const [source, file, read] of [
      ['ecdc', SOURCE_FILES.ecdcFinal, readEcdc],
      ['who', SOURCE_FILES.whoDaily, readWho],
    ] as const) {
      gc?.();
      await new Promise((resolve) => setImmediate(resolve)); // the forced collection's entry lands before counting
      const gcBefore = gcTotal;
      const before = cpuMs();
      const stage = SeriesStage.create(source, root);
      const staged = await stageRead(source, read(createReadStream(file)), stage);
      const mid = cpuMs();
      for (const country of stage.countries()) stage.series(country);
      const after = cpuMs();
      await new Promise((resolve) => setImmediate(resolve));
      stage.remove();
      result[source] = { stageMs: mid - before, backMs: after - mid, gcMs: gcTotal - gcBefore, rows: staged.stats.rows };
    }
    return result as Run;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function runInProcess(script: string, flags: string[]): Run {
  const out = execFileSync(process.execPath, ['--expose-gc', ...flags, script, '--child'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

if (args.includes('--child')) {
  console.log(JSON.stringify(await run()));
} else {
  const flags = (option('--flags') ?? '').split(' ').filter(Boolean);
  const ref = option('--baseline');
  console.log(`Machine: ${os.availableParallelism()} vCPU, Node ${process.versions.node}, load average ${loadAverage()}; ${new Date().toISOString()}; ${runs} runs${ref ? ' each' : ''}, each in a fresh process${flags.length ? ` (${flags.join(' ')})` : ''}.\n`);
  const base = ref ? checkout(ref) : undefined;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  try {
    if (base) copyFileSync(fileURLToPath(import.meta.url), path.join(base.dir, 'bench', 'read-phase.ts'));
    const trees = base ? [{ name: `baseline ${base.commit}`, script: path.join(base.dir, 'bench', 'read-phase.ts') }] : [];
    trees.push({ name: base ? 'this tree' : 'run', script: fileURLToPath(import.meta.url) });
    const results = new Map(trees.map((t) => [t.name, [] as Run[]]));
    console.log('| run | ECDC final: read + stage CPU (series back, GC) | WHO daily: read + stage CPU (series back, GC) |\n|---|---|---|');
    const show = (r: FileRun) => `${ms(r.stageMs)} (${ms(r.backMs)}, ${ms(r.gcMs)})`;
    for (let i = 1; i <= runs; i++) {
      for (const tree of trees) {
        const r = runInProcess(tree.script, flags);
        results.get(tree.name)!.push(r);
        console.log(`| ${i}, ${tree.name} | ${show(r.ecdc)} | ${show(r.who)} |`);
      }
    }
    const medians = (rs: Run[], source: 'ecdc' | 'who') => ({
      stageMs: median(rs.map((r) => r[source].stageMs)),
      backMs: median(rs.map((r) => r[source].backMs)),
      gcMs: median(rs.map((r) => r[source].gcMs)),
      rows: rs[0]![source].rows,
    });
    console.log('');
    for (const tree of trees) {
      const rs = results.get(tree.name)!;
      console.log(`Median, ${tree.name}: ECDC ${show(medians(rs, 'ecdc'))}, WHO ${show(medians(rs, 'who'))} (${medians(rs, 'ecdc').rows.toLocaleString('en-US')} / ${medians(rs, 'who').rows.toLocaleString('en-US')} rows).`);
    }
    if (base) {
      const [b, a] = trees.map((t) => results.get(t.name)!);
      const ratio = (source: 'ecdc' | 'who') => (medians(a!, source).stageMs + medians(a!, source).backMs) / (medians(b!, source).stageMs + medians(b!, source).backMs);
      console.log(`This tree / baseline, read + stage + series back CPU: ECDC **${ratio('ecdc').toFixed(2)}×**, WHO **${ratio('who').toFixed(2)}×**; load average after: ${loadAverage()}.`);
    }
  } finally {
    base?.remove();
  }
}
