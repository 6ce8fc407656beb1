// The places of SPEC 6.1 and their members, from the countries with data: WORLD holds every
// country; a WHO region the countries whose latest region it is. Countries without a region
// (WHO's OTHER, or never in a WHO file) are in WORLD only.
import { englishNameOf } from '../../domain/country-lookup.ts';
import { memberRegion, PLACE_NAMES, PLACES, REGION_ALIASES, WORLD, type Place } from '../../domain/regions.ts';
import type { CountryCoverage } from '../repositories/daily.repository.ts';

export interface PlaceMembers {
  place: Place;
  name: string;
  /** Older codes that name the same place. */
  aliases: string[];
  /** ISO codes, sorted. */
  members: string[];
}

export function placeMembers(countries: readonly CountryCoverage[]): PlaceMembers[] {
  return PLACES.map((place) => ({
    place,
    name: PLACE_NAMES[place],
    aliases: Object.keys(REGION_ALIASES).filter((alias) => REGION_ALIASES[alias] === place),
    members: countries.filter((c) => place === WORLD || memberRegion(c.region) === place).map((c) => c.country),
  }));
}

/** A country as /v1/countries describes it beyond its coverage: its name and region (null: none). */
export function countryIdentity(country: string, storedRegion: string): { name: string; region: Place | null } {
  return { name: englishNameOf(country), region: memberRegion(storedRegion) };
}
