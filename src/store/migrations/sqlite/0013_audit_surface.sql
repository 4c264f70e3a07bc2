-- The surface each change came through (mcp, rest, web, cli), beside the credential and the
-- client that already say who. Entries written before this migration keep '' (not known): the
-- log is append-only, so they cannot be filled in after the fact.
ALTER TABLE audit_log ADD COLUMN surface TEXT NOT NULL DEFAULT '';
