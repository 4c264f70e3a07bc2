-- Job runs (docs/jobs.md): each run of a declared job, its output, and the audience of the
-- events that only one user may see.

-- An event with a user_id is seen by that user alone: the state changes of a job run tied to no
-- task, which only the user who started it sees. Without one, as before, by the members of its
-- organization. An event of no organization (a run of a job declared without one) has
-- organization_id 0, which no organization has.
ALTER TABLE events ADD COLUMN user_id INTEGER;
CREATE INDEX events_by_user ON events(user_id, id) WHERE user_id IS NOT NULL;

CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled',
                                         'timed_out', 'interrupted')),
  params TEXT NOT NULL,     -- a JSON object; the value of every writeOnly parameter is "[redacted]"
  organization_id INTEGER,  -- the task's when tied to one, else the job's; NULL for neither
  task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,  -- who started it
  user_name TEXT NOT NULL,
  credential TEXT NOT NULL,  -- through which: "key:12", "grant:4", ...
  client TEXT NOT NULL,      -- the key's name or the OAuth client's
  exit_code INTEGER,
  signal INTEGER,
  error TEXT,                -- why it could not start, or what ended it besides its own exit
  progress_done INTEGER,
  progress_total INTEGER,
  progress_message TEXT,
  stopped_by TEXT,           -- the user who stopped it
  pid INTEGER,               -- its process (and process group) while it runs, and the process's
  pid_start INTEGER,         -- start time, to kill what a crash left behind, and nothing else
  output_limit INTEGER NOT NULL,         -- jobs.max_output when it was created
  output_bytes INTEGER NOT NULL DEFAULT 0,  -- what it wrote, kept or not
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX job_runs_by_user ON job_runs(user_id, id);
CREATE INDEX job_runs_by_task ON job_runs(task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX job_runs_by_organization ON job_runs(organization_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX job_runs_unfinished ON job_runs(id) WHERE status IN ('queued', 'running');
CREATE INDEX job_runs_by_finish ON job_runs(finished_at) WHERE finished_at IS NOT NULL;

-- A run's output as stored: pieces at their position (byte offset) in everything it wrote.
-- Beyond its output_limit only the first half (positions below output_limit / 2) and the newest
-- bytes are kept, so the middle has no rows.
CREATE TABLE job_run_output (
  run_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
