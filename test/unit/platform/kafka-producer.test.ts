// The producer module loads the producer's files of @platformatic/kafka alone (its index loads
// every client): they must be the very classes and values the index exports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Kafka from '@platformatic/kafka';
import { createProducer, KafkaProducer, ProduceAcks } from '../../../src/platform/kafka-producer.ts';

test("the producer module's Producer and ProduceAcks are the package index's own", async () => {
  assert.equal(KafkaProducer, Kafka.Producer);
  assert.equal(ProduceAcks, Kafka.ProduceAcks);
  const producer = createProducer(['127.0.0.1:1'], 'kafka-producer-test');
  try {
    assert.ok(producer instanceof Kafka.Producer);
  } finally {
    await producer.close();
  }
});
