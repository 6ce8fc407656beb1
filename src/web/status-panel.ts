// The pipeline's last run (state and time) and each source's freshness, from /v1/status.
import type { PipelineStatus } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import { formatTimestamp } from './format.ts';

export function renderStatus(container: HTMLElement, status: PipelineStatus): void {
  const run = status.last_run;
  replaceChildren(
    container,
    run
      ? h(
          'p',
          {},
          `Last run #${run.id} (${run.trigger}): `,
          h('strong', { class: `state-${run.state}` }, run.state),
          `, started ${formatTimestamp(run.started_at)}`,
          run.finished_at ? `, finished ${formatTimestamp(run.finished_at)}` : '',
          run.error ? ` – ${run.error}` : '',
        )
      : h('p', {}, 'The pipeline has not run yet.'),
    h(
      'table',
      { class: 'freshness' },
      h('caption', {}, 'Sources'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Latest date'), h('th', { scope: 'col' }, 'Last loaded'))),
      h(
        'tbody',
        {},
        ...status.freshness.map((source) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, source.source),
            h('td', {}, source.last_date ?? '–', source.stale ? h('strong', { class: 'stale' }, ' stale') : null),
            h('td', {}, formatTimestamp(source.last_loaded_at)),
          ),
        ),
      ),
    ),
  );
}
