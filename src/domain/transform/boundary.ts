// The ECDC → WHO boundary (rule 2, decision 0010). The two sources do not date a report the
// same way, and the difference is per country: Russia's last ECDC report, dated 2020-12-14, is
// the one WHO dates 2020-12-13; Brazil's, dated 2020-12-14, is WHO's 2020-12-15; for most
// countries the dates agree. A single calendar cut would double one report for some countries
// and drop one for others. So ECDC dates are moved into WHO's convention per country (by the
// offset below), and ECDC stands up to its final report translated the same way; WHO stands
// from the next day. The last ECDC report and the first WHO report are then consecutive.
//
// The offsets are facts about a source that no longer changes (ECDC's final release), derived
// from the real files by `deriveEcdcWhoOffsets`; a unit test derives them again and compares.
import { addDays, toDayNumber } from '../dates.ts';
import type { SeriesPoint } from './types.ts';

/** The publication day of ECDC's final daily release. */
export const ECDC_FINAL_REPORT_DATE = '2020-12-14';

/**
 * Days to add to an ECDC date to get WHO's date for the same report. Countries not listed keep
 * ECDC's date (offset 0). Marked `*`: shown by daily values only (the running totals of the two
 * sources never agree for them); all others by running totals (see deriveEcdcWhoOffsets).
 */
export const ECDC_WHO_DAY_OFFSETS: Readonly<Record<string, number>> = {
  // WHO dates the report one day earlier (Russia: ECDC 2020-12-14 = WHO 2020-12-13).
  BD: -1, BF: -1, CG: -1, CR: -1, FO: -1, GM: -1, GN: -1, GQ: -1, ID: -1, LK: -1, LV: -1,
  MK: -1, MT: -1 /* * */, MV: -1, NA: -1 /* * */, NO: -1 /* * */, NP: -1 /* * */, PL: -1 /* * */,
  RU: -1, SK: -1, UG: -1 /* * */,
  // WHO dates it one day later (Brazil: ECDC 2020-12-14 = WHO 2020-12-15).
  AL: 1, AW: 1, AZ: 1, BM: 1, BO: 1, BR: 1, BZ: 1, CA: 1 /* * */, CO: 1, CW: 1, GI: 1 /* * */,
  GY: 1, HN: 1, HT: 1, IE: 1 /* * */, ME: 1 /* * */, PA: 1, PE: 1 /* * */, PK: 1 /* * */, PY: 1,
  SR: 1, SV: 1, SX: 1, TT: 1, UY: 1, VI: 1,
  // Two days earlier.
  GH: -2, SD: -2 /* * */,
};

/** The 213 countries in ECDC's final release (its 214 geoIds less the cruise ship JPG11668). */
export const ECDC_COUNTRIES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AR AT AU AW AZ BA BB BD BE BF BG BH BI BJ BM BN BO
  BQ BR BS BT BW BY BZ CA CD CF CG CH CI CL CM CN CO CR CU CV CW CY CZ DE DJ
  DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FO FR GA GB GD GE GG GH GI GL GM
  GN GQ GR GT GU GW GY HN HR HT HU ID IE IL IM IN IQ IR IS IT JE JM JO JP KE
  KG KH KM KN KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH
  MK ML MM MN MP MR MS MT MU MV MW MX MY MZ NA NC NE NG NI NL NO NP NZ OM PA
  PE PF PG PH PK PL PR PS PT PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM
  SN SO SR SS ST SV SX SY SZ TC TD TG TH TJ TL TN TR TT TW TZ UA UG US UY UZ
  VA VC VE VG VI VN VU WF XK YE ZA ZM ZW`.split(/\s+/),
);

export function ecdcDayOffset(country: string): number {
  return ECDC_WHO_DAY_OFFSETS[country] ?? 0;
}

/** An ECDC date in WHO's convention for that country. */
export function ecdcToWhoDate(country: string, ecdcDate: string): string {
  const offset = ecdcDayOffset(country);
  return offset === 0 ? ecdcDate : addDays(ecdcDate, offset);
}

/** The last date ECDC stands for in a country (its final report, in WHO's convention). */
export function ecdcLastDate(country: string): string {
  return ecdcToWhoDate(country, ECDC_FINAL_REPORT_DATE);
}

export interface OffsetEvidence {
  /** Days to add to an ECDC date to get WHO's date of the same report. */
  offset: number;
  /**
   * running-total: ECDC's total of all its reports equals WHO's total through final+offset, so
   *   WHO continuing on the next day neither drops nor doubles anything (the direct proof);
   * daily-values: totals never agree (the sources' histories differ), but in the last weeks the
   *   same daily values appear at this shift, clearly more often than at any other;
   * none: no evidence either way; ECDC's date is kept.
   */
  basis: 'running-total' | 'daily-values' | 'none';
  /** For daily-values: non-zero values equal at the chosen shift and at the runner-up. */
  matches?: number;
  runnerUp?: number;
}

export interface DeriveOptions {
  /** Largest shift tried, in days, either way. */
  maxShift?: number;
  /** Days of ECDC data, ending at its final report, compared value by value. */
  windowDays?: number;
  /** Fewest equal values for daily-values to count as evidence. */
  minMatches?: number;
}

/**
 * The offset of every country in both sources (ECDC points with ECDC's own dates). Shifts are
 * tried from small to large (0, -1, 1, -2, …), so when several totals agree (no new cases for
 * a few days, nothing to drop or double) the smallest one wins.
 */
export function deriveEcdcWhoOffsets(
  ecdc: ReadonlyMap<string, readonly SeriesPoint[]>,
  who: ReadonlyMap<string, readonly SeriesPoint[]>,
  options: DeriveOptions = {},
): Map<string, OffsetEvidence> {
  const maxShift = options.maxShift ?? 3;
  const windowDays = options.windowDays ?? 14;
  const minMatches = options.minMatches ?? 4;
  const final = toDayNumber(ECDC_FINAL_REPORT_DATE);
  const shifts = [0];
  for (let s = 1; s <= maxShift; s++) shifts.push(-s, s);

  const result = new Map<string, OffsetEvidence>();
  for (const [country, ecdcPoints] of ecdc) {
    const whoPoints = who.get(country);
    if (!whoPoints) continue;
    const ecdcTotal = total(ecdcPoints, () => true);
    const byTotal = shifts.find((shift) => {
      const whoTotal = total(whoPoints, (day) => day <= final + shift);
      return whoTotal.cases === ecdcTotal.cases && whoTotal.deaths === ecdcTotal.deaths;
    });
    if (byTotal !== undefined) {
      result.set(country, { offset: byTotal, basis: 'running-total' });
      continue;
    }
    const whoByDay = new Map(whoPoints.map((p) => [toDayNumber(p.date), p]));
    const recent = ecdcPoints.filter((p) => toDayNumber(p.date) > final - windowDays);
    const scores = shifts.map((shift) => {
      let matches = 0;
      for (const p of recent) {
        const w = whoByDay.get(toDayNumber(p.date) + shift);
        if (!w) continue;
        // Zeros are left out: they match by chance.
        if (p.cases !== null && p.cases !== 0 && p.cases === w.cases) matches++;
        if (p.deaths !== null && p.deaths !== 0 && p.deaths === w.deaths) matches++;
      }
      return { shift, matches };
    });
    const ranked = [...scores].sort((a, b) => b.matches - a.matches); // stable: ties keep shift order
    const best = ranked[0]!;
    const runnerUp = ranked[1]?.matches ?? 0;
    result.set(
      country,
      best.matches >= minMatches && best.matches >= 2 * runnerUp
        ? { offset: best.shift, basis: 'daily-values', matches: best.matches, runnerUp }
        : { offset: 0, basis: 'none', matches: best.matches, runnerUp },
    );
  }
  return result;
}

function total(points: readonly SeriesPoint[], include: (day: number) => boolean): { cases: number; deaths: number } {
  let cases = 0;
  let deaths = 0;
  for (const p of points) {
    if (!include(toDayNumber(p.date))) continue;
    cases += p.cases ?? 0;
    deaths += p.deaths ?? 0;
  }
  return { cases, deaths };
}
