// WHO regions travel with the records (SPEC 6.1): load_who publishes each record with its
// country's latest region, Kafka carries it, the sink's decode and writer store it, and a
// country whose region changes in a later file is published again whole, while nothing else is.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { systemClock } from '../../../src/platform/clock.ts';
import { createProducer, createSinkConsumer, type StringProducer } from '../../../src/platform/kafka.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { loadCsvTask } from '../../../src/pipeline/tasks/load-csv.ts';
import { decodeMessage, type DailyRow } from '../../../src/sink/decode.ts';
import { createClickHouseWriter } from '../../../src/sink/writer.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { testAttempt } from '../../support/task-attempt.ts';

const HEADER = 'Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,New_deaths,Cumulative_deaths';

/** Three days of RU (EURO), XK (Other, then EURO) and FO (no region cell). */
function whoFile(xkRegion: string): string {
  const rows = ['2021-03-01', '2021-03-02', '2021-03-03'].flatMap((date, i) => [
    `${date},RU,Russian Federation,EURO,${100 + i},0,${i},0`,
    `${date},XK,Kosovo,${i < 2 ? 'Other' : xkRegion},${10 + i},0,0,0`,
    `${date},FO,Faroe Islands,,${1 + i},0,0,0`,
  ]);
  return `${[HEADER, ...rows].join('\n')}\n`;
}

describe('WHO regions from the file to ClickHouse', () => {
  let env: TestEnvironment;
  let pool: Pool;
  let producer: StringProducer;
  let clickhouse: ClickHouseClient;
  let dir: string;
  let file: string;
  const consumer = () => createSinkConsumer(env.config.KAFKA_BROKERS, `regions-${randomUUID()}`, 'regions-test');
  /** Messages already handed to the sink (the topic has several partitions: no single order). */
  const seen = new Set<string>();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'who-regions-'));
    file = path.join(dir, 'who.csv');
    env = await createTestEnvironment({ kafka: true, overrides: { SOURCE_WHO_URL: pathToFileURL(file).toString() } });
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    producer = createProducer(env.config.KAFKA_BROKERS, 'regions-test');
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
  });
  after(async () => {
    await producer?.close();
    await clickhouse?.close();
    await pool?.end();
    await env?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs load_who on the file as it is now and commits its state; what it published. */
  async function loadWho(content: string): Promise<number> {
    await writeFile(file, content);
    const task = loadCsvTask({ config: env.config, pool, clickhouse, producer, clock: systemClock }, 'who');
    const { attempt, complete } = testAttempt(pool, '7');
    const result = await task(attempt);
    await complete(result);
    return result.counts.published ?? 0;
  }

  /** The data topic's messages after those already read, decoded by the sink and stored in ClickHouse. */
  async function sinkNew(count: number): Promise<DailyRow[]> {
    const c = consumer();
    const stream = await c.consume({ topics: [env.config.KAFKA_TOPIC], mode: 'earliest' });
    const rows: DailyRow[] = [];
    try {
      for await (const message of stream) {
        const id = `${message.partition}:${message.offset}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const decoded = decodeMessage(message);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
        rows.push(decoded.row);
        if (rows.length === count) break;
      }
    } finally {
      await stream.close();
      await c.close(true);
    }
    rows.sort((a, b) => a.country.localeCompare(b.country) || a.date.localeCompare(b.date));
    await createClickHouseWriter(clickhouse, env.config.CLICKHOUSE_DATABASE).insert(rows);
    return rows;
  }

  async function storedRegions(): Promise<Record<string, string>> {
    const table = `${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.daily`;
    const result = await clickhouse.query({
      // Not `AS region`: ClickHouse would put the aggregate into the WHERE that names the column.
      query: `SELECT country, argMax(region, date) AS latest FROM ${table} FINAL WHERE region != '' GROUP BY country ORDER BY country`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ country: string; latest: string }>();
    return Object.fromEntries(rows.map((r) => [r.country, r.latest]));
  }

  it("every record carries its country's latest region; a second load of the same file publishes nothing", async () => {
    assert.equal(await loadWho(whoFile('Other')), 9);
    const rows = await sinkNew(9);
    const byCountry = (country: string) => new Set(rows.filter((r) => r.country === country).map((r) => r.region));
    assert.deepEqual([byCountry('RU'), byCountry('XK'), byCountry('FO')], [new Set(['EUR']), new Set(['OTHER']), new Set(['OTHER'])]);
    assert.deepEqual(await storedRegions(), { FO: 'OTHER', RU: 'EUR', XK: 'OTHER' });
    assert.equal(await loadWho(whoFile('Other')), 0);
  });

  it('a country whose latest region changes is published again whole, with the new region; the others are not', async () => {
    assert.equal(await loadWho(whoFile('EURO')), 3);
    const rows = await sinkNew(3);
    assert.deepEqual(
      rows.map((r) => [r.country, r.date, r.region]),
      [
        ['XK', '2021-03-01', 'EUR'],
        ['XK', '2021-03-02', 'EUR'],
        ['XK', '2021-03-03', 'EUR'],
      ],
    );
    assert.deepEqual(await storedRegions(), { FO: 'OTHER', RU: 'EUR', XK: 'EUR' });
  });
});
