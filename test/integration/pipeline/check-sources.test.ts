// check_sources on a file:// WHO source against real PostgreSQL: a file whose ETag (its size and
// mtime) is the last load's is not modified and is not read again, as a server's 304 would say;
// a file with another ETag is read and hashed, and its content decides.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/platform/clock.ts';
import { createClickHouse, type ClickHouseClient } from '../../../src/platform/clickhouse.ts';
import { createProducer, type StringProducer } from '../../../src/platform/kafka.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { setState } from '../../../src/pipeline/state.repository.ts';
import { checkSourcesTask } from '../../../src/pipeline/tasks/check-sources.ts';
import { stateKeys } from '../../../src/pipeline/tasks/context.ts';
import { CrawlMemo } from '../../../src/pipeline/tasks/crawl-memo.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { FIXTURE_DIR, SOURCE_FILES } from '../../support/source-content.ts';
import { testAttempt } from '../../support/task-attempt.ts';

describe('check_sources: a file:// WHO source', () => {
  let dir: string;
  let who: string;
  let env: TestEnvironment;
  let pool: Pool;
  let clickhouse: ClickHouseClient;
  let producer: StringProducer;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'check-sources-test-'));
    who = path.join(dir, 'who.csv');
    copyFileSync(SOURCE_FILES.whoDaily, who);
    env = await createTestEnvironment({
      overrides: { SOURCE_WHO_URL: pathToFileURL(who).href, SOURCE_STOPCORONAVIRUS_URL: pathToFileURL(`${FIXTURE_DIR}/`).href, LOG_LEVEL: 'silent' },
    });
    pool = createPool(env.config.DATABASE_URL, { max: 2 });
    clickhouse = createClickHouse({ url: env.config.CLICKHOUSE_URL });
    producer = createProducer(env.config.KAFKA_BROKERS, 'check-sources-test');
  });
  after(async () => {
    await producer?.close();
    await pool?.end();
    await clickhouse?.close();
    await env?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const fileEtag = () => {
    const info = statSync(who);
    return { etag: `W/"${info.size}-${Math.trunc(info.mtimeMs)}"`, lastModified: info.mtime.toUTCString() };
  };
  const sha256 = createHash('sha256').update(readFileSync(SOURCE_FILES.whoDaily)).digest('hex');

  async function whoCheck(): Promise<{ changed: boolean; why: string }> {
    const { attempt, abandon } = testAttempt(pool, '1');
    try {
      const result = await checkSourcesTask({ config: env.config, pool, clickhouse, producer, clock: systemClock }, new CrawlMemo(systemClock))(attempt);
      return (result.gate as { who: { changed: boolean; why: string } }).who;
    } finally {
      await abandon();
    }
  }

  it('the same ETag as the last load: not modified, the file not read (a wrong remembered hash would have said "changed")', async () => {
    await setState(pool, stateKeys.validators('who'), { ...fileEtag(), sha256: 'not the hash of the file' });
    assert.deepEqual(await whoCheck(), { changed: false, why: 'same ETag' });
  });

  it('another ETag: the file is read and its hash decides', async () => {
    await setState(pool, stateKeys.validators('who'), { ...fileEtag(), sha256 });
    utimesSync(who, new Date(), new Date(Date.now() - 60_000)); // touched: same bytes, another mtime
    assert.deepEqual(await whoCheck(), { changed: false, why: 'same SHA-256' });
    await setState(pool, stateKeys.validators('who'), { etag: 'W/"another"', sha256: 'not the hash of the file' });
    assert.deepEqual(await whoCheck(), { changed: true, why: 'content changed' });
  });
});
