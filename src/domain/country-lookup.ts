// What a person may type for a country: the ISO 3166-1 alpha-2 code (`RU`), the alpha-3 code
// (`RUS`), or an English name (`Russia`, `Russian Federation`, `cote d'ivoire`). A name counts
// only when it names one country exactly (case, accents and punctuation aside); anything else
// is refused with the countries it could have meant, never guessed.
import { ISO_3166_1 } from './iso-3166-1.ts';

export type CountryLookup =
  | { ok: true; country: string }
  | { ok: false; reason: string; candidates: { country: string; iso3: string; name: string }[] };

const cldr = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** "Côte d’Ivoire" → "cote divoire"; "Bosnia & Herzegovina" → "bosnia and herzegovina". */
export function normalizeName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/**
 * Names people use that neither ISO nor CLDR give: WHO's spellings (what an analyst reads in
 * the WHO file) and well-known former or everyday English names.
 */
const OTHER_NAMES: Readonly<Record<string, readonly string[]>> = {
  BQ: ['Bonaire, Saint Eustatius and Saba'],
  CD: ['Democratic Republic of the Congo', 'DR Congo', 'DRC'],
  CG: ['Republic of the Congo'],
  CI: ['Ivory Coast'],
  CV: ['Cape Verde'],
  CZ: ['Czech Republic'],
  GB: ['Great Britain', 'Britain'],
  KR: ['Republic of Korea'],
  MF: ['Saint Martin'],
  MK: ['Macedonia'],
  MM: ['Burma'],
  MP: ['Northern Mariana Islands (Commonwealth of the)'],
  NL: ['Netherlands (Kingdom of the)'],
  PS: ['Palestine', 'occupied Palestinian territory, including east Jerusalem'],
  SH: ['Saint Helena'],
  SZ: ['Swaziland'],
  TL: ['East Timor'],
  TR: ['Turkey'],
  VA: ['Holy See', 'Vatican'],
  VI: ['United States Virgin Islands'],
  XK: ['Kosovo (in accordance with UN Security Council resolution 1244 (1999))'],
};

const byAlpha2 = new Map<string, { iso3: string; name: string }>();
const byAlpha3 = new Map<string, string>();
const byName = new Map<string, Set<string>>();
for (const [alpha2, alpha3, names] of ISO_3166_1) {
  const short = cldr.of(alpha2) ?? names[0]!;
  byAlpha2.set(alpha2, { iso3: alpha3, name: short });
  byAlpha3.set(alpha3, alpha2);
  for (const name of [short, ...names, ...(OTHER_NAMES[alpha2] ?? [])]) {
    const key = normalizeName(name);
    byName.set(key, (byName.get(key) ?? new Set()).add(alpha2));
  }
}

/** The alpha-3 code of a known alpha-2 code (`XKX` for Kosovo). */
export function iso3Of(alpha2: string): string {
  return byAlpha2.get(alpha2)?.iso3 ?? '';
}

/** The English short name (CLDR, as Node's ICU has it): "Russia", "South Korea". */
export function englishNameOf(alpha2: string): string {
  return byAlpha2.get(alpha2)?.name ?? alpha2;
}

const MAX_CANDIDATES = 10;
const RESERVED_CODES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

function candidates(codes: Iterable<string>) {
  return [...codes]
    .sort()
    .slice(0, MAX_CANDIDATES)
    .map((country) => ({ country, iso3: iso3Of(country), name: englishNameOf(country) }));
}

/** Countries whose names contain every word of the input: what "Korea" or "Congo" may mean. */
function similar(key: string): Set<string> {
  const words = key.split(' ').filter(Boolean);
  const found = new Set<string>();
  if (words.length === 0) return found;
  for (const [name, codes] of byName) {
    const nameWords = name.split(' ');
    if (words.every((word) => nameWords.some((w) => w.startsWith(word)))) for (const code of codes) found.add(code);
  }
  return found;
}

export function lookupCountry(input: string): CountryLookup {
  const text = input.trim();
  if (/^[A-Za-z]{2}$/.test(text) && byAlpha2.has(text.toUpperCase())) return { ok: true, country: text.toUpperCase() };
  if (/^[A-Za-z]{3}$/.test(text)) {
    const alpha2 = byAlpha3.get(text.toUpperCase());
    if (alpha2) return { ok: true, country: alpha2 };
  }
  const key = normalizeName(text);
  const exact = byName.get(key);
  if (exact?.size === 1) return { ok: true, country: [...exact][0]! };
  // Codes ISO only reserves, that ECDC and others used: a hint, not an answer.
  const reserved = RESERVED_CODES[text.toUpperCase()];
  // Two letters that are no code are not the start of a name ("UK" is not Ukraine).
  const options = exact ?? (reserved ? new Set([reserved]) : key.length > 2 ? similar(key) : new Set<string>());
  if (options.size > 0) {
    return { ok: false, reason: 'names no single country', candidates: candidates(options) };
  }
  return { ok: false, reason: 'is not an ISO 3166-1 alpha-2 or alpha-3 code or an English country name', candidates: [] };
}
