// Per place: the latest date, the last 7 days' total with its change on the 7 days before, and
// the totals, for cases and deaths.
import { h, replaceChildren } from './dom.ts';
import type { PlaceFigures } from './figures.ts';
import { formatChange, formatCount } from './format.ts';
import { MEASURES } from './view.ts';

export interface PlaceFiguresEntry {
  name: string;
  figures: PlaceFigures | null;
}

export function renderFigures(container: HTMLElement, entries: readonly PlaceFiguresEntry[]): void {
  replaceChildren(
    container,
    ...entries.map(({ name, figures }, i) =>
      h(
        'article',
        { class: `figures series-${i + 1}` },
        h('h3', {}, h('span', { class: 'swatch', 'aria-hidden': 'true' }), name),
        figures
          ? h(
              'dl',
              {},
              h('dt', {}, 'Latest date'),
              h('dd', {}, figures.latestDate),
              ...MEASURES.flatMap((measure) => {
                const { lastWeek, change, total } = figures.measures[measure];
                return [
                  h('dt', {}, `${measure[0]!.toUpperCase()}${measure.slice(1)}, last 7 days`),
                  h(
                    'dd',
                    {},
                    lastWeek === null ? 'not known (a day without data in the week)' : formatCount(lastWeek),
                    change === null
                      ? null
                      : h('span', { class: `change ${change > 0 ? 'up' : change < 0 ? 'down' : 'flat'}` }, `${formatChange(change)} on the 7 days before`),
                  ),
                  h('dt', {}, `${measure[0]!.toUpperCase()}${measure.slice(1)}, total`),
                  h('dd', {}, formatCount(total)),
                ];
              }),
            )
          : h('p', {}, 'No data.'),
      ),
    ),
  );
}
