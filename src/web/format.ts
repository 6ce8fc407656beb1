// How numbers and dates read on the page: English digit grouping, dates as YYYY-MM-DD.
const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });

export const formatCount = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : integer.format(value));
export const formatMean = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : decimal.format(value));
export const formatChange = (ratio: number): string => percent.format(ratio);

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`), the chart's x values. */
export const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
export const dayDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A timestamp for people: `2026-11-26 14:05 UTC`. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '–';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
