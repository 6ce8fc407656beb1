// The states a pipeline run and its tasks go through: the values the CHECK constraints of
// etl_runs and etl_tasks allow (migrations/postgres/002_pipeline.sql). The worker writes them,
// the API reads them (and lists them in its OpenAPI schemas); both take them from here.
export const RUN_TRIGGERS = ['schedule', 'manual', 'startup'] as const;
export const RUN_STATES = ['running', 'succeeded', 'failed', 'incomplete'] as const;
export const TASK_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;

export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export type RunState = (typeof RUN_STATES)[number];
export type TaskState = (typeof TASK_STATES)[number];
