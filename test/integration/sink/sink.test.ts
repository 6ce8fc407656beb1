// The sink against real Kafka and ClickHouse (started by `infra/stack.sh up`). Each test has its
// own topics, consumer group and ClickHouse database, and closes what it opens.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Admin, Consumer } from '@platformatic/kafka';
import { createClickHouse, sqlIdentifier, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { createProducer, sinkDeserializers, type SinkConsumer, type StringProducer } from '../../../src/platform/kafka.ts';
import { recordVersion } from '../../../src/sink/version.ts';
import { createClickHouseWriter, type RowWriter } from '../../../src/sink/writer.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { freePort } from '../../support/ports.ts';
import { startRole } from '../../support/processes.ts';
import { waitWhileProgressing } from '../../support/wait.ts';
import {
  countRows,
  dailyRecords,
  finalRows,
  groupPosition,
  publish,
  publishRaw,
  readTopic,
  runSinkInProcess,
  waitFor,
  waitForCommitted,
  type RunningSink,
} from './support.ts';

describe('sink (Kafka -> ClickHouse)', () => {
  let env: TestEnvironment;
  let clickhouse: ClickHouseClient;
  let producer: StringProducer;
  let closers: (() => Promise<unknown>)[];

  beforeEach(async () => {
    env = await createTestEnvironment({ kafka: true });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    producer = createProducer(env.config.KAFKA_BROKERS, 'sink-test-publisher');
    closers = [];
  });

  afterEach(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await producer.close();
    await clickhouse.close();
    await env.cleanup();
  });

  async function sinkWith(options: Parameters<typeof runSinkInProcess>[1] = {}): Promise<RunningSink> {
    const running = await runSinkInProcess(env.config, options);
    closers.push(() => running.close());
    return running;
  }

  const rowCount = (final = true) => countRows(clickhouse, env.config.CLICKHOUSE_DATABASE, final);
  const waitForRows = (n: number, timeoutMs = 30_000) =>
    waitFor(`${n} rows in ClickHouse`, async () => (await rowCount()) === n, timeoutMs);

  it('stores every valid record once, with its version and run id, and commits to the end', async () => {
    const timestamp = Date.now() - 60_000;
    const records = dailyRecords(1_500);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record, timestamp, runId: 7 })));
    const { sink } = await sinkWith();

    await waitForRows(records.length);
    await waitForCommitted(env.config);

    const rows = await finalRows(clickhouse, env.config.CLICKHOUSE_DATABASE);
    const byKey = new Map(rows.map((row) => [`${row.country}:${row.date}`, row]));
    for (const record of records) {
      const row = byKey.get(`${record.country}:${record.date}`);
      assert.deepEqual(row, {
        country: record.country,
        date: record.date,
        cases: record.cases,
        deaths: record.deaths,
        source: 'who',
        estimated: record.estimated ? 1 : 0,
        estimated_cases: record.estimated_cases ? 1 : 0,
        estimated_deaths: record.estimated_deaths ? 1 : 0,
        version: String(recordVersion('who', timestamp)),
        run_id: '7',
      });
    }
    const position = await groupPosition(env.config);
    assert.deepEqual(position.committed, position.end, 'committed offset = end offset on every partition');
    assert.ok([...position.end.values()].every((offset) => offset > 0n), 'the records spread over all partitions');
    assert.equal(sink.stats().rows, records.length);
    assert.equal(sink.stats().deadLetters, 0);
  });

  it('having read its partitions to their ends it stores at once, not SINK_BATCH_MS later; what comes next is stored too', async () => {
    // A batch time far beyond the wait: only the catch-up can store these rows in time.
    await sinkWith({ sink: { batchMs: 120_000, batchSize: 10_000 } });
    const first = dailyRecords(300);
    await publish(producer, env.config.KAFKA_TOPIC, first.map((record) => ({ record, runId: 3 })));
    await waitForRows(first.length, 20_000);
    const more = dailyRecords(350).slice(first.length); // the next days
    await publish(producer, env.config.KAFKA_TOPIC, more.map((record) => ({ record, runId: 4 })));
    await waitFor('the second publication stored', async () => (await rowCount(false)) >= first.length + more.length, 20_000);
    await waitForCommitted(env.config, 20_000);
  });

  it('a duplicate delivery leaves one row per (country, date)', async () => {
    const timestamp = Date.now() - 60_000;
    const records = dailyRecords(400);
    const items = records.map((record) => ({ record, timestamp, runId: 1 }));
    // The same messages twice: what a redelivery after a crash looks like to ClickHouse.
    await publish(producer, env.config.KAFKA_TOPIC, items);
    await publish(producer, env.config.KAFKA_TOPIC, items);
    await sinkWith({ sink: { batchSize: 150 } });

    await waitForCommitted(env.config);
    assert.equal(await rowCount(true), records.length);
    const rows = await finalRows(clickhouse, env.config.CLICKHOUSE_DATABASE);
    assert.deepEqual(
      rows.map((r) => [r.country, r.date, r.cases]),
      records.map((r) => [r.country, r.date, r.cases]).sort((a, b) => `${String(a[0])}${String(a[1])}`.localeCompare(`${String(b[0])}${String(b[1])}`)),
    );
  });

  it('sends invalid messages to the dead-letter topic with their reason and keeps going', async () => {
    const valid = dailyRecords(30);
    const good = { country: 'RU', date: '2021-02-27', cases: 1, deaths: 0, source: 'who', estimated: false };
    await publish(producer, env.config.KAFKA_TOPIC, valid.slice(0, 15).map((record) => ({ record })));
    await publishRaw(producer, env.config.KAFKA_TOPIC, [
      { key: 'RU:2021-02-26', value: '{"country":"RU","date":' },
      { key: 'RU:2021-02-30', value: JSON.stringify({ ...good, date: '2021-02-30' }) },
      { key: 'RU:2021-02-27', value: JSON.stringify({ ...good, comment: 'extra' }) },
      { key: 'DE:2021-02-27', value: JSON.stringify(good) },
    ]);
    await publish(producer, env.config.KAFKA_TOPIC, valid.slice(15).map((record) => ({ record })));
    const { sink } = await sinkWith();

    await waitForRows(valid.length);
    await waitForCommitted(env.config);
    const letters = await readTopic(env.config, env.config.KAFKA_DLQ_TOPIC, 4);
    const byKey = new Map(letters.map((m) => [m.key, JSON.parse(m.value) as { reason: string; topic: string; partition: number; offset: number; key: string; value: string }]));
    assert.match(byKey.get('RU:2021-02-26')?.reason ?? '', /^not-json: /);
    assert.match(byKey.get('RU:2021-02-30')?.reason ?? '', /^invalid-record: date: must be a real YYYY-MM-DD date/);
    assert.match(byKey.get('RU:2021-02-27')?.reason ?? '', /^invalid-record: .*comment/);
    assert.match(byKey.get('DE:2021-02-27')?.reason ?? '', /^key-mismatch: /);
    const letter = byKey.get('RU:2021-02-26');
    assert.equal(letter?.value, '{"country":"RU","date":', 'the original is kept as text');
    assert.equal(letter?.topic, env.config.KAFKA_TOPIC);
    assert.equal(typeof letter?.offset, 'number');
    assert.equal(sink.stats().deadLetters, 4);
    assert.equal(await rowCount(false), valid.length, 'nothing of the invalid messages was stored');
  });

  it('the coverage chain decides whatever the order of arrival; a newer revision of a source replaces an older one', async () => {
    const t = Date.now() - 600_000;
    const r = (date: string, source: 'ecdc' | 'who' | 'stopcoronavirus', cases: number) => ({ country: 'RU', date, cases, deaths: 0, source, estimated: false, estimated_cases: false, estimated_deaths: false });
    const first = [
      { record: r('2020-12-10', 'ecdc', 100), timestamp: t },
      { record: r('2021-01-10', 'who', 10), timestamp: t },
      { record: r('2021-01-11', 'who', 30), timestamp: t + 5_000 },
      { record: r('2023-06-01', 'who', 7), timestamp: t },
    ] as const;
    const second = [
      { record: r('2020-12-10', 'who', 200), timestamp: t + 1_000 }, // later, but ecdc covers the date
      { record: r('2021-01-10', 'who', 20), timestamp: t + 5_000 }, // newer who revision
      { record: r('2021-01-11', 'who', 25), timestamp: t }, // an older revision arriving late
      { record: r('2023-06-01', 'stopcoronavirus', 70), timestamp: t + 9_000 }, // who covers it
    ] as const;
    await sinkWith({ sink: { batchSize: 2 } });
    await publish(producer, env.config.KAFKA_TOPIC, [...first]);
    await waitForRows(4);
    await waitForCommitted(env.config);
    await publish(producer, env.config.KAFKA_TOPIC, [...second]);
    await waitFor('second round committed', async () => (await groupPosition(env.config)).lag === 0n && (await rowCount(false)) >= 8);

    const expected = [
      ['2020-12-10', 'ecdc', 100],
      ['2021-01-10', 'who', 20],
      ['2021-01-11', 'who', 30],
      ['2023-06-01', 'who', 7],
    ];
    const read = async () => (await finalRows(clickhouse, env.config.CLICKHOUSE_DATABASE)).map((row) => [row.date, row.source, row.cases]);
    assert.deepEqual(await read(), expected);
    // After the merge the table itself holds the same, without FINAL.
    await clickhouse.command({ query: `OPTIMIZE TABLE ${sqlIdentifier(env.config.CLICKHOUSE_DATABASE)}.daily FINAL` });
    assert.equal(await rowCount(false), 4);
    assert.deepEqual(await read(), expected);
  });

  it('a sink stopped before its commit loses nothing: the next member gets the records again', async () => {
    const records = dailyRecords(600);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record })));
    // The first member reaches ClickHouse on a port nobody listens on: it consumes, fails, retries.
    const first = await sinkWith({ clickhouseUrl: `http://default:@127.0.0.1:${await freePort()}`, name: 'first' });
    await waitFor('a failed insert', () => first.sink.stats().failedAttempts >= 2);
    assert.ok(first.sink.stats().messages > 0);
    await first.close();
    assert.equal(first.sink.stats().commits, 0);
    assert.ok([...(await groupPosition(env.config)).committed.values()].every((offset) => offset < 0n), 'nothing committed');

    const second = await sinkWith({ name: 'second' });
    await waitForRows(records.length);
    await waitForCommitted(env.config);
    assert.equal(second.sink.stats().rows, records.length);
  });

  it('records inserted but not committed before a stop are inserted again and still show once', async () => {
    const records = dailyRecords(800);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record, runId: 3 })));
    const real = createClickHouseWriter(clickhouse, env.config.CLICKHOUSE_DATABASE);
    let inserted = 0;
    // Inserts for real, then "crashes" before it returns: the commit never happens.
    const crashing: RowWriter = {
      async insert(rows, signal) {
        await real.insert(rows);
        inserted += rows.length;
        await new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('killed')), { once: true }));
      },
    };
    const first = await sinkWith({ writer: crashing, sink: { batchSize: 10_000, batchMs: 1_500, shutdownGraceMs: 300 } });
    await waitFor('the first member inserted everything', () => inserted === records.length);
    await first.close();
    assert.equal(first.sink.stats().commits, 0);
    assert.equal(first.sink.stats().abandonedBatches, 1);
    assert.ok([...(await groupPosition(env.config)).committed.values()].every((offset) => offset < 0n), 'nothing committed');

    const second = await sinkWith();
    await waitForCommitted(env.config);
    assert.equal(second.sink.stats().rows, records.length, 'the second member inserted them again');
    assert.equal(await rowCount(true), records.length, 'one row per (country, date) with FINAL');
  });

  it('two members of one group split the partitions and together store everything', async () => {
    const a = await sinkWith({ name: 'a' });
    const b = await sinkWith({ name: 'b' });
    const partitionsOf = (consumer: SinkConsumer) => (consumer.assignments ?? []).flatMap((assignment) => assignment.partitions);
    await waitFor('a balanced group', () => {
      const pa = partitionsOf(a.consumer);
      const pb = partitionsOf(b.consumer);
      return pa.length > 0 && pb.length > 0 && pa.length + pb.length === 3 && new Set([...pa, ...pb]).size === 3;
    });
    const records = dailyRecords(3_000);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record })));

    await waitForRows(records.length);
    await waitForCommitted(env.config);
    assert.ok(a.sink.stats().rows > 0, 'member a stored its share');
    assert.ok(b.sink.stats().rows > 0, 'member b stored its share');
    assert.ok(a.sink.stats().rows + b.sink.stats().rows >= records.length);
  });

  it('members joining and leaving while records flow lose nothing', async () => {
    const records = dailyRecords(20_000);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record })));
    // ClickHouse made slow (each insert takes 40 ms more) so that the members change mid-stream.
    const real = createClickHouseWriter(clickhouse, env.config.CLICKHOUSE_DATABASE);
    const writer: RowWriter = {
      async insert(rows) {
        await real.insert(rows);
        await new Promise((resolve) => setTimeout(resolve, 40));
      },
    };
    const a = await sinkWith({ name: 'a', writer, sink: { batchSize: 300 } });
    await waitFor('a stored a few batches', () => a.sink.stats().batches >= 3);
    const b = await sinkWith({ name: 'b', writer, sink: { batchSize: 300 } });
    await waitFor('b stored a batch', () => b.sink.stats().batches >= 1);
    assert.ok((await rowCount()) < records.length, 'the members change while records are still flowing');
    await a.close(); // leaves mid-stream: what it did not commit goes to the others
    const c = await sinkWith({ name: 'c', writer, sink: { batchSize: 300 } });

    // How long the rest takes depends on the machine's load (a rebalance, slow inserts): the
    // waits give up only when the members stopped inserting or committing.
    const total = (stat: 'rows' | 'commits') => [a, b, c].reduce((sum, member) => sum + member.sink.stats()[stat], 0);
    await waitWhileProgressing(`${records.length} rows in ClickHouse`, async () => (await rowCount()) === records.length, () => total('rows'));
    await waitWhileProgressing('offsets committed up to the end of every partition', async () => (await groupPosition(env.config)).lag === 0n, () => total('commits'));
    const stored = total('rows');
    assert.ok(stored >= records.length, `${stored} rows inserted in all for ${records.length} records`);
  });

  it('covid-etl sink: stores, then on SIGTERM finishes, leaves the group and exits 0', async () => {
    const records = dailyRecords(1_000);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record })));
    const sink = startRole('sink', env.config, { env: { LOG_LEVEL: 'info', SINK_BATCH_MS: '200' } });
    closers.push(async () => {
      await sink.stop('SIGKILL');
    });

    await waitForRows(records.length, 60_000);
    await waitForCommitted(env.config);
    const code = await sink.stop('SIGTERM', 20_000);
    const output = sink.output();
    assert.equal(code, 0, output);
    const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
    assert.ok(lines.some((line) => line.msg === 'sink stopped'), output);
    const admin = new Admin({ clientId: 'sink-test-admin', bootstrapBrokers: env.config.KAFKA_BROKERS });
    try {
      const group = (await admin.describeGroups({ groups: [env.config.KAFKA_SINK_GROUP] })).get(env.config.KAFKA_SINK_GROUP);
      assert.equal(group?.members.size, 0, 'the member left the group');
    } finally {
      await admin.close();
    }
  });

  it('while ClickHouse is unreachable it keeps the batch, commits nothing, stays in the group, and recovers', async () => {
    const port = await freePort();
    // A short session timeout: the outage below lasts longer than it, so a member that stopped
    // heartbeating while paused would be thrown out of the group.
    const consumer = new Consumer({
      clientId: 'patient',
      groupId: env.config.KAFKA_SINK_GROUP,
      bootstrapBrokers: env.config.KAFKA_BROKERS,
      deserializers: sinkDeserializers,
      autocommit: false,
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTime: 300,
    });
    const records = dailyRecords(2_000);
    await publish(producer, env.config.KAFKA_TOPIC, records.map((record) => ({ record })));
    const { sink } = await sinkWith({ clickhouseUrl: `http://default:@127.0.0.1:${port}`, consumer, sink: { batchSize: 700 } });
    const memberId = consumer.memberId;
    const generationId = consumer.generationId;

    await waitFor('failed inserts', () => sink.stats().failedAttempts >= 3);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    assert.equal(sink.stats().commits, 0);
    assert.equal(sink.stats().rows, 0);
    assert.ok(sink.stats().messages <= 700 + 1_024 + 700, 'paused: it did not keep reading the topic into memory');
    assert.ok([...(await groupPosition(env.config)).committed.values()].every((offset) => offset < 0n), 'nothing committed');
    assert.equal(await rowCount(false), 0);
    assert.equal(consumer.memberId, memberId, 'still the same member');
    assert.equal(consumer.generationId, generationId, 'no rebalance happened');
    assert.ok(Date.now() - (consumer.lastHeartbeat?.getTime() ?? 0) < 2_000, 'heartbeats went on while paused');
    const admin = new Admin({ clientId: 'sink-test-admin', bootstrapBrokers: env.config.KAFKA_BROKERS });
    try {
      const group = (await admin.describeGroups({ groups: [env.config.KAFKA_SINK_GROUP] })).get(env.config.KAFKA_SINK_GROUP);
      assert.match(group?.state ?? '', /^stable$/i);
      assert.equal(group?.members.size, 1);
    } finally {
      await admin.close();
    }

    // ClickHouse "comes back": the same port now leads to it.
    const proxy = await startProxy(port, new URL(env.config.CLICKHOUSE_URL));
    closers.push(() => new Promise((resolve) => proxy.close(resolve)));
    await waitForRows(records.length, 60_000);
    await waitForCommitted(env.config, 60_000);
    assert.equal(sink.stats().rows, records.length);
  });
});

/** A TCP proxy on `port` to ClickHouse: a real connection that fails until it exists. */
async function startProxy(port: number, target: URL): Promise<net.Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 8123), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
