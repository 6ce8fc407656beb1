// Renders rows of daily data as JSON ({"data":[...]}), CSV (RFC 4180, header row) or NDJSON,
// chunk by chunk as they come from ClickHouse, with the requested columns in the requested order.
import { englishNameOf, iso3Of } from '../../domain/country-lookup.ts';
import type { DailyRow } from '../repositories/daily.repository.ts';
import type { DailyField, Format } from './params.ts';

/** A field's value: stored in the row, or derived from its country (iso3, name). */
function valueOf(row: DailyRow, field: DailyField): string | number | boolean {
  if (field === 'iso3') return iso3Of(row.country);
  if (field === 'name') return englishNameOf(row.country);
  return row[field];
}

function csvValue(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function* renderDaily(batches: AsyncIterable<DailyRow[]>, format: Format, fields: readonly DailyField[]): AsyncGenerator<string> {
  const pick = (row: DailyRow) => {
    const out: Record<string, unknown> = {};
    for (const field of fields) out[field] = valueOf(row, field);
    return out;
  };
  if (format === 'csv') {
    yield `${fields.join(',')}\r\n`;
    for await (const batch of batches) {
      yield batch.map((row) => `${fields.map((field) => csvValue(valueOf(row, field))).join(',')}\r\n`).join('');
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
