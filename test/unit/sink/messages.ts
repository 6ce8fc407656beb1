// Kafka messages as the sink receives them, for unit tests.
import type { SinkMessage } from '../../../src/sink/decode.ts';
import type { DailyRecord } from '../../../src/domain/record.ts';

export const PUBLISHED_AT = Date.UTC(2024, 0, 2, 3, 4, 5);

/** Its JSON is the publisher's (recordJson's) shape: the same fields in the same order. */
export function record(overrides: Partial<DailyRecord> = {}): DailyRecord {
  const estimated = overrides.estimated ?? false;
  return { country: 'RU', date: '2021-03-01', cases: 11_000, deaths: 400, source: 'who', estimated, estimated_cases: estimated, estimated_deaths: estimated, ...overrides };
}

/** Key, value and headers given as text, delivered as the bytes the sink's consumer gives. */
type TextParts = { key?: string | undefined; value?: string | undefined; headers?: Map<string, string> };

export function message(overrides: Omit<Partial<SinkMessage>, 'key' | 'value' | 'headers'> & TextParts & { record?: unknown } = {}): SinkMessage {
  const { record: value = record(), ...rest } = overrides;
  const r = value as Partial<DailyRecord>;
  const parts = { key: `${r.country}:${r.date}`, value: JSON.stringify(value), headers: new Map([['run-id', '42']]), ...rest };
  return {
    topic: 'covid.daily',
    partition: 0,
    offset: 0n,
    timestamp: BigInt(PUBLISHED_AT),
    leaderEpoch: 0,
    ...rest,
    key: bytes(parts.key),
    value: bytes(parts.value),
    headers: new Map([...parts.headers].map(([name, text]) => [name, Buffer.from(text)])),
  };
}

const bytes = (text: string | undefined) => (text === undefined ? undefined : Buffer.from(text));
