-- The trash (docs/tasks.md, "The trash"): delete_task marks a task and its subtree deleted
-- instead of removing them; restore_task clears the marks, purge_task (or the sweep, once
-- tasks.recovery_window has passed) removes the rows. deleted_with names the task whose
-- delete_task trashed the row (itself for the task named), so a restore brings back exactly what
-- that delete trashed. forked_from names the task fork_task copied, with no foreign key: the
-- original may be purged, and ids are never reused (migration 0006).
ALTER TABLE tasks ADD COLUMN deleted_at TEXT;
ALTER TABLE tasks ADD COLUMN deleted_by TEXT;
ALTER TABLE tasks ADD COLUMN deleted_with INTEGER;
ALTER TABLE tasks ADD COLUMN forked_from INTEGER;
CREATE INDEX tasks_in_trash ON tasks(deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX tasks_by_deleted_with ON tasks(deleted_with) WHERE deleted_with IS NOT NULL;
