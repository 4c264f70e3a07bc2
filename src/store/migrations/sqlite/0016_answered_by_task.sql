-- get_task reads a task's latest answered questions on every call: this index hands them over
-- newest first, where questions_by_task left a sort to do each time.
CREATE INDEX questions_answered_by_task ON questions(task_id, answered_at, id)
  WHERE answer IS NOT NULL;
