// Which codes in the sources are countries. Every record carries an ISO 3166-1 alpha-2 code;
// a source code is one of three things:
//   country        an ISO code (or a known alias of one)            → loaded
//   not-a-country  a row the source publishes that is no country    → skipped and counted
//   unknown        anything else                                    → rejected with its reason
// Unknown codes are rejected rather than skipped so that a new code in a source shows up in the
// rejects instead of disappearing.
import type { SourceName } from './record.ts';

/** ISO 3166-1 alpha-2 (all 249 assigned codes, from Debian iso-codes 4.15) plus XK for Kosovo. */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE
  BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
  CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
  DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
  GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
  ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
  KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
  MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
  NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
  PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
  SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
  TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
  VN VU WF WS YE YT ZA ZM ZW XK`.split(/\s+/),
);

/**
 * Codes a source uses for an ISO country. ECDC followed the EU convention (UK, EL), which ISO
 * only reserves. Aliases apply to the source that uses them, so a `UK` from WHO stays unknown.
 */
const ALIASES: Readonly<Record<SourceName, Readonly<Record<string, string>>>> = {
  ecdc: { UK: 'GB', EL: 'GR' },
  who: {},
  stopcoronavirus: {},
};

/**
 * Rows that are published by a source but are not a country. Why each is skipped:
 * - `JPG11668` (ECDC): "Cases on an international conveyance Japan", the Diamond Princess.
 * - `' '` (WHO, older releases): the row named "Other" in region "Other" (also conveyances).
 * - `XXF`…`XXL` (WHO weekly), `XF`…`XL` (WHO daily 2024+): international conveyances. `XK`
 *   (Kosovo) sits in that letter range and is a country, hence the explicit list.
 * - `XA`, `XB`, `XC` (WHO, older releases): Bonaire, Sint Eustatius and Saba reported one by one.
 *   ISO has one code for the three (BQ), which newer WHO releases and ECDC use. Adding the parts
 *   up into BQ would be a rule of our own (and a second row for BQ on the same date), so they
 *   are skipped instead.
 */
const NOT_COUNTRIES: Readonly<Record<string, string>> = {
  JPG11668: 'international conveyance (Diamond Princess)',
  ' ': 'WHO "Other" (no country)',
  XXF: 'international conveyance',
  XXG: 'international conveyance',
  XXH: 'international conveyance',
  XXI: 'international conveyance',
  XXJ: 'international conveyance',
  XXL: 'international conveyance',
  XF: 'international conveyance',
  XG: 'international conveyance',
  XH: 'international conveyance',
  XI: 'international conveyance',
  XJ: 'international conveyance',
  XL: 'international conveyance',
  XA: 'part of BQ (Bonaire)',
  XB: 'part of BQ (Sint Eustatius)',
  XC: 'part of BQ (Saba)',
};

export type CodeClass =
  | { kind: 'country'; country: string }
  | { kind: 'not-a-country'; reason: string }
  | { kind: 'unknown'; reason: string };

export function isKnownCountry(code: string): boolean {
  return COUNTRY_CODES.has(code);
}

/** Classify a code exactly as the source wrote it (no trimming: WHO's `' '` is meaningful). */
export function classifyCode(source: SourceName, raw: string): CodeClass {
  const aliased = ALIASES[source][raw] ?? raw;
  if (COUNTRY_CODES.has(aliased)) return { kind: 'country', country: aliased };
  const skip = NOT_COUNTRIES[raw];
  if (skip !== undefined) return { kind: 'not-a-country', reason: skip };
  return { kind: 'unknown', reason: `unknown country code ${JSON.stringify(raw)}` };
}
