// check_history: the branch. The historical load runs until it has succeeded once. Every run,
// the historical one included, then checks the sources for anything new (SPEC 3).
import type { Pool } from '../../platform/postgres.ts';
import { HISTORY_BRANCH } from '../dag.ts';
import type { TaskImplementation } from '../runner.ts';
import { setBranch } from '../runs.repository.ts';
import { getState } from '../state.repository.ts';

export const HISTORY_LOADED = 'history.loaded';

export function checkHistoryTask(deps: { pool: Pool }): TaskImplementation {
  return async ({ runId }) => {
    const loaded = (await getState<boolean>(deps.pool, HISTORY_LOADED)) === true;
    return {
      counts: {},
      gate: { historyLoaded: loaded },
      skip: loaded ? HISTORY_BRANCH : [],
      commit: (client) => setBranch(client, runId, loaded ? 'changes' : 'history'),
    };
  };
}
