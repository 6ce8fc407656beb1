// The states a pipeline run and its tasks go through: the values the CHECK constraints of
// etl_runs and etl_tasks allow (migrations/postgres/002_pipeline.sql). The worker writes them,
// the API reads them; both take them from here.
export type RunTrigger = 'schedule' | 'manual' | 'startup';
export type RunState = 'running' | 'succeeded' | 'failed' | 'incomplete';
export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
