// English country names, from the CLDR data built into Node's ICU (no list to keep up to date;
// it covers every ISO 3166-1 code and XK). The names are CLDR's short ones: "Russia",
// "South Korea", "Congo - Kinshasa".
const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

export function countryName(code: string): string {
  return names.of(code) ?? code;
}
