// The only module that reads the environment. Everything is parsed and validated once, at
// start, into a frozen typed object; a missing or malformed variable stops the process with a
// message that names it (ConfigError).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { FILL_POLICIES } from '../domain/transform/types.ts';
import { defaultCredentialProblems } from './default-credentials.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const staleDays = (fallback: number) => z.coerce.number().int().min(0).max(3_650, 'must be at most 3650 days (0 = never stale)').default(fallback);
const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const url = (protocols: string[]) =>
  z.string().trim().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(', ')})` },
  );

// CLICKHOUSE_URL: one server, or the replicas of one cluster, comma-separated (the client fails
// over between them). Each entry must be an http(s) URL; kept as the trimmed list's text.
const clickhouseUrlList = z
  .string()
  .trim()
  .superRefine((value, context) => {
    const entries = value.split(',').map((entry) => entry.trim());
    for (const [i, entry] of entries.entries()) {
      const where = entries.length > 1 ? `entry ${i + 1} of ${entries.length} ` : '';
      if (entry === '') {
        context.addIssue({ code: 'custom', message: `${where}is empty: list URLs separated by single commas` });
        continue;
      }
      let parsed: URL | undefined;
      try {
        parsed = new URL(entry);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
        context.addIssue({ code: 'custom', message: `${where}must be a URL (http:, https:)${where ? `, not "${redacted(entry)}"` : ''}` });
      } else if (entries.indexOf(entry) !== i) {
        context.addIssue({ code: 'custom', message: `${where}repeats entry ${entries.indexOf(entry) + 1}: list each replica once` });
      }
    }
  })
  .transform((value) => value.split(',').map((entry) => entry.trim()).join(','));

/** An entry shown in an error without its password. */
function redacted(entry: string): string {
  return entry.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

const brokerList = z
  .string()
  .trim()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

const cronExpression = z
  .string()
  .trim()
  .refine((value) => value.split(/\s+/).length === 5 || value.split(/\s+/).length === 6, {
    message: 'must be a cron expression with 5 (or 6) fields',
  });

const sourceUrl = url(['http:', 'https:', 'file:']);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres:postgres@127.0.0.1:5432/covid'),
  CLICKHOUSE_URL: clickhouseUrlList.default('http://default:@127.0.0.1:8123'),
  // The API's own ClickHouse user: read-only by its profile (readonly=1 and the query limits,
  // infra/clickhouse/users.d/reader.xml). Same list rules as CLICKHOUSE_URL; unset, it is
  // CLICKHOUSE_URL's servers with the user covid_reader and no password (the native stack's).
  CLICKHOUSE_READ_URL: clickhouseUrlList.optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('covid'),
  // The remote_servers cluster whose replicas CLICKHOUSE_URL lists: migrations then create
  // replicated tables on each (docs/clickhouse-replication.md). Unset: one plain server.
  CLICKHOUSE_CLUSTER: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (the remote_servers cluster name)').optional(),
  CLICKHOUSE_QUERY_TIMEOUT_MS: positiveInt(5_000),

  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a valid Kafka topic name').default('covid.daily'),
  KAFKA_DLQ_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a valid Kafka topic name').default('covid.daily.dlq'),
  KAFKA_PARTITIONS: positiveInt(3),
  KAFKA_REPLICATION_FACTOR: positiveInt(1),
  KAFKA_SINK_GROUP: z.string().min(1).default('covid-etl-sink'),

  SOURCE_ECDC_URL: sourceUrl.default('https://opendata.ecdc.europa.eu/covid19/casedistribution/csv/data.csv'),
  SOURCE_WHO_URL: sourceUrl.default('https://srhdpeuwpubsa.blob.core.windows.net/whdh/COVID/WHO-COVID-19-global-daily-data.csv'),
  SOURCE_STOPCORONAVIRUS_URL: sourceUrl.default('https://объясняем.рф/stopkoronavirus/'),
  SOURCE_TIMEOUT_MS: positiveInt(120_000),
  // A source that accepts the connection and never answers (or stops mid-body) fails its
  // attempt within these, well inside a minute (SPEC 4); the task's retries go on. The whole
  // fetch's deadline (SOURCE_TIMEOUT_MS) bounds them too.
  SOURCE_CONNECT_TIMEOUT_MS: positiveInt(30_000),
  SOURCE_IDLE_TIMEOUT_MS: positiveInt(30_000),
  SOURCE_RETRIES: nonNegativeInt(3),
  // A source that brought nothing new for longer than this many days is stale (SPEC 4): WHO and
  // the weekly posts report weekly at least. 0 = never stale: ECDC's release is final (2020).
  SOURCE_ECDC_STALE_DAYS: staleDays(0),
  SOURCE_WHO_STALE_DAYS: staleDays(14),
  SOURCE_STOPCORONAVIRUS_STALE_DAYS: staleDays(14),

  ETL_SCHEDULE: cronExpression.default('0 3 * * *'),
  FILL_POLICY: z.enum(FILL_POLICIES).default('ffill'),
  QUALITY_MIN_ROW_RATIO: z.coerce.number().min(0).max(1).default(0.9),
  TASK_CLAIM_SECONDS: positiveInt(120),
  TASK_RETRIES: nonNegativeInt(3),
  VERIFY_TIMEOUT_MS: positiveInt(120_000),

  SINK_BATCH_SIZE: positiveInt(50_000),
  SINK_BATCH_MS: positiveInt(1_000),
  SINK_IDLE_MS: nonNegativeInt(50),

  PORT: port(8000),
  HOST: z.string().default('0.0.0.0'),
  DEFAULT_COUNTRY: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').default('RU'),
  AUTH_RATE_LIMIT: nonNegativeInt(10),
  AUTH_GLOBAL_RATE_LIMIT: nonNegativeInt(20),
  DATA_RATE_LIMIT: nonNegativeInt(50),
  KEY_FAILURE_LIMIT: nonNegativeInt(60),
  // Uncached /v1/daily answers streaming at once: on the server (its own ClickHouse connections) and per key.
  EXPORT_CONCURRENCY: positiveInt(8),
  EXPORT_PER_KEY: positiveInt(2),
  // What all exports together send per second (bytes; 0 = no limit): bounds the CPU they take.
  EXPORT_BYTES_PER_SECOND: nonNegativeInt(32 * 1024 * 1024),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(5_000),
  HTTP_IDLE_TIMEOUT_MS: positiveInt(5_000),
  HTTP_SOCKET_TIMEOUT_MS: positiveInt(30_000),
  HTTP_MAX_CONNECTIONS: positiveInt(1_024),
  HTTP_OVERLOAD_LATENCY_MS: nonNegativeInt(50),
  // `serve` runs this many processes sharing PORT (node:cluster); default one per core.
  API_PROCESSES: positiveInt(availableParallelism()),

  // 0: /metrics on the API port; else only on 127.0.0.1:METRICS_PORT.
  METRICS_PORT: port(0),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  // Liveness, readiness and /metrics of the worker and the sink (0: any free port, logged).
  HEALTH_HOST: z.string().trim().min(1).default('127.0.0.1'),
  WORKER_HEALTH_PORT: port(8001),
  SINK_HEALTH_PORT: port(8002),
}).superRefine((config, context) => {
  // Two roles on one host cannot share a port; 0 (any free port) never clashes.
  const ports: [string, number][] = [['PORT', config.PORT], ['WORKER_HEALTH_PORT', config.WORKER_HEALTH_PORT], ['SINK_HEALTH_PORT', config.SINK_HEALTH_PORT], ['METRICS_PORT', config.METRICS_PORT]];
  for (const [i, [name, value]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, other]) => other === value && value !== 0);
    if (clash) context.addIssue({ code: 'custom', path: [name], message: `must differ from ${clash[0]} (both are ${value})` });
  }
}).transform((config) => ({ ...config, CLICKHOUSE_READ_URL: config.CLICKHOUSE_READ_URL ?? readerUrls(config.CLICKHOUSE_URL) }));

/** The user the native stack and compose create for the API (infra/clickhouse/users.d/reader.xml). */
export const CLICKHOUSE_READER_USER = 'covid_reader';

/** CLICKHOUSE_URL's servers (and paths) with the reader's user and no password. */
function readerUrls(clickhouseUrl: string): string {
  return clickhouseUrl
    .split(',')
    .map((entry) => {
      const url = new URL(entry);
      url.username = CLICKHOUSE_READER_USER;
      url.password = '';
      return url.toString().replace(/\/$/, '');
    })
    .join(',');
}

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads `.env` (if present) under the real environment: a variable set in the environment wins. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "unset", so `FOO=` in .env falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (result.data.NODE_ENV === 'production') {
    const problems = defaultCredentialProblems(result.data);
    if (problems.length > 0) throw new ConfigError(`NODE_ENV=production refuses default credentials:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(result.data);
}

export function loadConfig(): Config {
  return parseConfig(readEnvironment());
}
