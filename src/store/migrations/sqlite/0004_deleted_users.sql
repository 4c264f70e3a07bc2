-- Deleting a user keeps the row, so the audit log, messages and tasks still name who did what;
-- `deleted_at` makes the account inert: no sign-in, no credential, no membership.
ALTER TABLE users ADD COLUMN deleted_at TEXT;
