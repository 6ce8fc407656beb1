// Kafka messages as the sink receives them, for unit tests.
import type { SinkMessage } from '../../../src/sink/decode.ts';
import type { DailyRecord } from '../../../src/domain/record.ts';

export const PUBLISHED_AT = Date.UTC(2024, 0, 2, 3, 4, 5);

export function record(overrides: Partial<DailyRecord> = {}): DailyRecord {
  const estimated = overrides.estimated ?? false;
  return { country: 'RU', date: '2021-03-01', cases: 11_000, deaths: 400, source: 'who', estimated, estimated_cases: estimated, estimated_deaths: estimated, ...overrides };
}

export function message(overrides: Partial<SinkMessage> & { record?: unknown } = {}): SinkMessage {
  const { record: value = record(), ...rest } = overrides;
  const r = value as Partial<DailyRecord>;
  return {
    topic: 'covid.daily',
    partition: 0,
    offset: 0n,
    timestamp: BigInt(PUBLISHED_AT),
    leaderEpoch: 0,
    key: `${r.country}:${r.date}`,
    value: JSON.stringify(value),
    headers: new Map([['run-id', '42']]),
    ...rest,
  };
}
