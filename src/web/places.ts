// The places a person can pick: the world, the WHO regions and every country with data, each
// with its name. Search matches a name (from any word, ignoring case and accents) or a code.
export type PlaceKind = 'world' | 'region' | 'country';

export interface Place {
  code: string;
  name: string;
  kind: PlaceKind;
}

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  } catch {
    return null;
  }
})();

/** A country's English name: the API's when it sends one, else the browser's (CLDR) name. */
export function countryName(code: string, fromApi?: string | null): string {
  return fromApi || regionNames?.of(code) || code;
}

const KIND_ORDER: Record<PlaceKind, number> = { world: 0, region: 1, country: 2 };

export function sortPlaces(places: readonly Place[]): Place[] {
  return [...places].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name, 'en'));
}

const fold = (text: string) => text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();

/** How well a place answers a search: lower is better, null is no match. */
function rank(place: Place, query: string): number | null {
  const code = place.code.toLowerCase();
  const name = fold(place.name);
  if (code === query) return 0;
  if (name === query) return 1;
  if (name.startsWith(query)) return 2;
  if (name.split(/[\s\-–(),.]+/).some((word) => word.startsWith(query))) return 3;
  if (code.startsWith(query)) return 4;
  if (query.length >= 3 && name.includes(query)) return 5;
  return null;
}

export function searchPlaces(places: readonly Place[], query: string, limit = 50): Place[] {
  const wanted = fold(query.trim());
  if (!wanted) return places.slice(0, limit);
  const matches: { place: Place; rank: number; index: number }[] = [];
  places.forEach((place, index) => {
    const score = rank(place, wanted);
    if (score !== null) matches.push({ place, rank: score, index });
  });
  return matches
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .slice(0, limit)
    .map((match) => match.place);
}
