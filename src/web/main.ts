// The dashboard's entry point: sign in, then keep the chart, the table, the figures and the
// URL in step with the view (places, measure, scale, dates).
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { ApiError, createApi, type Api, type DailyRow } from './api.ts';
import { createChart, type ChartInput } from './chart.ts';
import { byId } from './dom.ts';
import { placeFigures } from './figures.ts';
import { renderFigures } from './figures-panel.ts';
import { createNotice } from './messages.ts';
import { createPlacePicker } from './place-picker.ts';
import { countryName, sortPlaces, type Place } from './places.ts';
import { alignSeries, type AlignedSeries } from './series.ts';
import { forgetKey, keepKey, rememberedKey } from './session.ts';
import { setUpSignIn } from './sign-in.ts';
import { renderStatus } from './status-panel.ts';
import { renderTable } from './table.ts';
import { MEASURES, readView, SCALES, writeView, type View } from './view.ts';

const notice = createNotice(byId('alert'), byId('status-line'));
const dashboard = byId('dashboard');
const signOutButton = byId<HTMLButtonElement>('sign-out');
const tableButton = byId<HTMLButtonElement>('toggle-table');
const tableWrap = byId('table-wrap');
const fromInput = byId<HTMLInputElement>('from');
const toInput = byId<HTMLInputElement>('to');

let api: Api | null = null;
let view: View = readView(location.search);
let places = new Map<string, Place>();
let series = new Map<string, Promise<DailyRow[]>>();
let aligned: AlignedSeries = { dates: [], rows: new Map() };
let alignedFor = '';
let generation = 0;

const chart = createChart(byId('chart'), byId('chart-reading'), (from, to) => setView({ from, to }));
const picker = createPlacePicker(notice, (codes) => setView({ places: codes }));

function setView(change: Partial<View>): void {
  view = { ...view, ...change };
  history.replaceState(null, '', `${location.pathname}${writeView(view)}`);
  void refresh();
}

function failed(error: unknown): void {
  if (error instanceof ApiError && error.kind === 'unauthorized') signOut();
  notice.error(error);
}

const signInPanel = setUpSignIn({
  notice,
  async signIn(key, remember) {
    const candidate = createApi(key);
    const [status, countries, regions] = await Promise.all([
      candidate.status(),
      candidate.countries(),
      candidate.regions(),
    ]);
    api = candidate;
    keepKey(key, remember);
    series = new Map();
    const catalogue: Place[] = [
      ...regions.map((region): Place => ({ code: region.place, name: region.name, kind: region.place === 'WORLD' ? 'world' : 'region' })),
      ...countries.map((country): Place => ({ code: country.country, name: countryName(country.country, country.name), kind: 'country' })),
    ];
    places = new Map(sortPlaces(catalogue).map((place) => [place.code, place]));
    const unknown = view.places.filter((code) => !places.has(code));
    const known = view.places.filter((code) => places.has(code));
    const fallback = places.has('WORLD') ? 'WORLD' : places.has('RU') ? 'RU' : [...places.keys()][0];
    view = { ...view, places: known.length > 0 ? known : fallback ? [fallback] : [] };
    picker.setPlaces([...places.values()]);
    picker.setChosen(view.places);
    signInPanel.hide();
    dashboard.hidden = false;
    signOutButton.hidden = false;
    renderStatus(byId('pipeline'), status);
    if (unknown.length > 0) notice.info(`No data for ${unknown.join(', ')}: left out.`);
    else notice.clear();
    setView({});
  },
});

function signOut(): void {
  api = null;
  forgetKey();
  series = new Map();
  dashboard.hidden = true;
  signOutButton.hidden = true;
  signInPanel.show();
}

function placeSeries(code: string): Promise<DailyRow[]> {
  let rows = series.get(code);
  if (!rows) {
    rows = api!.series(code);
    series.set(code, rows);
    rows.catch(() => series.delete(code));
  }
  return rows;
}

function chartInput(): ChartInput {
  return {
    dates: aligned.dates,
    places: view.places.map((code) => ({ code, name: places.get(code)?.name ?? code, rows: aligned.rows.get(code) ?? [] })),
    measure: view.measure,
    scale: view.scale,
    from: view.from,
    to: view.to,
  };
}

async function refresh(): Promise<void> {
  if (!api) return;
  const current = ++generation;
  syncControls();
  const wanted = view.places.join(',');
  let loaded: DailyRow[][];
  try {
    dashboard.setAttribute('aria-busy', 'true');
    loaded = await Promise.all(view.places.map(placeSeries));
  } catch (error) {
    if (current === generation) failed(error);
    return;
  } finally {
    if (current === generation) dashboard.removeAttribute('aria-busy');
  }
  if (current !== generation) return;
  if (alignedFor !== wanted) {
    aligned = alignSeries(new Map(view.places.map((code, i) => [code, loaded[i]!])));
    alignedFor = wanted;
  }
  fromInput.min = toInput.min = aligned.dates[0] ?? '';
  fromInput.max = toInput.max = aligned.dates[aligned.dates.length - 1] ?? '';
  const input = chartInput();
  chart.draw(input);
  if (!tableWrap.hidden) renderTable(tableWrap, input);
  renderFigures(
    byId('figures'),
    view.places.map((code, i) => ({ name: places.get(code)?.name ?? code, figures: placeFigures(loaded[i]!) })),
  );
  byId('chart-title').textContent = `Daily ${view.measure} and 7-day mean`;
}

function syncControls(): void {
  for (const measure of MEASURES) byId<HTMLInputElement>(`measure-${measure}`).checked = view.measure === measure;
  for (const scale of SCALES) byId<HTMLInputElement>(`scale-${scale}`).checked = view.scale === scale;
  fromInput.value = view.from ?? '';
  toInput.value = view.to ?? '';
}

for (const measure of MEASURES) byId(`measure-${measure}`).addEventListener('change', () => setView({ measure }));
for (const scale of SCALES) byId(`scale-${scale}`).addEventListener('change', () => setView({ scale }));
fromInput.addEventListener('change', () => setView({ from: fromInput.value || null }));
toInput.addEventListener('change', () => setView({ to: toInput.value || null }));
byId('all-dates').addEventListener('click', () => setView({ from: null, to: null }));

tableButton.addEventListener('click', () => {
  const show = tableWrap.hidden;
  tableWrap.hidden = !show;
  tableButton.setAttribute('aria-expanded', String(show));
  tableButton.textContent = show ? 'Hide table' : 'Show as table';
  if (show) renderTable(tableWrap, chartInput());
});

byId('download').addEventListener('click', () => {
  if (!api) return;
  api
    .csv(view.places, view.from, view.to)
    .then((blob) => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `covid-etl-${view.places.join('-')}-${view.from ?? 'start'}-${view.to ?? 'end'}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    })
    .catch(failed);
});

signOutButton.addEventListener('click', () => {
  signOut();
  notice.info('Signed out.');
});

matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => chart.restyle());

signInPanel.show();
const remembered = rememberedKey();
if (remembered) {
  byId<HTMLInputElement>('remember').checked = true;
  byId<HTMLInputElement>('api-key').value = remembered;
  byId<HTMLFormElement>('key-form').requestSubmit();
}
