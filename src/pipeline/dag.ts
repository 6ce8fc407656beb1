// The run's DAG (SPEC 3). Every run gets one row per task; tasks run one at a time in this
// order, and a decision marks the tasks it rules out as skipped. The historical branch goes on
// to check the sources, so that the very first run leaves the store complete (the weekly posts
// after WHO's last report for Russia too).
//
//   check_history ─(not loaded)─> load_ecdc_2020 ─> load_who ─┐
//        └────────(loaded)────────────────────────────────────┴─> check_sources
//   check_sources ─(WHO changed)─> load_who_changes ─┐
//        ├────────(new weeks)───> load_new_weeks ────┼─> verify
//        └────────(nothing new)──────────────────────┘
export const TASKS = [
  'check_history',
  'load_ecdc_2020',
  'load_who',
  'check_sources',
  'load_who_changes',
  'load_new_weeks',
  'verify',
] as const;

export type TaskName = (typeof TASKS)[number];

export function isTaskName(value: unknown): value is TaskName {
  return typeof value === 'string' && (TASKS as readonly string[]).includes(value);
}

/** What a finished task decides about the tasks after it. */
export interface TaskOutcome {
  counts: TaskCounts;
  /** Tasks that will not run in this run (the branch not taken, or nothing new to load). */
  skip?: TaskName[];
  gate?: unknown;
}

export interface TaskCounts {
  read?: number;
  published?: number;
  unchanged?: number;
  rejected?: number;
  skipped?: number;
  filled?: number;
  spread?: number;
  [other: string]: number | undefined;
}

/** The historical load: runs until it has succeeded once. */
export const HISTORY_BRANCH: TaskName[] = ['load_ecdc_2020', 'load_who'];
