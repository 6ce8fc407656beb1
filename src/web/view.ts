// What the page shows, kept in its URL query so that a view can be bookmarked and shared:
// `?places=RU,DE&measure=deaths&scale=log&from=2021-01-01&to=2021-12-31`. The API key never
// goes here. Values that cannot be read are dropped, not guessed.
export const MEASURES = ['cases', 'deaths'] as const;
export type Measure = (typeof MEASURES)[number];
export const SCALES = ['linear', 'log'] as const;
export type Scale = (typeof SCALES)[number];

export const MAX_PLACES = 6;

export interface View {
  places: string[];
  measure: Measure;
  scale: Scale;
  /** Inclusive date range shown, `YYYY-MM-DD`; null means from the first or to the last day. */
  from: string | null;
  to: string | null;
}

export const DEFAULT_VIEW: View = { places: [], measure: 'cases', scale: 'linear', from: null, to: null };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PLACE = /^[A-Z]{2,5}$/;

const isDate = (value: string | null): value is string => value !== null && DATE.test(value) && !Number.isNaN(Date.parse(value));
const oneOf = <T extends string>(options: readonly T[], value: string | null, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

export function readView(query: string): View {
  const params = new URLSearchParams(query);
  const places = (params.get('places') ?? '')
    .split(',')
    .map((place) => place.trim().toUpperCase())
    .filter((place) => PLACE.test(place));
  let from = params.get('from');
  let to = params.get('to');
  if (!isDate(from)) from = null;
  if (!isDate(to)) to = null;
  if (from && to && from > to) [from, to] = [to, from];
  return {
    places: [...new Set(places)].slice(0, MAX_PLACES),
    measure: oneOf(MEASURES, params.get('measure'), DEFAULT_VIEW.measure),
    scale: oneOf(SCALES, params.get('scale'), DEFAULT_VIEW.scale),
    from,
    to,
  };
}

/** The query string of a view (with its leading `?`), defaults left out. */
export function writeView(view: View): string {
  const params = new URLSearchParams();
  if (view.places.length > 0) params.set('places', view.places.join(','));
  if (view.measure !== DEFAULT_VIEW.measure) params.set('measure', view.measure);
  if (view.scale !== DEFAULT_VIEW.scale) params.set('scale', view.scale);
  if (view.from) params.set('from', view.from);
  if (view.to) params.set('to', view.to);
  const query = params.toString().replaceAll('%2C', ',');
  return query ? `?${query}` : '';
}
