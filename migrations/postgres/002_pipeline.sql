-- Pipeline runs and their tasks (history), the state the pipeline keeps between runs, and what
-- was last published per (source, country, date) so later runs publish only what changed.
CREATE TABLE etl_runs (
  id          bigserial PRIMARY KEY,
  trigger     text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'startup')),
  state       text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'incomplete')),
  branch      text,                       -- 'history' or 'changes', once check_history decided
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error       text
);

-- At most one active run, whatever the number of workers: starting a run while another is
-- running fails this index, and the starter joins the active run instead.
CREATE UNIQUE INDEX etl_runs_one_active ON etl_runs ((true)) WHERE state = 'running';

CREATE TABLE etl_tasks (
  run_id        bigint NOT NULL REFERENCES etl_runs (id) ON DELETE CASCADE,
  name          text NOT NULL,
  position      int NOT NULL,
  state         text NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  attempts      int NOT NULL DEFAULT 0,
  claim_token   uuid,                     -- fencing: only the holder of the current claim may finish
  claimed_until timestamptz,
  started_at    timestamptz,
  finished_at   timestamptz,
  error         text,
  counts        jsonb NOT NULL DEFAULT '{}',
  gate          jsonb,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE etl_state (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE etl_published (
  source    text NOT NULL,
  country   char(2) NOT NULL,
  date      date NOT NULL,
  cases     integer NOT NULL,
  deaths    integer NOT NULL,
  estimated boolean NOT NULL,
  run_id    bigint NOT NULL,
  PRIMARY KEY (source, country, date)
);
