import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, readEnvironment } from '../../../src/platform/config.ts';

describe('config', () => {
  it('gives the SPEC defaults when nothing is set', () => {
    const config = parseConfig({});
    assert.equal(config.DATABASE_URL, 'postgres://postgres:postgres@127.0.0.1:5432/covid');
    assert.equal(config.CLICKHOUSE_URL, 'http://default:@127.0.0.1:8123');
    assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
    assert.equal(config.KAFKA_TOPIC, 'covid.daily');
    assert.equal(config.KAFKA_DLQ_TOPIC, 'covid.daily.dlq');
    assert.equal(config.PORT, 8000);
    assert.equal(config.DEFAULT_COUNTRY, 'RU');
    assert.equal(config.FILL_POLICY, 'ffill');
  });

  it('with NODE_ENV=production, refuses the default credentials and names each variable', () => {
    assert.throws(
      () => parseConfig({ NODE_ENV: 'production' }),
      (error: Error) =>
        error instanceof ConfigError && /NODE_ENV=production/.test(error.message) && /DATABASE_URL/.test(error.message) && /CLICKHOUSE_URL: user "default" has no password/.test(error.message),
    );
    const reader = { CLICKHOUSE_READ_URL: 'http://covid_reader:y@ch:8123' };
    assert.throws(
      () => parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app:postgres@db/covid', CLICKHOUSE_URL: 'http://writer:x@ch:8123', ...reader }),
      (error: Error) => /DATABASE_URL/.test(error.message) && !/CLICKHOUSE_(READ_)?URL/.test(error.message),
    );
    const config = parseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://app:s3cret@db/covid', CLICKHOUSE_URL: 'http://writer:x@ch:8123', ...reader });
    assert.equal(config.NODE_ENV, 'production');
    // Outside production the defaults stay, for a developer's loopback.
    assert.equal(parseConfig({ NODE_ENV: 'development' }).DATABASE_URL, 'postgres://postgres:postgres@127.0.0.1:5432/covid');
  });

  it('takes several ClickHouse URLs (replicas) and names a bad entry without its password', () => {
    const config = parseConfig({ CLICKHOUSE_URL: ' http://a:1@ch1:8124 , http://a:1@ch2:8125 ', CLICKHOUSE_CLUSTER: 'covid_cluster' });
    assert.equal(config.CLICKHOUSE_URL, 'http://a:1@ch1:8124,http://a:1@ch2:8125');
    assert.equal(config.CLICKHOUSE_CLUSTER, 'covid_cluster');
    assert.equal(parseConfig({}).CLICKHOUSE_CLUSTER, undefined);
    const rejects = (url: string, message: RegExp) =>
      assert.throws(() => parseConfig({ CLICKHOUSE_URL: url }), (error: Error) => error instanceof ConfigError && message.test(error.message));
    rejects('http://ch1:8124,,http://ch2:8125', /CLICKHOUSE_URL: entry 2 of 3 is empty/);
    rejects('http://ch1:8124,ftp://u:secret@ch2', /entry 2 of 2 must be a URL \(http:, https:\), not "ftp:\/\/u:\*\*\*@ch2"/);
    rejects('http://ch1:8124,http://ch1:8124', /entry 2 of 2 repeats entry 1/);
    rejects('not a url', /CLICKHOUSE_URL: must be a URL \(http:, https:\)$/m);
    assert.throws(() => parseConfig({ CLICKHOUSE_CLUSTER: 'a-b' }), /CLICKHOUSE_CLUSTER: must be a plain identifier/);
    // Production holds every replica's URL to the credential rule.
    assert.throws(
      () =>
        parseConfig({
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://app:s3cret@db/covid',
          CLICKHOUSE_URL: 'http://r:x@ch1:8123,http://r@ch2:8123',
          CLICKHOUSE_READ_URL: 'http://q:y@ch1:8123',
        }),
      (error: Error) => /CLICKHOUSE_URL \(entry 2\): user "r" has no password/.test(error.message) && !/entry 1/.test(error.message),
    );
  });

  it("gives the API a read-only user of its own: CLICKHOUSE_READ_URL, by default CLICKHOUSE_URL's servers as covid_reader", () => {
    assert.equal(parseConfig({}).CLICKHOUSE_READ_URL, 'http://covid_reader@127.0.0.1:8123');
    // Every replica, with its port and path; the pipeline's password is not carried over.
    assert.equal(
      parseConfig({ CLICKHOUSE_URL: 'http://covid:pw@ch1:8124,https://covid:pw@ch2/proxy' }).CLICKHOUSE_READ_URL,
      'http://covid_reader@ch1:8124,https://covid_reader@ch2/proxy',
    );
    assert.equal(parseConfig({ CLICKHOUSE_READ_URL: ' http://api:s@ch1:8124 , http://api:s@ch2:8125 ' }).CLICKHOUSE_READ_URL, 'http://api:s@ch1:8124,http://api:s@ch2:8125');
    const rejects = (url: string, message: RegExp) =>
      assert.throws(() => parseConfig({ CLICKHOUSE_READ_URL: url }), (error: Error) => error instanceof ConfigError && message.test(error.message));
    rejects('http://ch1:8124,,http://ch2:8125', /CLICKHOUSE_READ_URL: entry 2 of 3 is empty/);
    rejects('postgres://u:secret@ch1', /CLICKHOUSE_READ_URL: must be a URL \(http:, https:\)$/m);
    rejects('http://ch1:8124,http://ch1:8124', /CLICKHOUSE_READ_URL: entry 2 of 2 repeats entry 1/);

    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://app:s3cret@db/covid', CLICKHOUSE_URL: 'http://covid:x@ch:8123' };
    // Unset in production: the derived reader has no password.
    assert.throws(() => parseConfig(production), /CLICKHOUSE_READ_URL: user "covid_reader" has no password/);
    assert.throws(() => parseConfig({ ...production, CLICKHOUSE_READ_URL: 'http://covid_reader:y@ch1:8123,http://covid_reader@ch2:8123' }), /CLICKHOUSE_READ_URL \(entry 2\): user "covid_reader" has no password/);
    // The pipeline's own user would give the API write access.
    assert.throws(() => parseConfig({ ...production, CLICKHOUSE_READ_URL: 'http://covid:x@ch:8123' }), /CLICKHOUSE_READ_URL: uses the pipeline's user "covid" \(CLICKHOUSE_URL\)/);
    assert.equal(parseConfig({ ...production, CLICKHOUSE_READ_URL: 'http://covid_reader:y@ch:8123' }).CLICKHOUSE_READ_URL, 'http://covid_reader:y@ch:8123');
  });

  it('is frozen', () => {
    const config = parseConfig({});
    assert.throws(() => {
      (config as { PORT: number }).PORT = 1;
    }, TypeError);
  });

  it('parses lists and numbers', () => {
    const config = parseConfig({ KAFKA_BROKERS: 'a:1, b:2', PORT: '9000', FILL_POLICY: 'zero' });
    assert.deepEqual(config.KAFKA_BROKERS, ['a:1', 'b:2']);
    assert.equal(config.PORT, 9000);
    assert.equal(config.FILL_POLICY, 'zero');
  });

  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['FILL_POLICY', 'backfill'],
    ['KAFKA_BROKERS', 'localhost'],
    ['DATABASE_URL', 'mysql://x'],
    ['SOURCE_WHO_URL', 'ftp://example.org/who.csv'],
    ['ETL_SCHEDULE', 'daily'],
    ['DEFAULT_COUNTRY', 'rus'],
    ['CLICKHOUSE_DATABASE', 'covid; DROP'],
    ['AUTH_RATE_LIMIT', '-1'],
    ['SOURCE_CONNECT_TIMEOUT_MS', '0'],
    ['SOURCE_IDLE_TIMEOUT_MS', 'soon'],
    ['SOURCE_CONNECT_TIMEOUT_MS', '-5'],
    ['SOURCE_WHO_STALE_DAYS', '-1'],
    ['SOURCE_STOPCORONAVIRUS_STALE_DAYS', 'two weeks'],
    ['SOURCE_ECDC_STALE_DAYS', '99999'],
    ['SOURCE_WHO_STALE_DAYS', '1.5'],
  ] as const) {
    it(`stops with a message naming ${name} when it is ${value}`, () => {
      assert.throws(() => parseConfig({ [name]: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, new RegExp(`^  ${name}: `, 'm'));
        return true;
      });
    });
  }

  it('staleness per source: 14 days for WHO and the weekly posts, never for the final ECDC release', () => {
    const config = parseConfig({});
    assert.deepEqual([config.SOURCE_ECDC_STALE_DAYS, config.SOURCE_WHO_STALE_DAYS, config.SOURCE_STOPCORONAVIRUS_STALE_DAYS], [0, 14, 14]);
    assert.equal(parseConfig({ SOURCE_WHO_STALE_DAYS: '3' }).SOURCE_WHO_STALE_DAYS, 3);
  });

  it('accepts file:// source locations', () => {
    assert.equal(parseConfig({ SOURCE_ECDC_URL: 'file:///data/ecdc.csv' }).SOURCE_ECDC_URL, 'file:///data/ecdc.csv');
  });

  it('reads .env under the real environment, which wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'covid-env-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'PORT=9001\nDEFAULT_COUNTRY=DE\n');
    const env = readEnvironment({ PORT: '9002' }, file);
    const config = parseConfig(env);
    assert.equal(config.PORT, 9002);
    assert.equal(config.DEFAULT_COUNTRY, 'DE');
  });
});
