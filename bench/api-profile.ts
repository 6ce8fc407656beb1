// Reads the .cpuprofile files `node --cpu-prof` wrote (bench/api-vs-node.ts --profile DIR) and
// prints where the busy time went: self time by function and by origin (our code, each
// package, Node's internals), idle and garbage collection apart.
//
//   node bench/api-profile.ts DIR [--top 30]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: node bench/api-profile.ts DIR');

function origin(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  const src = /\/(src\/.*)$/.exec(url);
  return src ? src[1]! : url;
}

const byFunction = new Map<string, number>();
const byOrigin = new Map<string, number>();
let total = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)!;
    const us = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = origin(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${where}${url && !url.startsWith('node:') ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + us);
    total += us;
  });
}
const idle = byOrigin.get('(idle)') ?? 0;
const busy = total - idle;
const show = (map: Map<string, number>, top: number) =>
  [...map]
    .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled\n\nby origin (self time, share of busy):\n${show(byOrigin, 25)}`);
console.log(`\nby function (self time):\n${show(byFunction, Number(values.top))}`);
