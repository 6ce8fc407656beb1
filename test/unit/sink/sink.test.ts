// The sink's rules with fake clients and fake time: batches by size and by time, nothing is
// committed before ClickHouse and the dead-letter topic acknowledged, failures are retried with
// backoff while the stream stays paused, and stopping finishes or abandons without committing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/platform/logger.ts';
import { createSink, type Sink } from '../../../src/sink/sink.ts';
import { FakeClock, FakeConsumer, FakeProducer, FakeWriter, settle } from './fakes.ts';
import { message, record } from './messages.ts';

function setup(options: { batchSize?: number; batchMs?: number; idleMs?: number; shutdownGraceMs?: number } = {}) {
  const consumer = new FakeConsumer();
  const producer = new FakeProducer();
  const writer = new FakeWriter();
  const clock = new FakeClock();
  const sink: Sink = createSink({
    consumer: consumer.asConsumer(),
    producer: producer.asProducer(),
    writer,
    clock,
    logger: createLogger('silent', 'test'),
    options: {
      topic: 'covid.daily',
      deadLetterTopic: 'covid.daily.dlq',
      batchSize: options.batchSize ?? 3,
      batchMs: options.batchMs ?? 1_000,
      shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    },
  });
  return { consumer, producer, writer, clock, sink };
}

const day = (n: number) => `2021-03-${String(n).padStart(2, '0')}`;
const valid = (offset: number, partition = 0) =>
  message({ offset: BigInt(offset), partition, record: record({ date: day((offset % 28) + 1) }) });

describe('sink', () => {
  it('a full batch is inserted, then committed at highest offset + 1 per partition', async () => {
    const { consumer, writer, sink } = setup({ batchSize: 3 });
    await sink.start();
    consumer.deliver(valid(0, 0), valid(1, 1), valid(2, 0));
    await settle();
    assert.equal(writer.inserts.length, 1);
    assert.equal(writer.inserts[0]?.length, 3);
    assert.deepEqual(consumer.commits, [
      [
        { topic: 'covid.daily', partition: 0, offset: 3n, leaderEpoch: 0 },
        { topic: 'covid.daily', partition: 1, offset: 2n, leaderEpoch: 0 },
      ],
    ]);
    await sink.stop();
    assert.equal(consumer.closed, true);
  });

  it('a partial batch is flushed after batchMs', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 100, batchMs: 1_000 });
    await sink.start();
    consumer.deliver(valid(0));
    await clock.advance(400);
    consumer.deliver(valid(1));
    await clock.advance(500);
    assert.equal(writer.inserts.length, 0, 'the timer runs from the first message of the batch');
    await clock.advance(100);
    assert.equal(writer.inserts.length, 1);
    assert.equal(writer.inserts[0]?.length, 2);
    assert.equal(consumer.commits.length, 1);
    await sink.stop();
  });

  it('caught up, it stores once nothing new came for idleMs; what comes meanwhile joins the batch', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 100, batchMs: 60_000, idleMs: 50 });
    await sink.start();
    consumer.fetched(0n, 2n, true);
    consumer.deliver(valid(0), valid(1));
    await clock.advance(30);
    assert.equal(writer.inserts.length, 0, 'caught up, but not idle for 50 ms yet');
    consumer.fetched(2n, 3n, true);
    consumer.deliver(valid(2));
    await clock.advance(49);
    assert.equal(writer.inserts.length, 0, 'a message came during the wait: it waits once more');
    await clock.advance(51);
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [3]);
    assert.equal(consumer.commits.length, 1);
    await sink.stop();
    assert.deepEqual(clock.pending, [], 'no timers left behind');
  });

  it('messages that keep coming closer than idleMs apart are still stored batchMs after the first', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 100, batchMs: 1_000, idleMs: 50 });
    await sink.start();
    for (let offset = 0; offset < 40; offset++) {
      consumer.fetched(BigInt(offset), BigInt(offset + 1), true);
      consumer.deliver(valid(offset));
      await clock.advance(30);
    }
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [34], 'the batch of the first second (0, 30, ..., 990 ms)');
    await clock.advance(100);
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [34, 6], 'the rest once idle');
    await sink.stop();
  });

  it('caught up with idleMs 0, it stores at once; so does an empty fetch response at the end', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 100, batchMs: 60_000, idleMs: 0 });
    await sink.start();
    consumer.fetched(0n, 3n, true);
    consumer.deliver(valid(0), valid(1));
    await settle();
    assert.equal(writer.inserts.length, 0, 'one more message to read');
    consumer.deliver(valid(2));
    await settle();
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [3]);
    // Offset 4 is a transaction marker, which the stream never delivers: an empty response
    // asked from 5 says everything is read.
    consumer.fetched(3n, 5n, true);
    consumer.deliver(valid(3));
    await settle();
    assert.equal(writer.inserts.length, 1);
    consumer.fetched(5n, 5n, false);
    await settle();
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [3, 1]);
    await sink.stop();
    assert.deepEqual(clock.pending, []);
  });

  it('idleMs must be a non-negative integer', () => {
    assert.throws(() => setup({ idleMs: -1 }), /idleMs/);
    assert.throws(() => setup({ idleMs: 0.5 }), /idleMs/);
  });

  it('while ClickHouse fails: the stream is paused, the same batch is retried with backoff, nothing is committed', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 2, batchMs: 60_000 });
    writer.failures = 4;
    await sink.start();
    consumer.deliver(valid(0), valid(1), valid(2), valid(3));
    await settle();
    assert.equal(writer.attempts, 1);
    assert.equal(consumer.stream.isPaused(), true);
    assert.deepEqual(clock.pending, [1_000, 60_000], 'the retry, and the timer of the batch collected meanwhile');
    await clock.advance(1_000);
    assert.equal(writer.attempts, 2);
    assert.equal(clock.pending[0], 2_000);
    await clock.advance(2_000 + 4_000);
    assert.equal(writer.attempts, 4);
    assert.equal(consumer.commits.length, 0, 'never commit before the insert succeeded');
    assert.equal(consumer.stream.isPaused(), true, 'no fetching meanwhile');
    await clock.advance(8_000);
    // The 5th attempt stores the first batch; then the stream resumes and the second batch follows.
    assert.equal(writer.attempts, 6);
    assert.deepEqual(writer.inserts.map((rows) => rows.length), [2, 2]);
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[2n], [4n]]);
    assert.equal(sink.stats().failedAttempts, 4);
    await sink.stop();
  });

  it('invalid messages go to the dead-letter topic before the commit; valid ones are inserted', async () => {
    const { consumer, producer, writer, sink } = setup({ batchSize: 3 });
    await sink.start();
    consumer.deliver(valid(0), message({ offset: 1n, value: 'not json', key: 'k' }), message({ offset: 2n, record: record({ date: '2021-02-30' }), key: 'RU:2021-02-30' }));
    await settle();
    assert.equal(writer.inserts[0]?.length, 1);
    assert.deepEqual(producer.sent.map((m) => [m.topic, m.key]), [['covid.daily.dlq', 'k'], ['covid.daily.dlq', 'RU:2021-02-30']]);
    assert.match((JSON.parse(producer.sent[1]?.value ?? '{}') as { reason: string }).reason, /^invalid-record: date/);
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[3n]]);
    await sink.stop();
  });

  it('a batch of dead letters only is committed once the dead-letter topic acknowledged', async () => {
    const { consumer, producer, writer, clock, sink } = setup({ batchSize: 1 });
    producer.failures = 1;
    await sink.start();
    consumer.deliver(message({ value: '[' }));
    await settle();
    assert.equal(consumer.commits.length, 0);
    await clock.advance(1_000);
    assert.equal(producer.sent.length, 1);
    assert.equal(writer.attempts, 0, 'no empty insert');
    assert.equal(consumer.commits.length, 1);
    await sink.stop();
  });

  it('stop while waiting to retry abandons the batch: no commit, the group is left', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 1 });
    writer.failures = Infinity;
    await sink.start();
    consumer.deliver(valid(0));
    await settle();
    await sink.stop();
    assert.equal(consumer.commits.length, 0);
    assert.equal(sink.stats().abandonedBatches, 1);
    assert.equal(consumer.stream.closed_, true);
    assert.equal(consumer.closed, true);
    assert.deepEqual(clock.pending, [], 'no timers left behind');
    await sink.stopped;
  });

  it('stop stores the batch being collected with one last attempt, then commits it', async () => {
    const { consumer, writer, sink } = setup({ batchSize: 10 });
    await sink.start();
    consumer.deliver(valid(0), valid(1));
    await settle();
    await sink.stop();
    assert.equal(writer.inserts[0]?.length, 2);
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[2n]]);
  });

  it('stop with an insert still in flight after the grace period aborts it and commits nothing', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 1, shutdownGraceMs: 5_000 });
    const held = writer.hold();
    await sink.start();
    consumer.deliver(valid(0));
    await settle();
    const stopping = sink.stop();
    await clock.advance(5_000);
    await stopping;
    await assert.rejects(held.promise);
    assert.equal(consumer.commits.length, 0);
    assert.equal(consumer.closed, true);
  });

  it('an insert that finishes within the grace period is committed', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 1, shutdownGraceMs: 5_000 });
    const held = writer.hold();
    await sink.start();
    consumer.deliver(valid(0), valid(1));
    await settle();
    const stopping = sink.stop();
    await clock.advance(1_000);
    held.resolve();
    await stopping;
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[1n], [2n]], 'the batch in flight, then the one collected');
    assert.equal(consumer.closed, true);
  });

  it('when the batch in flight is abandoned, the one collected after it is neither stored nor committed', async () => {
    const { consumer, writer, clock, sink } = setup({ batchSize: 1, shutdownGraceMs: 5_000 });
    writer.hold();
    await sink.start();
    consumer.deliver(valid(0), valid(1));
    await settle();
    const stopping = sink.stop();
    await clock.advance(5_000);
    await stopping;
    assert.equal(writer.attempts, 1);
    assert.equal(consumer.commits.length, 0);
  });

  it('the next batch is collected while one is being stored, and the stream pauses only when it is full', async () => {
    const { consumer, writer, sink } = setup({ batchSize: 2 });
    const held = writer.hold();
    await sink.start();
    consumer.deliver(valid(0), valid(1), valid(2));
    await settle();
    assert.equal(writer.attempts, 1);
    assert.equal(consumer.stream.isPaused(), false, 'still reading while the first batch is stored');
    consumer.deliver(valid(3), valid(4));
    await settle();
    assert.equal(consumer.stream.isPaused(), true, 'the second batch is full: backpressure');
    assert.equal(sink.stats().messages, 4, 'the fifth message waits in the stream');
    held.resolve();
    await settle();
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[2n], [4n]]);
    assert.equal(consumer.stream.isPaused(), false);
    assert.equal(sink.stats().messages, 5);
    await sink.stop();
  });

  it('partitions revoked meanwhile are not committed', async () => {
    const { consumer, writer, sink } = setup({ batchSize: 2 });
    const held = writer.hold();
    await sink.start();
    consumer.deliver(valid(0, 0), valid(0, 1));
    await settle();
    consumer.assignments = [{ topic: 'covid.daily', partitions: [1] }];
    consumer.emit('consumer:group:join', { groupId: 'group', memberId: 'member-1', generationId: 2, assignments: consumer.assignments });
    held.resolve();
    await settle();
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.partition)), [[1]]);
    await sink.stop();
  });

  it('a commit lower than the one already made is skipped; a failed commit is not fatal', async () => {
    const { consumer, sink } = setup({ batchSize: 1 });
    await sink.start();
    consumer.deliver(valid(5));
    await settle();
    consumer.deliver(valid(3)); // re-delivered after a rebalance
    await settle();
    consumer.failCommits = 1;
    consumer.deliver(valid(6));
    await settle();
    consumer.deliver(valid(7));
    await settle();
    assert.deepEqual(consumer.commits.map((c) => c.map((o) => o.offset)), [[6n], [8n]]);
    assert.equal(sink.stats().failedCommits, 1);
    await sink.stop();
  });

  it('a stream error stops the sink without committing the batch in hand', async () => {
    const { consumer, sink } = setup({ batchSize: 10 });
    await sink.start();
    consumer.deliver(valid(0));
    await settle();
    consumer.stream.destroy(new Error('fetch failed'));
    await assert.rejects(sink.stopped, /fetch failed/);
    assert.equal(consumer.commits.length, 0);
    assert.equal(consumer.closed, true);
  });
});
