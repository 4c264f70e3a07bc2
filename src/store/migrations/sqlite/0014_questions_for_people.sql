-- Questions are for people (docs/tasks.md, "Questions"): a question records the credential and
-- surface that asked it and whether only a person may answer it (forPerson, true by default); an
-- answer records the credential, client and surface that gave it, beside the user's name. A
-- question asked before this migration keeps '' for its asker's credential (no credential is '',
-- so none is refused as its asker) and is for people, the default; an answer given before keeps
-- NULL: it was not recorded then.
ALTER TABLE questions ADD COLUMN asked_credential TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN asked_surface TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN for_person INTEGER NOT NULL DEFAULT 1 CHECK (for_person IN (0, 1));
ALTER TABLE questions ADD COLUMN answered_credential TEXT;
ALTER TABLE questions ADD COLUMN answered_client TEXT;
ALTER TABLE questions ADD COLUMN answered_surface TEXT;
-- The audit trail, readable (docs/tasks.md, "Audit record"): read by who acted (taskwire audit
-- --user, GET /api/v1/audit?user=), and a task's history (get_task, taskwire://tasks/{id}/history),
-- which is its own rows (audit_log_by_entity) and those of messages, questions, runs and the like
-- that name it in changes.taskId (this index), rather than a walk through its organization's rows.
CREATE INDEX audit_log_by_user ON audit_log(user_name, id);
CREATE INDEX audit_log_by_task ON audit_log(json_extract(changes, '$.taskId'), id);
