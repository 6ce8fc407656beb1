// The chart (uPlot): per place the daily values as a thin line, the 7-day mean as a thick one,
// and estimated days as hollow points over the daily line. Days without a row are null and
// never bridged (spanGaps off). Dragging across the chart zooms into those dates; the arrow keys
// move a reading cursor day by day for people who use the keyboard, and the reading (date,
// value, 7-day mean, source, estimated) is also a polite live region for screen readers.
import uPlot from 'uplot';
import type { DailyRow } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import { dayNumber, formatCount, formatMean } from './format.ts';
import { plotColumns } from './series.ts';
import type { Measure, Scale } from './view.ts';

export interface ChartPlace {
  code: string;
  name: string;
  rows: readonly (DailyRow | null)[];
}

export interface ChartInput {
  dates: readonly string[];
  places: readonly ChartPlace[];
  measure: Measure;
  scale: Scale;
  from: string | null;
  to: string | null;
}

export interface Chart {
  draw(input: ChartInput): void;
  /** Redraw with the colours of the current scheme (light or dark). */
  restyle(): void;
}

const DAY_S = 86_400;
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** `#rrggbb` with an alpha, as canvas accepts it everywhere. */
function withAlpha(hex: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return hex;
  const [r, g, b] = match.slice(1).map((part) => Number.parseInt(part, 16));
  return `rgba(${r},${g},${b},${alpha})`;
}

export function createChart(container: HTMLElement, reading: HTMLElement, onZoom: (from: string | null, to: string | null) => void): Chart {
  let plot: uPlot | null = null;
  let input: ChartInput | null = null;

  const xOf = (date: string) => dayNumber(date) * DAY_S;
  const dateOf = (x: number) => new Date(x * 1000).toISOString().slice(0, 10);

  const describe = (index: number | null | undefined) => {
    if (!input || index === null || index === undefined) {
      reading.hidden = true;
      return;
    }
    const date = input.dates[index]!;
    const meanField = input.measure === 'cases' ? 'cases_7d' : 'deaths_7d';
    replaceChildren(
      reading,
      h('strong', {}, date),
      h(
        'ul',
        {},
        ...input.places.map((place, i) => {
          const row = place.rows[index];
          const text = row
            ? `${formatCount(row[input!.measure])} ${input!.measure}, 7-day mean ${formatMean(row[meanField])}` +
              `${row.source ? `, ${row.source}` : ''}${row.estimated ? ', estimated' : ', reported'}`
            : 'no data for this day';
          return h('li', { class: `series-${i + 1}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${place.name}: ${text}`);
        }),
      ),
    );
    reading.hidden = false;
    if (plot) {
      const left = plot.valToPos(xOf(date), 'x');
      const width = reading.offsetWidth;
      reading.style.left = `${Math.max(0, Math.min(left + 12, wrapper.clientWidth - width))}px`;
    }
  };

  // The chart takes the width of its wrapper, which the page (not the canvas) sizes: watching the
  // chart's own box would never see it shrink below the canvas already drawn.
  const wrapper = container.parentElement ?? container;
  const size = () => {
    const width = Math.max(240, wrapper.clientWidth);
    return { width, height: Math.round(Math.min(420, Math.max(240, width * 0.55))) };
  };

  const build = () => {
    plot?.destroy();
    plot = null;
    if (!input || input.dates.length === 0) return;
    const { measure, scale } = input;
    const text = cssColor('--text-muted');
    const grid = cssColor('--grid');
    const surface = cssColor('--surface');
    const series: uPlot.Series[] = [{}];
    const data: uPlot.AlignedData = [input.dates.map(xOf)];
    input.places.forEach((place, i) => {
      const color = cssColor(`--series-${i + 1}`);
      const columns = plotColumns(place.rows, measure, scale);
      series.push(
        { label: `${place.name} daily`, stroke: withAlpha(color, 0.45), width: 1, spanGaps: false, points: { show: false } },
        { label: `${place.name} 7-day mean`, stroke: color, width: 2.5, spanGaps: false, points: { show: false } },
        {
          label: `${place.name} estimated`,
          stroke: color,
          width: 0,
          paths: () => null,
          points: { show: true, size: 5, width: 1.25, stroke: color, fill: surface },
        },
      );
      data.push(columns.daily, columns.mean, columns.estimated);
    });
    const log = scale === 'log';
    const opts: uPlot.Options = {
      ...size(),
      series,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: {
        x: { time: true },
        y: log
          ? { distr: 3, log: 10, range: (_u, min, max) => (min === null || max === null ? [1, 10] : uPlot.rangeLog(Math.max(min, 1), max, 10, true)) }
          : { range: (_u, min, max) => (min === null || max === null ? [0, 1] : uPlot.rangeNum(Math.min(0, min), max, 0.1, true)) },
      },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          size: 56,
          values: (_u, values) => values.map((value) => (value === null ? '' : compact.format(value))),
        },
      ],
      hooks: {
        setCursor: [(u) => describe(u.cursor.idx)],
        // A drag across the chart selects dates; uPlot then zooms to them.
        setSelect: [
          (u) => {
            if (u.select.width <= 0) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            onZoom(dateOf(Math.round(from / DAY_S) * DAY_S), dateOf(Math.round(to / DAY_S) * DAY_S));
          },
        ],
      },
    };
    plot = new uPlot(opts, data, container);
    // uPlot's double-click shows every date again.
    plot.over.addEventListener('dblclick', () => onZoom(null, null));
    applyRange();
  };

  const applyRange = () => {
    if (!plot || !input) return;
    const first = input.dates[0]!;
    const last = input.dates[input.dates.length - 1]!;
    const from = input.from && input.from > first ? input.from : first;
    const to = input.to && input.to < last ? input.to : last;
    plot.setScale('x', { min: xOf(from), max: xOf(to < from ? from : to) });
  };

  // The keyboard reading cursor: left/right a day, with Shift a week, Home/End the range's ends.
  container.addEventListener('keydown', (event) => {
    if (!plot || !input) return;
    const steps: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1 };
    const { min = 0, max = 0 } = plot.scales.x!;
    const firstIndex = Math.max(0, input.dates.findIndex((date) => xOf(date) >= min));
    const lastIndex = Math.max(firstIndex, input.dates.findLastIndex((date) => xOf(date) <= max));
    let index = plot.cursor.idx ?? lastIndex;
    if (event.key in steps) index += steps[event.key]! * (event.shiftKey ? 7 : 1);
    else if (event.key === 'Home') index = firstIndex;
    else if (event.key === 'End') index = lastIndex;
    else return;
    event.preventDefault();
    index = Math.max(firstIndex, Math.min(lastIndex, index));
    plot.setCursor({ left: plot.valToPos(xOf(input.dates[index]!), 'x'), top: plot.bbox.height / devicePixelRatio / 2 });
  });
  container.addEventListener('blur', () => (reading.hidden = true));

  new ResizeObserver(() => plot?.setSize(size())).observe(wrapper);

  return {
    draw(next) {
      const rebuild =
        !input ||
        next.dates !== input.dates ||
        next.measure !== input.measure ||
        next.scale !== input.scale ||
        next.places.length !== input.places.length ||
        next.places.some((place, i) => place.rows !== input!.places[i]!.rows);
      input = next;
      if (rebuild) build();
      else applyRange();
    },
    restyle: build,
  };
}
