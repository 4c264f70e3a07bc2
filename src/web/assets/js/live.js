// The event feed (GET /api/v1/events as Server-Sent Events) with the person's session: calls
// `changed(event)` for each event; the browser reconnects by itself, resuming after the last one.

const TYPES = ['task.created', 'task.updated', 'task.deleted', 'task.restored', 'task.purged',
  'message.created', 'question.asked', 'question.answered'];

export function follow({ taskId } = {}, changed) {
  const source = new EventSource('/api/v1/events' + (taskId ? `?taskId=${encodeURIComponent(taskId)}` : ''));
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      try {
        changed(JSON.parse(message.data));
      } catch { /* not ours to break the page over */ }
    });
  }
  return source;
}

// Runs `work` at most once per `ms`, after the last call: a burst of events is one reload.
export function debounce(work, ms = 120) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(work, ms);
  };
}
