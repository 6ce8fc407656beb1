// The publisher against real Kafka: records arrive keyed `country:date` with the run id, an
// invalid record goes to the dead-letter topic with its reason, and a failed publish rejects.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DailyRecord } from '../../../src/domain/record.ts';
import { systemClock } from '../../../src/platform/clock.ts';
import { createConsumer, createProducer, type StringProducer } from '../../../src/platform/kafka.ts';
import { publishRecords, publishRejects } from '../../../src/pipeline/publisher.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';

async function readTopic(env: TestEnvironment, topic: string, count: number) {
  const consumer = createConsumer(env.config.KAFKA_BROKERS, `read-${randomUUID()}`, 'publisher-test');
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  const messages: { key: string; value: string; runId: string | undefined; partition: number }[] = [];
  try {
    for await (const message of stream) {
      messages.push({ key: message.key, value: message.value, runId: message.headers.get('run-id'), partition: message.partition });
      if (messages.length === count) break;
    }
  } finally {
    await stream.close();
    await consumer.close(true);
  }
  return messages;
}

describe('publisher', () => {
  let env: TestEnvironment;
  let producer: StringProducer;
  before(async () => {
    env = await createTestEnvironment({ kafka: true });
    producer = createProducer(env.config.KAFKA_BROKERS, 'publisher-test');
  });
  after(async () => {
    await producer.close();
    await env.cleanup();
  });

  it('publishes valid records and sends invalid ones to the dead-letter topic', async () => {
    const good: DailyRecord[] = [
      { country: 'RU', date: '2021-03-01', cases: 11_000, deaths: 450, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false },
      { country: 'DE', date: '2020-05-07', cases: -3, deaths: 0, source: 'ecdc', estimated: true, estimated_cases: true, estimated_deaths: false },
    ];
    const bad = { country: 'RU', date: '2021-02-30', cases: 1, deaths: 1, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false } as DailyRecord;
    const target = { topic: env.config.KAFKA_TOPIC, deadLetterTopic: env.config.KAFKA_DLQ_TOPIC, runId: '42' };
    const result = await publishRecords(producer, target, [good[0]!, bad, good[1]!], systemClock);
    assert.equal(result.published, 2);
    assert.deepEqual(result.invalid, [bad]);

    const data = await readTopic(env, env.config.KAFKA_TOPIC, 2);
    assert.deepEqual(data.map((m) => m.key).sort(), ['DE:2020-05-07', 'RU:2021-03-01']);
    assert.ok(data.every((m) => m.runId === '42'));
    assert.deepEqual(JSON.parse(data.find((m) => m.key === 'DE:2020-05-07')!.value), good[1]);

    await publishRejects(producer, target, 'who', [{ line: 7, reason: 'cases: not a number', raw: '2021-01-01,RU,x' }]);
    const dead = await readTopic(env, env.config.KAFKA_DLQ_TOPIC, 2);
    assert.equal(dead[0]?.key, 'RU:2021-02-30');
    assert.match((JSON.parse(dead[0].value) as { reason: string }).reason, /^invalid-record: date/);
    assert.equal(dead[1]?.key, 'who:line:7');
    assert.match((JSON.parse(dead[1].value) as { reason: string }).reason, /cases: not a number/);
  });

  it("sends every record of a country to that country's partition", async () => {
    const topic = env.config.KAFKA_TOPIC;
    const countries = ['RU', 'DE', 'BR', 'FR', 'US', 'IN', 'XK', 'JP'];
    const records: DailyRecord[] = countries.flatMap((country) =>
      ['2021-01-01', '2021-01-02', '2021-01-03'].map((date) => ({ country, date, cases: 1, deaths: 0, source: 'ecdc' as const, estimated: false, estimated_cases: false, estimated_deaths: false })),
    );
    const target = { topic, deadLetterTopic: env.config.KAFKA_DLQ_TOPIC, runId: '43' };
    assert.equal((await publishRecords(producer, target, records, systemClock)).published, records.length);
    const all = await readTopic(env, topic, 2 + records.length);
    const partitionsOf = new Map<string, Set<number>>();
    for (const message of all.filter((m) => m.runId === '43')) {
      const country = message.key.slice(0, 2);
      partitionsOf.set(country, (partitionsOf.get(country) ?? new Set()).add(message.partition));
    }
    assert.deepEqual([...partitionsOf.keys()].sort(), [...countries].sort());
    for (const [country, partitions] of partitionsOf) assert.equal(partitions.size, 1, `${country} in partitions ${[...partitions].join(', ')}`);
    assert.ok(new Set([...partitionsOf.values()].map((p) => [...p][0])).size > 1, 'the countries spread over more than one partition');
  });

  it('rejects when Kafka cannot take the records (never swallowed)', async () => {
    const unreachable = createProducer(['127.0.0.1:1'], 'publisher-unreachable');
    try {
      const target = { topic: env.config.KAFKA_TOPIC, deadLetterTopic: env.config.KAFKA_DLQ_TOPIC, runId: '1' };
      await assert.rejects(
        publishRecords(unreachable, target, [{ country: 'RU', date: '2021-03-01', cases: 1, deaths: 0, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false }], systemClock),
      );
    } finally {
      await unreachable.close().catch(() => {});
    }
  });
});
