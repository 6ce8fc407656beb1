// Renders rows of daily data as JSON ({"data":[...]}), CSV (RFC 4180, header row) or NDJSON,
// chunk by chunk as they come from ClickHouse, with the requested columns in the requested order.
import type { DailyRow } from '../repositories/daily.repository.ts';
import type { DailyField, Format } from './params.ts';

function csvValue(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function* renderDaily(batches: AsyncIterable<DailyRow[]>, format: Format, fields: readonly DailyField[]): AsyncGenerator<string> {
  const pick = (row: DailyRow) => {
    const out: Record<string, unknown> = {};
    for (const field of fields) out[field] = row[field];
    return out;
  };
  if (format === 'csv') {
    yield `${fields.join(',')}\r\n`;
    for await (const batch of batches) {
      yield batch.map((row) => `${fields.map((field) => csvValue(row[field])).join(',')}\r\n`).join('');
    }
    return;
  }
  if (format === 'ndjson') {
    for await (const batch of batches) yield batch.map((row) => `${JSON.stringify(pick(row))}\n`).join('');
    return;
  }
  yield '{"data":[';
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield (first ? '' : ',') + batch.map((row) => JSON.stringify(pick(row))).join(',');
    first = false;
  }
  yield ']}';
}
