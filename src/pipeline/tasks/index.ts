// The implementation of each task of the DAG, built from the worker's clients.
import type { TaskName } from '../dag.ts';
import type { TaskImplementation } from '../runner.ts';
import { setState } from '../state.repository.ts';
import { checkHistoryTask, HISTORY_LOADED } from './check-history.ts';
import { checkSourcesTask } from './check-sources.ts';
import type { TaskDeps } from './context.ts';
import { CrawlMemo } from './crawl-memo.ts';
import { loadCsvTask } from './load-csv.ts';
import { loadNewWeeksTask } from './load-new-weeks.ts';
import { verifyTask } from './verify.ts';
import { listenForAnnouncements } from '../../platform/data-announcements.ts';

export type { TaskDeps };

export function createTasks(deps: TaskDeps): Record<TaskName, TaskImplementation> {
  const crawls = new CrawlMemo(deps.clock);
  return {
    check_history: checkHistoryTask(deps),
    load_ecdc_2020: loadCsvTask(deps, 'ecdc'),
    // The historical branch is done once WHO (after ECDC) is in Kafka.
    load_who: loadCsvTask(deps, 'who', { after: (client) => setState(client, HISTORY_LOADED, true) }),
    check_sources: checkSourcesTask(deps, crawls),
    load_who_changes: loadCsvTask(deps, 'who'),
    load_new_weeks: loadNewWeeksTask(deps, crawls),
    verify: verifyTask({
      pool: deps.pool,
      clickhouse: deps.clickhouse,
      clock: deps.clock,
      timeoutMs: deps.config.VERIFY_TIMEOUT_MS,
      listen: (onAnnouncement) => listenForAnnouncements(deps.pool, onAnnouncement),
    }),
  };
}
