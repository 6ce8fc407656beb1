// A CSV load task in this process against real PostgreSQL and Kafka and the local source server:
// the staged read publishes exactly what the whole-in-memory reference makes of the real WHO
// file, and on the very first load (no previous row count) a truncated real WHO file and an HTML
// page fail the quality gate, say why, and publish nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { QualityResult } from '../../../src/domain/quality.ts';
import { coverageContext } from '../../../src/domain/transform/coverage.ts';
import { transformSourceSeries } from '../../../src/domain/transform/source.ts';
import { systemClock } from '../../../src/platform/clock.ts';
import { createClickHouse, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { createProducer, type StringProducer } from '../../../src/platform/kafka.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { collectRead } from '../../../src/pipeline/sources/collect.ts';
import { readWho } from '../../../src/pipeline/sources/who.ts';
import type { TaskResult } from '../../../src/pipeline/runner.ts';
import { QualityGateError } from '../../../src/pipeline/tasks/errors.ts';
import { loadCsvTask } from '../../../src/pipeline/tasks/load-csv.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { testAttempt } from '../../support/task-attempt.ts';
import { SOURCE_FILES, startSourceServer, type SourceServer } from '../../support/source-server.ts';

describe('load task: staged read and the first-load gate', () => {
  let server: SourceServer;
  let env: TestEnvironment;
  let pool: Pool;
  let clickhouse: ClickHouseClient;
  let producer: StringProducer;

  // The stages go to a directory of this test's own (os.tmpdir() follows TMPDIR), so that
  // counting them is not disturbed by other tests running at the same time.
  const tmpdir = process.env.TMPDIR;
  let stageRoot: string;
  before(async () => {
    stageRoot = mkdtempSync(path.join(os.tmpdir(), 'load-csv-test-'));
    process.env.TMPDIR = stageRoot;
    server = await startSourceServer();
    env = await createTestEnvironment({ kafka: true, overrides: { SOURCE_WHO_URL: server.whoUrl } });
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    producer = createProducer(env.config.KAFKA_BROKERS, 'load-csv-test');
    await pool.query(`INSERT INTO etl_runs (id, trigger, state) VALUES (1, 'manual', 'running')`);
  });
  after(async () => {
    await producer?.close();
    await pool?.end();
    await clickhouse?.close();
    await env?.cleanup();
    await server?.close();
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
    rmSync(stageRoot, { recursive: true, force: true });
  });

  const deps = () => ({ config: env.config, pool, clickhouse, producer, clock: systemClock });
  /** One attempt at load_who, completed (committed as the runner would) when it succeeds. */
  const loadWho = async (): Promise<TaskResult> => {
    const { attempt, complete, abandon } = testAttempt(pool, '1');
    try {
      const result = await loadCsvTask(deps(), 'who')(attempt);
      await complete(result);
      return result;
    } catch (error) {
      await abandon();
      throw error;
    }
  };
  const topicEnd = async (topic: string) => {
    const admin = new Admin({ clientId: 'load-csv-test-admin', bootstrapBrokers: env.config.KAFKA_BROKERS });
    try {
      const partitions = Array.from({ length: env.config.KAFKA_PARTITIONS }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
      return (listed?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
    } finally {
      await admin.close();
    }
  };
  const stages = () => readdirSync(stageRoot).filter((name) => name.startsWith('covid-etl-stage-who-')).length;
  const gateFailure = async (): Promise<QualityGateError> => {
    const error = await loadWho().then(
      () => assert.fail('the gate should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof QualityGateError, String(error));
    assert.equal(stages(), 0, 'the staged read is removed');
    assert.equal(await topicEnd(env.config.KAFKA_TOPIC), 0, 'nothing may reach the data topic');
    assert.equal(await topicEnd(env.config.KAFKA_DLQ_TOPIC), 0, 'nothing may reach the dead-letter topic');
    return error;
  };

  it('first load of a truncated real WHO file (half of it, a normal end): the gate fails on its shape, nothing published', async () => {
    const half = Math.floor(statSync(SOURCE_FILES.whoDaily).size / 2);
    server.setFault('who', { kind: 'truncate', bytes: half });
    try {
      const error = await gateFailure();
      assert.equal(error.gate.checks.find((c) => c.name === 'row-count')?.detail.includes('no previous read'), true);
      assert.deepEqual(error.gate.checks.filter((c) => !c.ok).map((c) => c.name), ['series-end']);
      assert.match(error.message, /^who: quality gate failed: series-end: the file looks cut short: 1 of \d+ countries end more than 14 days before the file's last date 2023-06-07 \([A-Z]{2} \d{4}-\d\d-\d\d\)$/);
    } finally {
      server.clearFaults();
    }
  });

  it('first load answered with an HTML page (200): the gate fails saying what was expected and what came, nothing published', async () => {
    server.setFault('who', { kind: 'errorPage' });
    try {
      const error = await gateFailure();
      assert.deepEqual(error.gate.checks.map((c) => [c.name, c.ok]), [['content', false]]);
      assert.match(
        error.message,
        /^who: quality gate failed: content: expected a CSV file with columns Date_reported,Country_code,New_cases,New_deaths; found an HTML page \(Content-Type text\/html[^)]*\)$/,
      );
    } finally {
      server.clearFaults();
    }
  });

  it('the whole real WHO file: the staged load publishes exactly what the in-memory reference makes of it', async () => {
    const reference = await collectRead('who', readWho(createReadStream(SOURCE_FILES.whoDaily)));
    const expected = transformSourceSeries('who', reference.series, env.config.FILL_POLICY, coverageContext()).records;

    const result = await loadWho();
    assert.equal((result.gate as QualityResult).ok, true);
    assert.equal(result.counts.records, expected.length);
    assert.equal(result.counts.published, expected.length);
    assert.equal(result.counts.read, reference.stats.rows);
    assert.equal(await topicEnd(env.config.KAFKA_TOPIC), expected.length);

    const { rows } = await pool.query<{ key: string }>(
      `SELECT country || ':' || to_char(date, 'YYYY-MM-DD') || ':' || cases || ':' || deaths || ':' || estimated AS key FROM etl_published WHERE source = 'who'`,
    );
    const stored = new Set(rows.map((r) => r.key));
    assert.equal(stored.size, expected.length);
    for (const r of expected) assert.ok(stored.has(`${r.country}:${r.date}:${r.cases}:${r.deaths}:${r.estimated}`), `${r.country} ${r.date}`);

    // A second load of the same file publishes nothing: the diff finds every record unchanged.
    const again = await loadWho();
    assert.equal(again.counts.published, 0);
    assert.equal(again.counts.unchanged, expected.length);
    assert.equal(stages(), 0, 'each completed load removed its staged read');
  });
});
