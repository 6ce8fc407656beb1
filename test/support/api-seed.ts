// Data for the load tests and benches, written straight into the stores: synthetic daily rows in
// ClickHouse, users with live keys in PostgreSQL (one real argon2id hash, none per user), and a
// writer that keeps a sink putting new rows into ClickHouse while the API is read.
import { hash } from '@node-rs/argon2';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ARGON2ID_OPTIONS } from '../../src/api/repositories/password-hasher.ts';
import { apiKeyDigest, generateApiKey } from '../../src/api/services/api-key-format.ts';
import { recordKey, type DailyRecord } from '../../src/domain/record.ts';
import { createClickHouse } from '../../src/platform/clickhouse.ts';
import type { Config } from '../../src/platform/config.ts';
import { createProducer, type StringProducer } from '../../src/platform/kafka.ts';
import { RUN_ID_HEADER } from '../../src/sink/decode.ts';
import { startRole, type RoleProcess } from './processes.ts';

const DAY_MS = 86_400_000;

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `days` consecutive days of synthetic data per country, from 2020-01-03 (as bench/api-load.ts). */
export async function seedDaily(config: Config, countries: readonly string[], days: number): Promise<number> {
  const clickhouse = createClickHouse({ url: config.CLICKHOUSE_URL, database: config.CLICKHOUSE_DATABASE });
  const first = Date.parse('2020-01-03T00:00:00Z');
  try {
    for (const country of countries) {
      await clickhouse.insert({
        table: 'daily',
        format: 'JSONEachRow',
        values: Array.from({ length: days }, (_, day) => ({
          country,
          date: isoDay(first + day * DAY_MS),
          cases: Math.round(20_000 + 15_000 * Math.sin(day / 40) + (day % 7) * 1_000),
          deaths: Math.round(300 + 200 * Math.sin(day / 50)),
          source: day < 346 ? 'ecdc' : 'who',
          estimated: day % 9 === 0 ? 1 : 0,
          version: 1,
          run_id: 1,
        })),
      });
    }
  } finally {
    await clickhouse.close();
  }
  return countries.length * days;
}

export interface SeededUser {
  username: string;
  password: string;
  key: string;
}

/**
 * `count` users with live keys, written straight into PostgreSQL: one real argon2id hash of
 * `password` shared by all (so a wrong password costs a real verification), no hash per user.
 */
export async function seedUsers(config: Config, count: number, password = 'load test password', prefix = 'load'): Promise<SeededUser[]> {
  const passwordHash = await hash(password, ARGON2ID_OPTIONS);
  const users = Array.from({ length: count }, (_, i) => ({ username: `${prefix}${i}`, password, key: generateApiKey() }));
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      `WITH u AS (INSERT INTO users (username, password_hash) SELECT unnest($1::text[]), $2 RETURNING id, username)
       INSERT INTO api_keys (user_id, key_digest) SELECT u.id, k.digest FROM u JOIN unnest($1::text[], $3::bytea[]) AS k(username, digest) USING (username)`,
      [users.map((u) => u.username), passwordHash, users.map((u) => apiKeyDigest(u.key))],
    );
  } finally {
    await client.end();
  }
  return users;
}

// The writer: a sink process, fed by a producer with the message contract of
// src/sink/decode.ts (key country:date, JSON DailyRecord value, run-id header).

export interface Writer {
  sink: RoleProcess;
  /** Records published so far. */
  published(): number;
  /** The last record published per country:date. */
  last: Map<string, DailyRecord>;
  /** Stops producing (the sink keeps running until close). */
  stopProducing(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a sink and publishes `perSecond` records a second, in batches of `batch`, cycling over
 * the countries' seeded days with new values (so each batch changes data the API serves).
 */
export function startWriter(
  config: Config,
  { countries, days, perSecond, batch = 100, runId = 7 }: { countries: readonly string[]; days: number; perSecond: number; batch?: number; runId?: number },
): Writer {
  const sink = startRole('sink', config, { env: { LOG_LEVEL: 'warn' } });
  const producer: StringProducer = createProducer(config.KAFKA_BROKERS, 'api-load-writer');
  const last = new Map<string, DailyRecord>();
  const first = Date.parse('2020-01-03T00:00:00Z');
  let count = 0;
  let running = true;
  let failure: unknown;
  const loop = (async () => {
    const started = performance.now();
    let cursor = 0;
    while (running) {
      const records: DailyRecord[] = [];
      for (let i = 0; i < batch; i++, cursor++) {
        const country = countries[cursor % countries.length]!;
        const day = Math.floor(cursor / countries.length) % days;
        records.push({ country, date: isoDay(first + day * DAY_MS), cases: 1_000 + (cursor % 997), deaths: cursor % 50, source: 'who', estimated: false, estimated_cases: false, estimated_deaths: false });
      }
      await producer.send({
        messages: records.map((r) => ({
          topic: config.KAFKA_TOPIC,
          key: recordKey(r),
          value: JSON.stringify(r),
          headers: new Map([[RUN_ID_HEADER, String(runId)]]),
        })),
      });
      for (const r of records) last.set(recordKey(r), r);
      count += records.length;
      // Keep to the rate: the next batch when it is due.
      const due = started + (count / perSecond) * 1_000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  const stopProducing = async () => {
    running = false;
    await loop;
    if (failure) throw failure instanceof Error ? failure : new Error('the writer failed', { cause: failure });
  };
  return {
    sink,
    published: () => count,
    last,
    stopProducing,
    async close() {
      await stopProducing().catch(() => {});
      await producer.close().catch(() => {});
      await sink.stop('SIGTERM');
    },
  };
}
