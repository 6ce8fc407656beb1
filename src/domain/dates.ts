// Calendar dates as the sources write them. Everything inside the system is an ISO
// `YYYY-MM-DD` string or, for arithmetic, a UTC day number (days since 1970-01-01): day numbers
// have no time zone and no DST, so "the 7th preceding day" is plain subtraction.

const MS_PER_DAY = 86_400_000;

/** The earliest date any record may carry (COVID-19 was first reported in December 2019). */
export const EARLIEST_DATE = '2019-12-01';

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether year-month-day is a real calendar date (Date.UTC would roll 2021-02-30 to 03-02). */
function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Day number of a calendar date, or null when the date does not exist (2021-02-30). */
export function dayFromParts(year: number, month: number, day: number): number | null {
  return isRealDate(year, month, day) ? Date.UTC(year, month - 1, day) / MS_PER_DAY : null;
}

/** Strict `YYYY-MM-DD` (zero-padded, a real calendar date) → the same string, or null. */
export function parseIsoDate(text: string): string | null {
  const m = ISO.exec(text);
  if (!m) return null;
  return dayFromParts(Number(m[1]), Number(m[2]), Number(m[3])) === null ? null : text;
}

export function isIsoDate(text: string): boolean {
  return parseIsoDate(text) !== null;
}

/** `dd/mm/yyyy` (ECDC's original `dateRep`; one- or two-digit day and month) → ISO, or null. */
export function parseDmy(text: string): string | null {
  const m = DMY.exec(text);
  if (!m) return null;
  return isoFromParts(Number(m[3]), Number(m[2]), Number(m[1]));
}

/** `m/d/yyyy` (the same column after an Excel re-save, unpadded) → ISO, or null. */
export function parseMdy(text: string): string | null {
  const m = DMY.exec(text);
  if (!m) return null;
  return isoFromParts(Number(m[3]), Number(m[1]), Number(m[2]));
}

export function isoFromParts(year: number, month: number, day: number): string | null {
  if (!isRealDate(year, month, day)) return null;
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** Day number of an ISO date; throws on anything that is not a real `YYYY-MM-DD`. */
export function toDayNumber(iso: string): number {
  const m = ISO.exec(iso);
  const n = m ? dayFromParts(Number(m[1]), Number(m[2]), Number(m[3])) : null;
  if (n === null) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(iso)}`);
  return n;
}

export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  return fromDayNumber(toDayNumber(iso) + days);
}

/** Days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(iso: string): number {
  const jsDay = new Date(toDayNumber(iso) * MS_PER_DAY).getUTCDay();
  return jsDay === 0 ? 7 : jsDay;
}

/** Today's date in UTC for an injected clock value. */
export function utcToday(now: Date): string {
  return now.toISOString().slice(0, 10);
}
