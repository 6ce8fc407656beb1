// The /summary numbers as the original computed them (SPEC 6), written here independently of
// the server's code: extremes at their earliest date, plain means, and least-squares slopes over
// the dates from latest - N to latest, both included.
import assert from 'node:assert/strict';

export interface SummaryRow {
  date: string;
  cases: number;
  deaths: number;
}


export interface ExpectedSummary {
  max_cases: { time: string; value: number };
  min_cases: { time: string; value: number };
  max_deaths: { time: string; value: number };
  min_deaths: { time: string; value: number };
  mean: { cases: number; deaths: number };
  trends: Record<'cases' | 'deaths', Record<'last_6_months' | 'last_year' | 'last_2_years', number | null>>;
}

const DAY = 86_400_000;

export function expectedSummary(rows: readonly SummaryRow[]): ExpectedSummary {
  const extreme = (metric: 'cases' | 'deaths', pick: (...values: number[]) => number) => {
    const values = rows.map((r) => r[metric]);
    const value = pick(...values);
    return { time: rows[values.indexOf(value)]!.date, value };
  };
  const average = (metric: 'cases' | 'deaths') => rows.reduce((sum, r) => sum + r[metric], 0) / rows.length;
  const latest = Date.parse(rows[rows.length - 1]!.date);
  // The original's window: rows whose date >= latest - N days (the first day included), then a
  // closed-form least-squares fit (numpy's polyfit of degree 1), x in days since latest - N.
  const trend = (metric: 'cases' | 'deaths', days: number) => {
    const origin = latest - days * DAY;
    const inWindow = rows.filter((r) => Date.parse(r.date) >= origin);
    if (inWindow.length < 2) return null;
    const xs = inWindow.map((r) => (Date.parse(r.date) - origin) / DAY);
    const ys = inWindow.map((r) => r[metric]);
    const n = xs.length;
    const sx = xs.reduce((a, b) => a + b, 0);
    const sy = ys.reduce((a, b) => a + b, 0);
    const sxy = xs.reduce((a, x, i) => a + x * ys[i]!, 0);
    const sxx = xs.reduce((a, x) => a + x * x, 0);
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  };
  const trends = (metric: 'cases' | 'deaths') => ({
    last_6_months: trend(metric, 180),
    last_year: trend(metric, 365),
    last_2_years: trend(metric, 730),
  });
  return {
    max_cases: extreme('cases', Math.max),
    min_cases: extreme('cases', Math.min),
    max_deaths: extreme('deaths', Math.max),
    min_deaths: extreme('deaths', Math.min),
    mean: { cases: average('cases'), deaths: average('deaths') },
    trends: { cases: trends('cases'), deaths: trends('deaths') },
  };
}

function close(actual: unknown, expected: number | null, label: string) {
  if (expected === null) return assert.equal(actual, null, label);
  assert.equal(typeof actual, 'number', label);
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs((actual as number) - expected) <= tolerance, `${label}: ${String(actual)} vs ${expected}`);
}

export function assertSummary(actual: Record<string, unknown>, expected: ExpectedSummary, label: string) {
  const body = actual as unknown as ExpectedSummary;
  assert.deepEqual(Object.keys(body), ['max_cases', 'min_cases', 'max_deaths', 'min_deaths', 'mean', 'trends']);
  for (const name of ['max_cases', 'min_cases', 'max_deaths', 'min_deaths'] as const) {
    assert.deepEqual(body[name], expected[name], `${label} ${name}`);
  }
  close(body.mean.cases, expected.mean.cases, `${label} mean.cases`);
  close(body.mean.deaths, expected.mean.deaths, `${label} mean.deaths`);
  for (const metric of ['cases', 'deaths'] as const) {
    assert.deepEqual(Object.keys(body.trends[metric]), ['last_6_months', 'last_year', 'last_2_years']);
    for (const window of ['last_6_months', 'last_year', 'last_2_years'] as const) {
      close(body.trends[metric][window], expected.trends[metric][window], `${label} trends.${metric}.${window}`);
    }
  }
}
