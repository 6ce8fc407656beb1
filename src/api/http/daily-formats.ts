// Renders rows of daily data as JSON ({"data":[...]}), CSV (RFC 4180, header row) or NDJSON,
// chunk by chunk as they come from ClickHouse, with the requested columns in the requested order.
// A null (a 7-day mean without 7 days, a place's source) is JSON null and an empty CSV cell.
import { englishNameOf, iso3Of } from '../../domain/country-lookup.ts';
import { parsePlace, PLACE_NAMES } from '../../domain/regions.ts';
import type { DailyRow, Measures } from '../repositories/daily.repository.ts';
import type { DailyField, Format } from './params.ts';

/** A row as rendered: the measures are there when they were asked for. */
type RenderedRow = DailyRow & Partial<Measures>;

/** A field's value: stored in the row, or derived from its country (iso3, name; a place has a name and no iso3). */
function valueOf(row: RenderedRow, field: DailyField): string | number | boolean | null {
  if (field === 'iso3' || field === 'name') {
    const place = parsePlace(row.country);
    if (place) return field === 'name' ? PLACE_NAMES[place] : null;
    return field === 'iso3' ? iso3Of(row.country) : englishNameOf(row.country);
  }
  return row[field] ?? null;
}

function csvValue(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function* renderDaily(batches: AsyncIterable<RenderedRow[]>, format: Format, fields: readonly DailyField[]): AsyncGenerator<string> {
  const pick = (row: RenderedRow) => {
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
