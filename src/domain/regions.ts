// Places beyond one country (SPEC 6.1): the world and the six WHO regions. A country belongs to
// the region that the WHO file gives it last; WHO writes `OTHER` (or nothing) for countries in no
// region, and those count for the world only. Older WHO files wrote the codes with a trailing O
// (`EURO`), newer ones without (`EUR`): both mean the same region.

export const WHO_REGIONS = ['AFR', 'AMR', 'EMR', 'EUR', 'SEAR', 'WPR'] as const;
export type WhoRegion = (typeof WHO_REGIONS)[number];

/** What a record carries: a WHO region, or `OTHER` for a country WHO assigns to none. */
export const NO_REGION = 'OTHER';
export const RECORD_REGIONS = [...WHO_REGIONS, NO_REGION] as const;
export type RecordRegion = (typeof RECORD_REGIONS)[number];

export const WORLD = 'WORLD';
export const PLACES = [WORLD, ...WHO_REGIONS] as const;
export type Place = (typeof PLACES)[number];

export const PLACE_NAMES: Readonly<Record<Place, string>> = {
  WORLD: 'World',
  AFR: 'African Region',
  AMR: 'Region of the Americas',
  EMR: 'Eastern Mediterranean Region',
  EUR: 'European Region',
  SEAR: 'South-East Asia Region',
  WPR: 'Western Pacific Region',
};

/** The older files' codes. */
export const REGION_ALIASES: Readonly<Record<string, WhoRegion>> = {
  AFRO: 'AFR',
  AMRO: 'AMR',
  EMRO: 'EMR',
  EURO: 'EUR',
  SEARO: 'SEAR',
  WPRO: 'WPR',
};

const isWhoRegion = (code: string): code is WhoRegion => (WHO_REGIONS as readonly string[]).includes(code);

/** A place code as a user may write it (any case, old or new region code), or null if it is none. */
export function parsePlace(code: string): Place | null {
  const upper = code.toUpperCase();
  if (upper === WORLD || isWhoRegion(upper)) return upper;
  return REGION_ALIASES[upper] ?? null;
}

/**
 * A WHO file's region cell as a record carries it. Anything but a known region code (`Other`,
 * an empty cell, a code WHO might add one day) is `OTHER`: the country still counts for the
 * world, and its rows are never rejected for a column the counts do not depend on.
 */
export function recordRegion(cell: string): RecordRegion {
  const upper = cell.trim().toUpperCase();
  if (isWhoRegion(upper)) return upper;
  return REGION_ALIASES[upper] ?? NO_REGION;
}

/** The region of a stored region value ('' = no WHO row, `OTHER`) or null: only the world then. */
export function memberRegion(stored: string): WhoRegion | null {
  return isWhoRegion(stored) ? stored : null;
}
