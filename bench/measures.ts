// Measures and places (SPEC 6.1) through the API, on the real files' store (ECDC's final release
// and WHO's daily file, ~251,000 rows; test/support/real-store.ts): the world's series and one
// region's (EUR, the most members), each with every measure, cold (nothing cached: a new data
// version each time) and cached (the same URL again), beside the baseline of one country's series
// with the same measures and of its plain rows, all in the same run.
// Run: node bench/measures.ts [--rounds N]   (results: docs/benchmarks.md, "Measures and places")
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadRealStore } from '../test/support/real-store.ts';
import { createApiTestContext } from '../test/integration/api/context.ts';
import { loadAverage, median } from './stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);
const FIELDS = 'country,date,cases,deaths,estimated,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths,countries';
const CASES = {
  'RU plain rows (baseline)': '/v1/daily?country=RU',
  'RU with measures': `/v1/daily?country=RU&fields=${FIELDS}`,
  'EUR with measures': `/v1/daily?country=EUR&fields=${FIELDS}`,
  'WORLD with measures': `/v1/daily?country=WORLD&fields=${FIELDS}`,
};

const ctx = await createApiTestContext({ overrides: { CLICKHOUSE_QUERY_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '60000' } });
try {
  const rows = await loadRealStore(ctx.clickhouse, ctx.config.CLICKHOUSE_DATABASE);
  const key = await ctx.register('bench');
  const time = async (url: string) => {
    const started = performance.now();
    const response = await ctx.app.inject({ url, headers: { 'x-key': key } });
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return { ms, bytes: response.rawPayload.length };
  };
  /**
   * A new data version, so nothing cached is current: one row rewritten with the same values, then
   * the parts merged (as in a settled store; a merge in the background would otherwise change the
   * version between the cold and the cached request).
   */
  const invalidate = async () => {
    await ctx.insertDaily([{ country: 'FO', date: '2020-03-01', cases: 0, deaths: 0 }]);
    await ctx.clickhouse.command({ query: `OPTIMIZE TABLE ${ctx.config.CLICKHOUSE_DATABASE}.daily FINAL` });
  };

  const results: Record<string, { cold: number[]; cached: number[]; bytes: number }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of Object.entries(CASES)) {
      await invalidate();
      const cold = await time(url);
      const cached = await time(url);
      const r = (results[name] ??= { cold: [], cached: [], bytes: cold.bytes });
      // The first round warms the process (JIT, connections): not counted.
      if (round > 0) {
        r.cold.push(cold.ms);
        r.cached.push(cached.ms);
      }
    }
  }
  const baseline = median(results['RU plain rows (baseline)']!.cold);
  console.log(`${new Date().toISOString()} ${os.cpus().length} CPU ${os.cpus()[0]?.model} load ${loadAverage()}`);
  console.log(`store: ${rows} rows; ${rounds - 1} counted rounds; times in ms (median, min..max)`);
  for (const [name, r] of Object.entries(results)) {
    const cold = median(r.cold);
    console.log(
      `${name.padEnd(26)} cold ${cold.toFixed(1)} (${Math.min(...r.cold).toFixed(1)}..${Math.max(...r.cold).toFixed(1)}) ` +
        `cached ${median(r.cached).toFixed(2)} (${Math.min(...r.cached).toFixed(2)}..${Math.max(...r.cached).toFixed(2)}) ` +
        `${(r.bytes / 1024).toFixed(0)} KiB, cold ${(cold / baseline).toFixed(1)}x baseline`,
    );
  }
} finally {
  await ctx.close();
}
