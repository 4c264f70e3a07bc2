-- Ids are never reused. Without AUTOINCREMENT, SQLite gives a new row the largest id plus one,
-- so deleting the newest task handed its id to the next task created, in any organization, and
-- whatever still named the old id (the audit log, the event feed, a client that remembers
-- "task 4") named somebody else's task. AUTOINCREMENT cannot be added in place: every table an
-- API addresses by id is rebuilt the way https://sqlite.org/lang_altertable.html#otheralter
-- says (create the new table, copy, drop the old one, rename the new one; the migration runner
-- turns foreign key enforcement off and checks every foreign key before it commits), with its
-- indexes and triggers. The audit log and the event feed are append-only, so their ids were
-- never reused; events has AUTOINCREMENT already.

CREATE TABLE users_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
  password_hash TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
INSERT INTO users_new (id, name, password_hash, is_admin, created_at, updated_at, deleted_at)
  SELECT id, name, password_hash, is_admin, created_at, updated_at, deleted_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE organizations_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 100),
  created_at TEXT NOT NULL
);
INSERT INTO organizations_new (id, name, created_at)
  SELECT id, name, created_at FROM organizations;
DROP TABLE organizations;
ALTER TABLE organizations_new RENAME TO organizations;

CREATE TABLE tasks_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES tasks(id) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  description TEXT NOT NULL DEFAULT '',
  description_format TEXT NOT NULL DEFAULT 'markdown'
    CHECK (description_format IN ('markdown', 'json')),
  status TEXT NOT NULL CHECK (status IN ('TODO', 'IN_PROGRESS', 'DONE', 'CANCELLED')),
  assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
INSERT INTO tasks_new (id, organization_id, parent_id, title, description, description_format,
                       status, assignee_id, created_by, version, created_at, updated_at,
                       completed_at)
  SELECT id, organization_id, parent_id, title, description, description_format, status,
         assignee_id, created_by, version, created_at, updated_at, completed_at FROM tasks;
DROP TABLE tasks;  -- its indexes and search triggers go with it; search_index keeps its rows
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_by_organization ON tasks(organization_id, updated_at DESC, id DESC);
CREATE INDEX tasks_by_update ON tasks(updated_at DESC, id DESC);
CREATE INDEX tasks_by_parent ON tasks(parent_id);
CREATE INDEX tasks_by_assignee ON tasks(assignee_id);
CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO search_index (rowid, title, body, task_id, message_id)
  VALUES (new.id * 2, new.title, new.description, new.id, NULL);
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description ON tasks BEGIN
  UPDATE search_index SET title = new.title, body = new.description WHERE rowid = new.id * 2;
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 2;
END;

CREATE TABLE messages_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  author_name TEXT NOT NULL,
  client TEXT,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
INSERT INTO messages_new (id, task_id, author_id, author_name, client, text, created_at)
  SELECT id, task_id, author_id, author_name, client, text, created_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_by_task ON messages(task_id, id);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO search_index (rowid, title, body, task_id, message_id)
  VALUES (new.id * 2 + 1, '', new.text, new.task_id, new.id);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 2 + 1;
END;

CREATE TABLE questions_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  asked_by_name TEXT NOT NULL,
  client TEXT,
  question TEXT NOT NULL,
  choices TEXT,  -- a JSON array of strings, or NULL for a free-text answer
  answer TEXT,
  answered_by_name TEXT,
  created_at TEXT NOT NULL,
  answered_at TEXT
);
INSERT INTO questions_new (id, task_id, asked_by_name, client, question, choices, answer,
                           answered_by_name, created_at, answered_at)
  SELECT id, task_id, asked_by_name, client, question, choices, answer, answered_by_name,
         created_at, answered_at FROM questions;
DROP TABLE questions;
ALTER TABLE questions_new RENAME TO questions;
CREATE INDEX questions_by_task ON questions(task_id, id);

CREATE TABLE api_keys_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,  -- space-separated
  review INTEGER NOT NULL DEFAULT 0 CHECK (review IN (0, 1)),
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

CREATE TABLE oauth_grants_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  client_name TEXT NOT NULL,
  scopes TEXT NOT NULL,  -- space-separated
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
INSERT INTO oauth_grants_new (id, user_id, client_id, client_name, scopes, created_at,
                              last_used_at, revoked_at)
  SELECT id, user_id, client_id, client_name, scopes, created_at, last_used_at, revoked_at
  FROM oauth_grants;
DROP TABLE oauth_grants;
ALTER TABLE oauth_grants_new RENAME TO oauth_grants;
CREATE UNIQUE INDEX oauth_grants_live ON oauth_grants(user_id, client_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_grants_by_client ON oauth_grants(client_id);

-- Ids already freed before this migration are not handed out again either: each sequence
-- starts above the largest id the audit log or the event feed ever named, not just above the
-- rows that are left.
INSERT INTO sqlite_sequence (name, seq)
  SELECT name, 0 FROM (SELECT 'tasks' AS name UNION ALL SELECT 'messages'
                       UNION ALL SELECT 'questions' UNION ALL SELECT 'organizations')
  WHERE name NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence SET seq = max(seq,
    (SELECT coalesce(max(entity_id), 0) FROM audit_log WHERE entity = 'task'),
    (SELECT coalesce(max(task_id), 0) FROM events))
  WHERE name = 'tasks';
UPDATE sqlite_sequence SET seq = max(seq,
    (SELECT coalesce(max(entity_id), 0) FROM audit_log WHERE entity = 'message'))
  WHERE name = 'messages';
UPDATE sqlite_sequence SET seq = max(seq,
    (SELECT coalesce(max(entity_id), 0) FROM audit_log WHERE entity = 'question'))
  WHERE name = 'questions';
UPDATE sqlite_sequence SET seq = max(seq,
    (SELECT coalesce(max(organization_id), 0) FROM audit_log),
    (SELECT coalesce(max(organization_id), 0) FROM events))
  WHERE name = 'organizations';

-- The audit of one task finds the task's creation, then reads its organization's rows since.
CREATE INDEX audit_log_by_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_by_organization ON audit_log(organization_id, id);
