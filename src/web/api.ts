// The API, as the page uses it: same origin, the key in the `x-key` header. Every failure
// becomes an ApiError whose kind decides what the person is told (messages.ts).
export type ApiErrorKind = 'unauthorized' | 'rate_limited' | 'unavailable' | 'rejected';

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** Seconds to wait before trying again (429 and 503 answers that say so). */
  readonly retryAfter: number | null;
  constructor(kind: ApiErrorKind, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.retryAfter = retryAfter;
  }
}

/** What an answer's status means for the page. */
export function errorKind(status: number): ApiErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status >= 500 || status === 408) return 'unavailable';
  return 'rejected';
}

async function problemDetail(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown; title?: unknown };
    if (typeof body.detail === 'string') return body.detail;
    if (typeof body.title === 'string') return body.title;
  } catch {
    // not a problem document: the status says enough
  }
  return `HTTP ${response.status}`;
}

async function request(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, cache: 'no-cache' });
  } catch (error) {
    throw new ApiError('unavailable', error instanceof Error ? error.message : String(error));
  }
  if (response.ok) return response;
  const retry = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  throw new ApiError(errorKind(response.status), await problemDetail(response), Number.isFinite(retry) ? retry : null);
}

export interface Coverage {
  country: string;
  name?: string;
  first_date: string;
  last_date: string;
}

/** WORLD or a WHO region (GET /v1/regions). */
export interface RegionInfo {
  place: string;
  name: string;
  members: string[];
}

export interface DailyRow {
  date: string;
  cases: number;
  deaths: number;
  cases_7d: number | null;
  deaths_7d: number | null;
  cumulative_cases: number;
  cumulative_deaths: number;
  /** Filled or spread rather than reported for that very day (either count). */
  estimated: boolean;
  /** The source whose row stands for that day; null for the world and regions. */
  source?: string | null;
  /** For the world and regions: how many countries contributed. */
  countries?: number;
}

export interface Freshness {
  source: string;
  /** null while the source has no rows. */
  last_date: string | null;
  last_loaded_at: string | null;
  stale?: boolean;
}

export interface RunInfo {
  id: number;
  trigger: string;
  state: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface PipelineStatus {
  last_run: RunInfo | null;
  freshness: Freshness[];
}

const SERIES_FIELDS = 'date,cases,deaths,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths,estimated,source';
const CSV_FIELDS = 'country,date,cases,deaths,cases_7d,deaths_7d,cumulative_cases,cumulative_deaths,estimated,source';

export interface Api {
  status(): Promise<PipelineStatus>;
  countries(): Promise<Coverage[]>;
  regions(): Promise<RegionInfo[]>;
  series(place: string): Promise<DailyRow[]>;
  csv(places: readonly string[], from: string | null, to: string | null): Promise<Blob>;
}

export function createApi(key: string): Api {
  const headers = { 'x-key': key, accept: 'application/json' };
  const getJson = async <T>(path: string): Promise<T> => (await (await request(path, { headers })).json()) as T;
  return {
    status: () => getJson<PipelineStatus>('/v1/status'),
    countries: async () => (await getJson<{ countries: Coverage[] }>('/v1/countries')).countries,
    regions: async () => (await getJson<{ regions: RegionInfo[] }>('/v1/regions')).regions,
    series: async (place) => (await getJson<{ data: DailyRow[] }>(`/v1/daily?country=${encodeURIComponent(place)}&fields=${SERIES_FIELDS}`)).data,
    async csv(places, from, to) {
      const query = new URLSearchParams({ country: places.join(','), fields: CSV_FIELDS, format: 'csv' });
      if (from) query.set('start', from);
      if (to) query.set('end', to);
      return (await request(`/v1/daily?${query.toString().replaceAll('%2C', ',')}`, { headers: { 'x-key': key, accept: 'text/csv' } })).blob();
    },
  };
}

export interface Registration {
  username: string;
  api_key: string;
}

export async function register(username: string, password: string): Promise<Registration> {
  const response = await request('/users/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return (await response.json()) as Registration;
}
