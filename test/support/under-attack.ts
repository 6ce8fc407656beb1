// Honest clients' latency with and without an attack, in the same test (issue 12's "Done when":
// every attack answer small and 4xx/429/503, honest latency within 2x of normal while it runs).
//
// The attack runs on a worker thread of its own (this file is also its entry point), so the
// attacker's event loop, busy with thousands of answers a second, does not delay the honest
// clients' timers and reads in the test's thread: what the honest figures show is the server.
//
// Honest clients: an open loop (requests on schedule, latency from the moment each was due) at
// a modest rate on a few keep-alive connections, with keys of their own, well within the per-key
// rate limit: the answer cached by the server (/cases?country=RU) and a ClickHouse query each time
// (/v1/daily?country=DE over a range that changes with every request), tagged apart: the first
// shows the server's event loop, the second ClickHouse and the query path.
import assert from 'node:assert/strict';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isoDay } from './api-seed.ts';
import { closedLoad, median, ms, openLoad, type LoadStats, type Percentiles, type RequestSpec } from './load-generator.ts';

/** Loopback address number n (127.0.0.0/8 is all loopback: as many client addresses as wanted). */
export function loopbackAddress(n: number): string {
  return `127.${1 + ((n >> 14) & 127)}.${(n >> 7) & 127}.${1 + (n & 127)}`;
}

/** An attack as plain data (it crosses to the worker): request i is specs[i % specs.length]. */
export interface AttackPlan {
  port: number;
  durationMs: number;
  specs: RequestSpec[];
  /** Open loop at `rate` a second, or closed loop on `connections`. */
  rate?: number;
  connections?: number;
  /** Open loop: at most this many connections (default 256, all opened before the clock starts). */
  maxConnections?: number;
  /** Each request on a new connection from a new loopback address (many clients, not one). */
  newClientPerRequest?: boolean;
  /** Otherwise every connection from this loopback address (default 127.1.0.1: not the honest clients' 127.0.0.1). */
  address?: string;
}

function runPlan(plan: AttackPlan): Promise<LoadStats> {
  const spec = (i: number) => plan.specs[i % plan.specs.length]!;
  const address = plan.address ?? loopbackAddress(0);
  if (plan.connections !== undefined) {
    return closedLoad({ port: plan.port, connections: plan.connections, durationMs: plan.durationMs, request: (c, i) => spec(c * 7_919 + i), localAddress: () => address });
  }
  const maxConnections = plan.maxConnections ?? 256;
  return openLoad({
    port: plan.port,
    rate: plan.rate ?? 1_000,
    durationMs: plan.durationMs,
    request: spec,
    maxConnections,
    // Exports admitted near the end would hold the attack (and the test) for seconds more.
    abandonAfterMs: 300,
    ...(plan.newClientPerRequest
      ? { connectionPerRequest: true, localAddress: (n: number) => loopbackAddress(n + 1) }
      : { warmConnections: maxConnections, localAddress: () => address }),
  });
}

/** Runs the plan on a worker thread; resolves with the attack's own figures. */
export function launchAttack(plan: AttackPlan): Promise<LoadStats> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { attackPlan: plan } });
    let result: LoadStats | undefined;
    worker.once('message', (stats: LoadStats) => (result = stats));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the attack worker exited with ${code} and no figures`))));
  });
}

if (!isMainThread && (workerData as { attackPlan?: AttackPlan } | null)?.attackPlan) {
  const stats = await runPlan((workerData as { attackPlan: AttackPlan }).attackPlan);
  parentPort!.postMessage(stats);
}

// ---------------------------------------------------------------------------------------------
// Honest clients

export const HONEST_RATE = 100;
const FIRST_DAY = Date.parse('2020-01-03T00:00:00Z');
/** Honest range questions asked so far in this process: each asks a range not asked before. */
let asked = 0;

export interface HonestStats {
  all: LoadStats;
  /** Latency by kind: 'cached' (/cases?country=RU) and 'query' (/v1/daily?country=DE, a new range each time). */
  cached: Percentiles;
  query: Percentiles;
}

/** `durationMs` of honest traffic at HONEST_RATE on 4 connections, keys taken in turn. */
export async function honestLoad(port: number, keys: readonly string[], durationMs: number, days = 900): Promise<HonestStats> {
  const all = await openLoad({
    port,
    rate: HONEST_RATE,
    durationMs,
    warmConnections: 4,
    maxConnections: 4,
    request: (i) => {
      const headers = { 'x-key': keys[i % keys.length]! };
      if (i % 2 === 0) return { path: '/cases?country=RU', headers, tag: 'cached' };
      const n = asked++;
      const from = n % (days - 90);
      const length = 30 + (Math.floor(n / (days - 90)) % 60);
      return { path: `/v1/daily?country=DE&start=${isoDay(FIRST_DAY + from * 86_400_000)}&end=${isoDay(FIRST_DAY + (from + length) * 86_400_000)}`, headers, tag: 'query' };
    },
  });
  return { all, cached: all.latencyByTag.cached!, query: all.latencyByTag.query! };
}

export interface AttackOutcome {
  /** Honest figures alone and under attack, one pair per round. */
  before: HonestStats[];
  during: HonestStats[];
  /** The attack's own figures, one per round. */
  attacks: LoadStats[];
}

/**
 * `rounds` times: honest latency alone, then with the attack running (started, given `rampMs` to
 * reach its rate, and outlasting the honest measurement). Rounds, so that a stall of the shared
 * machine in one window does not decide the comparison (assertHonestWithin2x takes medians).
 */
export async function underAttack(
  port: number,
  keys: readonly string[],
  plan: Omit<AttackPlan, 'port' | 'durationMs'>,
  { rounds = 3, measureMs = 1_500, rampMs = 300 } = {},
): Promise<AttackOutcome> {
  const outcome: AttackOutcome = { before: [], during: [], attacks: [] };
  await honestLoad(port, keys, 500);
  for (let round = 0; round < rounds; round++) {
    outcome.before.push(await honestLoad(port, keys, measureMs));
    const attack = launchAttack({ ...plan, port, durationMs: rampMs + measureMs + 200 });
    await new Promise((resolve) => setTimeout(resolve, rampMs));
    outcome.during.push(await honestLoad(port, keys, measureMs));
    outcome.attacks.push(await attack);
  }
  return outcome;
}

/**
 * The honest percentile compared: the median. On this 2-core machine shared with other test runs
 * the p90 of honest latency alone moved between 3 and 61 ms from one run to the next with the
 * same code (the OS not running the server for tens of milliseconds at a time), the p50 between
 * 1.2 and 2.7 ms; the p50 is what an attack moves and the machine does not.
 */
export const COMPARED = 'p50';

/** Median over the rounds of the honest COMPARED percentile, by kind. */
export function honestMedian(stats: readonly HonestStats[], kind: 'cached' | 'query'): number {
  return median(stats.map((s) => s[kind][COMPARED]));
}

export function describeHonest(label: string, stats: readonly HonestStats[]): string {
  const p = (kind: 'cached' | 'query') => stats.map((x) => `${ms(x[kind].p50)}/${ms(x[kind].p90)}`).join(', ');
  return `${label} (p50/p90 per round): cached ${p('cached')}; query ${p('query')}`;
}

/**
 * The honest clients got only 200s, and the median over the rounds of their COMPARED latency of
 * each kind under attack is within 2x of alone (plus 1 ms: the open loop's timer ticks every
 * millisecond, a request may be sent up to that late).
 */
export function assertHonestWithin2x({ before, during }: Pick<AttackOutcome, 'before' | 'during'>, what: string): void {
  for (const stats of [...before, ...during]) {
    assert.deepEqual(Object.keys(stats.all.statuses), ['200'], `${what}: honest answers ${JSON.stringify(stats.all.statuses)}`);
    assert.equal(stats.all.socketErrors, 0, `${what}: honest socket errors`);
  }
  for (const kind of ['cached', 'query'] as const) {
    const normal = honestMedian(before, kind);
    const attacked = honestMedian(during, kind);
    assert.ok(attacked <= 2 * normal + 1, `${what}: honest ${kind} ${COMPARED} ${ms(attacked)} under attack, ${ms(normal)} alone (medians of the rounds; bound 2x + 1 ms)`);
  }
}

/** Every attack answer has one of `statuses`, and those that must be small are at most 16 KiB. */
export function assertAttackAnswers(attacks: readonly LoadStats[], statuses: readonly number[], what: string, large: readonly number[] = []): void {
  for (const attack of attacks) {
    assert.ok(attack.requests > 0, `${what}: no attack answers`);
    assert.equal(attack.socketErrors, 0, `${what}: socket errors ${attack.errorSamples.join('; ')}`);
    for (const status of Object.keys(attack.statuses).map(Number)) {
      assert.ok(statuses.includes(status), `${what}: attack answered ${status} (${JSON.stringify(attack.statuses)})`);
      if (!large.includes(status)) assert.ok(attack.maxBytesByStatus[status]! <= 16 * 1024, `${what}: a ${status} of ${attack.maxBytesByStatus[status]} bytes`);
    }
    assert.deepEqual(attack.contractViolations, [], what);
  }
}
