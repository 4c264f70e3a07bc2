-- Review mode (docs/review.md). An API key's `review` and an OAuth grant's new `review` say what
-- a credential's writes do: 0 apply them (off), 1 make them proposals only a person commits
-- (person), 2 make them proposals the same credential may commit in a separate call (confirm).
-- api_keys is rebuilt as SQLite's ALTER TABLE page says, since its CHECK allowed only 0 and 1;
-- nothing refers to it by foreign key.
CREATE TABLE api_keys_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,  -- space-separated
  review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1, 2)),
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
INSERT INTO api_keys_new (id, user_id, name, prefix, hash, scopes, review, created_at, expires_at,
                          last_used_at, revoked_at)
  SELECT id, user_id, name, prefix, hash, scopes, review, created_at, expires_at, last_used_at,
         revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX api_keys_by_user ON api_keys(user_id);

ALTER TABLE oauth_grants ADD COLUMN review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1, 2));

-- A write a review-mode credential asked for, checked as the write would be and kept instead of
-- applied (tasks/proposals.h). `arguments` is the operation's arguments object, applied again at
-- commit; `base_version` the task's version when it was proposed, so a commit after the task
-- changed is refused as stale. Kept after it is decided (the record of what was proposed); the
-- rows of a purged task's proposals go with it.
CREATE TABLE proposals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  task_id INTEGER REFERENCES tasks(id) ON DELETE CASCADE,
  base_version INTEGER,
  action TEXT NOT NULL,
  arguments TEXT NOT NULL,  -- a JSON object
  summary TEXT NOT NULL,
  changes TEXT NOT NULL,    -- a JSON array of {field, before, after}
  mode INTEGER NOT NULL CHECK (mode IN (1, 2)),
  credential TEXT NOT NULL,
  client TEXT NOT NULL,
  surface TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'committed', 'rejected')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_at TEXT,
  decided_by TEXT,          -- who committed or rejected: "alice (key:3, rest)"
  reason TEXT               -- why it was rejected, if given
);
CREATE INDEX proposals_by_user ON proposals(user_id, id);
CREATE INDEX proposals_by_task ON proposals(task_id) WHERE task_id IS NOT NULL;
