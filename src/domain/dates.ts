// Calendar dates as the sources write them. Everything inside the system is an ISO
// `YYYY-MM-DD` string or, for arithmetic, a UTC day number (days since 1970-01-01): day numbers
// have no time zone and no DST, so "the 7th preceding day" is plain subtraction.

const MS_PER_DAY = 86_400_000;

/** The earliest date any record may carry (COVID-19 was first reported in December 2019). */
export const EARLIEST_DATE = '2019-12-01';

const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether year-month-day is a real calendar date (Date.UTC would roll 2021-02-30 to 03-02). */
function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * Day number of a calendar date, or null when the date does not exist (2021-02-30). Plain
 * integer arithmetic (H. Hinnant's days_from_civil), the same as Date.UTC(...) / MS_PER_DAY for
 * every year a date may have (1000-9999) without building a Date: the loads convert every row.
 */
export function dayFromParts(year: number, month: number, day: number): number | null {
  if (!isRealDate(year, month, day)) return null;
  const y = month <= 2 ? year - 1 : year; // the year counted from March, so that Feb 29 ends it
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468; // 719,468: days from 0000-03-01 to 1970-01-01
}

/** A digit of `text` at `i` as a number, NaN for anything else (NaN then fails isRealDate). */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

/** Day number of a strict `YYYY-MM-DD` (zero-padded, a real date), or null; no RegExp or Date. */
function isoDay(text: string): number | null {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null; // 45: '-'
  const year = digitAt(text, 0) * 1000 + digitAt(text, 1) * 100 + digitAt(text, 2) * 10 + digitAt(text, 3);
  return dayFromParts(year, digitAt(text, 5) * 10 + digitAt(text, 6), digitAt(text, 8) * 10 + digitAt(text, 9));
}

/** Strict `YYYY-MM-DD` (zero-padded, a real calendar date) → the same string, or null. */
export function parseIsoDate(text: string): string | null {
  return isoDay(text) === null ? null : text;
}

export function isIsoDate(text: string): boolean {
  return isoDay(text) !== null;
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
  const n = dayFromParts(year, month, day);
  return n === null ? null : fromDayNumber(n);
}

/** Day number of an ISO date; throws on anything that is not a real `YYYY-MM-DD`. */
export function toDayNumber(iso: string): number {
  const n = isoDay(iso);
  if (n === null) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(iso)}`);
  return n;
}

/**
 * The ISO strings of day numbers 0 (1970-01-01) up to CACHED_DAYS (2149), made once each: a
 * load turns day numbers back into dates for every record, over a few thousand distinct days.
 * Bounded (at most 65,536 short strings), filled only for the days met.
 */
const CACHED_DAYS = 65_536;
const isoOfDay: (string | undefined)[] = [];

export function fromDayNumber(day: number): string {
  if (day >= 0 && day < CACHED_DAYS && Number.isInteger(day)) return (isoOfDay[day] ??= isoOfDate(day * MS_PER_DAY));
  return isoOfDate(day * MS_PER_DAY);
}

function isoOfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  return fromDayNumber(toDayNumber(iso) + days);
}

/** Days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** ISO weekday: 1 = Monday … 7 = Sunday (day 0, 1970-01-01, was a Thursday). */
export function isoWeekday(iso: string): number {
  return ((((toDayNumber(iso) + 3) % 7) + 7) % 7) + 1;
}

/** Today's date in UTC for an injected clock value. */
export function utcToday(now: Date): string {
  // Through fromDayNumber's cache: the pipeline's record check asks for every record.
  const ms = now.getTime();
  return Number.isFinite(ms) ? fromDayNumber(Math.floor(ms / MS_PER_DAY)) : isoOfDate(ms); // an invalid Date throws as before
}
