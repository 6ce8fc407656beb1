// A checkout of another commit beside this one, for a benchmark's before/after in one run
// (bench/pipeline.ts, bench/api-vs-node.ts --baseline <ref>).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../test/support/paths.ts';

/** A checkout of `ref` beside this one (its own files, this node_modules), removed by `remove`. */
export function checkout(ref: string): { dir: string; commit: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'covid-bench-baseline-'));
  rmSync(dir, { recursive: true });
  execFileSync('git', ['-C', repoRoot, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  const commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  return { dir, commit, remove: () => execFileSync('git', ['-C', repoRoot, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' }) };
}
