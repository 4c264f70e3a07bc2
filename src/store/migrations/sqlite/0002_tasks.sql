-- The task domain (DESIGN.md §1): organizations and their members, tasks with subtasks, owners
-- and labels, a message thread and questions per task, the audit record of every change, and
-- the event feed that long-polls and streams read.

CREATE TABLE organizations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 100),
  created_at TEXT NOT NULL
);

CREATE TABLE memberships (
  organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id, organization_id);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
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
CREATE INDEX tasks_by_organization ON tasks(organization_id, updated_at DESC, id DESC);
CREATE INDEX tasks_by_update ON tasks(updated_at DESC, id DESC);
CREATE INDEX tasks_by_parent ON tasks(parent_id);
CREATE INDEX tasks_by_assignee ON tasks(assignee_id);

CREATE TABLE task_owners (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (task_id, user_id)
);

CREATE TABLE task_labels (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 50),
  PRIMARY KEY (task_id, label)
);
CREATE INDEX task_labels_by_label ON task_labels(label, task_id);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  author_name TEXT NOT NULL,
  client TEXT,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX messages_by_task ON messages(task_id, id);

CREATE TABLE questions (
  id INTEGER PRIMARY KEY,
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
CREATE INDEX questions_by_task ON questions(task_id, id);

-- Append-only: who changed what, through which credential and client, and when.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_id INTEGER,
  user_name TEXT NOT NULL,
  credential TEXT NOT NULL,
  client TEXT NOT NULL,
  organization_id INTEGER,
  entity TEXT NOT NULL,
  entity_id INTEGER,
  action TEXT NOT NULL,
  changes TEXT NOT NULL  -- a JSON object: field -> {"from": ..., "to": ...}, or the new values
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The event feed. AUTOINCREMENT keeps ids increasing and never reused: they are the cursor.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER NOT NULL,
  task_id INTEGER,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL  -- a JSON object
);
CREATE INDEX events_by_organization ON events(organization_id, id);

-- Where each consumer (a user and client) left off in the feed, for poll_events without cursor.
CREATE TABLE event_cursors (
  consumer TEXT PRIMARY KEY,
  position INTEGER NOT NULL
);

-- Full-text search over titles, descriptions and messages: one row per task (message_id NULL)
-- and one per message, kept in step by triggers so no write can forget it.
CREATE VIRTUAL TABLE search_index USING fts5(
  title, body, task_id UNINDEXED, message_id UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
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
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO search_index (rowid, title, body, task_id, message_id)
  VALUES (new.id * 2 + 1, '', new.text, new.task_id, new.id);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
  DELETE FROM search_index WHERE rowid = old.id * 2 + 1;
END;
