// Smoke tests against the real services started by `infra/stack.sh up`: a PostgreSQL round
// trip, a ClickHouse table created, written and read, a Kafka message produced and consumed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClickHouse } from '../../../src/platform/clickhouse.ts';
import { createConsumer, createProducer } from '../../../src/platform/kafka.ts';
import { createPool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

describe('real services', () => {
  let env: TestEnvironment;
  before(async () => {
    env = await createTestEnvironment({ kafka: true });
  });
  after(() => env.cleanup());

  it('PostgreSQL: writes and reads a row', async () => {
    const pool = createPool(env.config.DATABASE_URL);
    try {
      await pool.query('CREATE TABLE smoke (id int PRIMARY KEY, note text)');
      await pool.query('INSERT INTO smoke VALUES ($1, $2)', [1, 'привет']);
      const { rows } = await pool.query<{ note: string }>('SELECT note FROM smoke WHERE id = 1');
      assert.equal(rows[0]?.note, 'привет');
    } finally {
      await pool.end();
    }
  });

  it('ClickHouse: creates a table, writes and reads it back', async () => {
    const clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL, database: env.config.CLICKHOUSE_DATABASE });
    try {
      await clickhouse.command({ query: 'CREATE TABLE smoke (k String, v Int32) ENGINE = MergeTree ORDER BY k' });
      await clickhouse.insert({ table: 'smoke', values: [{ k: 'a', v: 1 }, { k: 'b', v: -2 }], format: 'JSONEachRow' });
      const rows = await (await clickhouse.query({ query: 'SELECT k, v FROM smoke ORDER BY k', format: 'JSONEachRow' })).json();
      assert.deepEqual(rows, [{ k: 'a', v: 1 }, { k: 'b', v: -2 }]);
    } finally {
      await clickhouse.close();
    }
  });

  it('Kafka: a produced message is consumed by its own group', async () => {
    const producer = createProducer(env.config.KAFKA_BROKERS, 'smoke-producer');
    const consumer = createConsumer(env.config.KAFKA_BROKERS, `smoke-${randomUUID()}`, 'smoke-consumer');
    try {
      const value = `hello ${randomUUID()}`;
      await producer.send({ messages: [{ topic: env.config.KAFKA_TOPIC, key: 'RU:2020-01-01', value }] });
      const stream = await consumer.consume({ topics: [env.config.KAFKA_TOPIC], mode: 'earliest' });
      let received: string | undefined;
      for await (const message of stream) {
        received = message.value;
        break;
      }
      await stream.close();
      assert.equal(received, value);
    } finally {
      await consumer.close(true);
      await producer.close();
    }
  });
});
