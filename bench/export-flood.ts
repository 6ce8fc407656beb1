// Where honest clients lose time under an export flood (issue 12, docs/security.md): the attack of
// test/faults-slow/attacks.test.ts ("export floods") against `covid-etl serve` as its own process,
// honest clients alone and under attack (test/support/under-attack.ts), with the CPU seconds each
// party used meanwhile: the API process, ClickHouse (the server on CLICKHOUSE_URL's port) and this
// process (honest clients and the attacker's worker thread).
//   node bench/export-flood.ts [--rounds N] [--env NAME=VALUE ...] [--paths P,P] [--profile DIR] [--baseline REF]
// --env: extra variables for the API process (EXPORT_CONCURRENCY=2, say); --paths: what the
// attackers ask (default the attack test's JSON and CSV exports); --profile: the API's CPU
// profile (--cpu-prof) into DIR; --baseline REF: the API of another commit measured first, in the
// same run on the same stores and keys (from its own checkout). One JSON line per API measured.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COUNTRY_CODES } from '../src/domain/countries.ts';
import { checkout } from './checkout.ts';
import { startApiServer, cpuSeconds } from '../test/support/api-process.ts';
import { seedDaily, seedUsers } from '../test/support/api-seed.ts';
import { createTestEnvironment } from '../test/support/environment.ts';
import { median } from '../test/support/load-generator.ts';
import { honestMedian, underAttack } from '../test/support/under-attack.ts';

const { values } = parseArgs({ options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '3' }, paths: { type: 'string', default: '/v1/daily,/v1/daily?format=csv' }, env: { type: 'string', multiple: true, default: [] }, profile: { type: 'string' } } });
const extraEnv = Object.fromEntries(values.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
if (values.profile) extraEnv.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${values.profile}`;

/** The pid of the process listening on a TCP port (from /proc/net/tcp and the fds). */
function listenerPid(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const match = /socket:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match && inodes.has(match[1]!)) return Number(pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}
const env = await createTestEnvironment();
const countries = ['RU', 'DE', ...[...COUNTRY_CODES].filter((c) => c !== 'RU' && c !== 'DE')].slice(0, 60);
await seedDaily(env.config, countries, 1_000);
const honestKeys = (await seedUsers(env.config, 4, 'honest password', 'honest')).map((u) => u.key);
const attackerKeys = (await seedUsers(env.config, 16, 'attacker password', 'attacker')).map((u) => u.key);
const clickhousePid = listenerPid(Number(new URL(env.config.CLICKHOUSE_URL.split(',')[0]!).port || 8123));
const specs = attackerKeys.flatMap((key) => values.paths.split(',').map((path) => ({ path, headers: { 'x-key': key } })));

/** One API (this checkout's, or `root`'s) under the flood, its figures as one JSON line. */
async function measure(label: string, root?: string): Promise<void> {
  const server = await startApiServer(env.config, extraEnv, root);
  const cpu = () => ({ api: cpuSeconds(server.proc.pid), clickhouse: clickhousePid ? cpuSeconds(clickhousePid) : NaN, self: cpuSeconds('self') });
  try {
    const before = cpu();
    const started = performance.now();
    const outcome = await underAttack(server.port, honestKeys, { rate: 50, maxConnections: 64, specs }, { rounds: Number(values.rounds) });
    const seconds = (performance.now() - started) / 1_000;
    const after = cpu();
    const ratio = (kind: 'cached' | 'query') => honestMedian(outcome.during, kind) / honestMedian(outcome.before, kind);
    console.log(
      JSON.stringify({
        api: label,
        env: extraEnv,
        paths: values.paths,
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
        honestP50Alone: { cached: honestMedian(outcome.before, 'cached'), query: honestMedian(outcome.before, 'query') },
        honestP50UnderAttack: { cached: honestMedian(outcome.during, 'cached'), query: honestMedian(outcome.during, 'query') },
        ratio: { cached: ratio('cached'), query: ratio('query') },
        honestP90UnderAttack: median(outcome.during.map((s) => s.cached.p90)),
        honestStatusesUnderAttack: outcome.during.map((s) => s.all.statuses),
        attackStatuses: outcome.attacks.map((a) => a.statuses),
        cpuSecondsPerSecond: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - before[k as keyof typeof before]) / seconds])),
        seconds,
      }),
    );
  } finally {
    await server.proc.stop('SIGTERM');
  }
}

try {
  if (values.baseline) {
    const base = checkout(values.baseline);
    try {
      await measure(`baseline ${base.commit}`, base.dir);
    } finally {
      base.remove();
    }
  }
  await measure('this checkout');
} finally {
  await env.cleanup();
}
