// check_history: the branch. The historical load runs until it has succeeded once, and again
// for a source the run reloads (`run --reload`). Every run, the historical one included, then
// checks the sources for anything new (SPEC 3).
import type { Pool } from '../../platform/postgres.ts';
import type { SourceName } from '../../domain/record.ts';
import { HISTORY_BRANCH, type TaskName } from '../dag.ts';
import type { TaskImplementation } from '../runner.ts';
import { setBranch } from '../runs.repository.ts';
import { getState } from '../state.repository.ts';

export const HISTORY_LOADED = 'history.loaded';

/** The task of the historical branch that loads each of its sources. */
const HISTORY_TASK: Partial<Record<SourceName, TaskName>> = { ecdc: 'load_ecdc_2020', who: 'load_who' };

export function checkHistoryTask(deps: { pool: Pool }): TaskImplementation {
  return async ({ runId, reload }) => {
    const loaded = (await getState<boolean>(deps.pool, HISTORY_LOADED)) === true;
    const reloaded = new Set(reload.map((source) => HISTORY_TASK[source]));
    return {
      counts: {},
      gate: { historyLoaded: loaded, ...(reload.length ? { reload } : {}) },
      skip: loaded ? HISTORY_BRANCH.filter((task) => !reloaded.has(task)) : [],
      commit: (client) => setBranch(client, runId, loaded ? 'changes' : 'history'),
    };
  };
}
