// "Show as table": the chart's series as a table, the chart's text alternative. One row a date
// (newest first, `YYYY-MM-DD`), per place the day's value (marked when estimated) and the 7-day
// mean, for the dates the chart shows.
import type { ChartInput } from './chart.ts';
import { h, replaceChildren } from './dom.ts';
import { formatCount, formatMean } from './format.ts';

export function renderTable(container: HTMLElement, input: ChartInput): void {
  const { dates, places, measure } = input;
  const meanField = measure === 'cases' ? 'cases_7d' : 'deaths_7d';
  const first = input.from ?? dates[0] ?? '';
  const last = input.to ?? dates[dates.length - 1] ?? '';
  const body = h('tbody');
  for (let index = dates.length - 1; index >= 0; index--) {
    const date = dates[index]!;
    if (date < first || date > last) continue;
    const row = h('tr', {}, h('th', { scope: 'row' }, date));
    for (const place of places) {
      const day = place.rows[index];
      row.append(
        h('td', {}, day ? formatCount(day[measure]) : '–', day?.estimated ? h('span', { class: 'estimated' }, ' estimated') : null),
        h('td', {}, day ? formatMean(day[meanField]) : '–'),
      );
    }
    body.append(row);
  }
  replaceChildren(
    container,
    h(
      'table',
      {},
      h('caption', {}, `Daily ${measure} and 7-day mean, ${first} to ${last}; a dash is a day without data`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Date'),
          ...places.flatMap((place) => [h('th', { scope: 'col' }, `${place.name} ${measure}`), h('th', { scope: 'col' }, `${place.name} 7-day mean`)]),
        ),
      ),
      body,
    ),
  );
}
