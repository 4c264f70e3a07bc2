-- The MCP tasks extension (docs/jobs.md, "The tasks extension"): a run_job call made as an MCP
-- task records the task's id on its run, in the transaction that creates the run, so the task
-- exists before its id is sent. An id names one run; only the run's starter (user_id, the task's
-- creator) finds the run by it.
ALTER TABLE job_runs ADD COLUMN mcp_task TEXT;
CREATE UNIQUE INDEX job_runs_by_mcp_task ON job_runs(mcp_task) WHERE mcp_task IS NOT NULL;
