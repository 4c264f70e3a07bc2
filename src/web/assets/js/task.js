// One task (/tasks/{id}): its fields, its description as Markdown, its subtasks, the questions
// agents asked (answered here by choice buttons or text), and the message thread. The feed redraws
// what changed; a viewer sees everything and changes nothing.
import { api, organizations } from './api.js';
import { fill, h, say, when, STATUSES, STATUS_NAMES } from './dom.js';
import { follow, debounce } from './live.js';
import { render } from './markdown.js';

const main = document.getElementById('main');
const root = document.getElementById('app');
const title = document.getElementById('title');
const id = Number(main.dataset.taskId);
const sections = {
  questions: h('section', { 'aria-labelledby': 'h-questions', class: 'panel' }),
  details: h('section', { 'aria-labelledby': 'h-details', class: 'panel' }),
  description: h('section', { 'aria-labelledby': 'h-description', class: 'panel' }),
  subtasks: h('section', { 'aria-labelledby': 'h-subtasks', class: 'panel' }),
  thread: h('section', { 'aria-labelledby': 'h-thread', class: 'panel' }),
};
let task = null;
let canWrite = false;
let editingDescription = false;

// A field's error, shown beside it and named by it.
function fieldError(idName) {
  return h('p', { class: 'field-error', id: idName, role: 'alert' });
}

async function attempt(error, work) {
  error.textContent = '';
  try {
    await work();
    return true;
  } catch (e) {
    error.textContent = e.status === 403 && e.code === 'permission_denied' ? `Not allowed: ${e.message}` : e.message;
    return false;
  }
}

function drawDetails() {
  const heading = h('h2', { id: 'h-details' }, 'Details');
  const facts = h('dl', {},
    h('dt', {}, 'Organization'), h('dd', {}, task.organization),
    h('dt', {}, 'Created'), h('dd', {}, `${when(task.createdAt)}${task.createdBy ? ` by ${task.createdBy}` : ''}`),
    h('dt', {}, 'Updated'), h('dd', {}, when(task.updatedAt)),
    task.completedAt ? [h('dt', {}, 'Completed'), h('dd', {}, when(task.completedAt))] : null,
    task.parent ? [h('dt', {}, 'Part of'), h('dd', {}, h('a', { href: `/tasks/${task.parent.id}` }, task.parent.title))] : null);
  if (!canWrite) {
    fill(sections.details, heading, h('p', { class: 'hint' }, 'You are a viewer here: you can read this task but not change it.'),
      h('dl', {}, h('dt', {}, 'Status'), h('dd', {}, STATUS_NAMES[task.status]),
        h('dt', {}, 'Assignee'), h('dd', {}, task.assignee ?? 'nobody'),
        h('dt', {}, 'Labels'), h('dd', {}, task.labels.join(', ') || 'none')), facts);
    return;
  }
  const error = fieldError('details-error');
  const form = h('form', { class: 'fields', 'aria-describedby': 'details-error' },
    h('label', { for: 'f-title' }, 'Title'), h('input', { id: 'f-title', name: 'title', value: task.title, required: true, maxlength: 500 }),
    h('label', { for: 'f-status' }, 'Status'),
    h('select', { id: 'f-status', name: 'status' }, STATUSES.map((s) => h('option', { value: s, selected: s === task.status }, STATUS_NAMES[s]))),
    h('label', { for: 'f-assignee' }, 'Assignee'), h('input', { id: 'f-assignee', name: 'assignee', value: task.assignee ?? '', placeholder: 'a user name, or empty' }),
    h('label', { for: 'f-labels' }, 'Labels'), h('input', { id: 'f-labels', name: 'labels', value: task.labels.join(', '), placeholder: 'comma separated' }),
    h('button', { type: 'submit' }, 'Save'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {
      title: form.elements.title.value,
      status: form.elements.status.value,
      assignee: form.elements.assignee.value.trim() || null,
      labels: form.elements.labels.value.split(',').map((l) => l.trim()).filter(Boolean),
    };
    if (await attempt(error, () => patch(changes))) say('Saved.');
  });
  fill(sections.details, heading, form, facts);
}

async function patch(changes) {
  // If-Match: a change someone made meanwhile is not overwritten (409, reload and look).
  const response = await fetch(`/api/v1/tasks/${id}`, {
    method: 'PATCH',
    credentials: 'same-origin',
    headers: {
      'Content-Type': 'application/json',
      'If-Match': `"${task.version}"`,
      'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content,
    },
    body: JSON.stringify(changes),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(response.status === 409
      ? 'Someone changed this task meanwhile; it is shown as it is now. Make your change again.'
      : data?.error?.message ?? response.statusText);
    error.status = response.status;
    error.code = data?.error?.code;
    if (response.status === 409) await load();
    throw error;
  }
  await load();
}

function drawDescription() {
  const heading = h('h2', { id: 'h-description' }, 'Description');
  if (task.descriptionFormat === 'json') {
    fill(sections.description, heading, h('pre', {}, h('code', {}, JSON.stringify(task.description, null, 2))));
    return;
  }
  const text = task.description ?? '';
  if (!editingDescription) {
    const shown = h('div', { class: 'markdown' }, text ? render(text) : h('p', { class: 'hint' }, 'No description.'));
    const edit = canWrite ? h('button', { type: 'button', class: 'secondary', onclick: () => { editingDescription = true; drawDescription(); document.getElementById('f-description')?.focus(); } }, 'Edit description') : null;
    fill(sections.description, heading, shown, edit);
    return;
  }
  const error = fieldError('description-error');
  const area = h('textarea', { id: 'f-description', rows: 10, 'aria-describedby': 'description-error markdown-hint' });
  area.value = text;
  const form = h('form', {}, h('label', { for: 'f-description' }, 'Description (Markdown)'), area,
    h('p', { class: 'hint', id: 'markdown-hint' }, 'Markdown: **bold**, *italic*, `code`, [links](https://…), lists, # headings, > quotes, ``` code blocks. HTML is shown as text.'),
    h('button', { type: 'submit' }, 'Save description'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { editingDescription = false; drawDescription(); } }, 'Cancel'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await attempt(error, () => patch({ description: area.value }))) {
      editingDescription = false;
      drawDescription();
      say('Description saved.');
    }
  });
  fill(sections.description, heading, form);
}

function drawSubtasks() {
  const heading = h('h2', { id: 'h-subtasks' }, 'Subtasks');
  const list = task.subtasks.length
    ? h('ul', { class: 'subtasks' }, task.subtasks.map((s) => h('li', {}, h('span', { class: `badge s-${s.status}` }, STATUS_NAMES[s.status]), ' ', h('a', { href: `/tasks/${s.id}` }, s.title))))
    : h('p', { class: 'hint' }, 'No subtasks.');
  if (!canWrite) {
    fill(sections.subtasks, heading, list);
    return;
  }
  const error = fieldError('subtask-error');
  // Drawn again when anything changes: what the person is typing stays, and so does the focus.
  const old = document.getElementById('f-subtask');
  const hadFocus = old !== null && document.activeElement === old;
  const input = h('input', { id: 'f-subtask', required: true, maxlength: 500, autocomplete: 'off', 'aria-describedby': 'subtask-error', value: old?.value ?? '' });
  const form = h('form', { class: 'inline' }, h('label', { for: 'f-subtask' }, 'New subtask'), input, h('button', { type: 'submit' }, 'Add subtask'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await attempt(error, () => api('POST', '/api/v1/tasks', { title: input.value, parentId: id, organizationId: task.organizationId }))) {
      input.value = '';
      await load();
    }
  });
  fill(sections.subtasks, heading, list, form);
  if (hadFocus) input.focus();
}

function answerForm(question) {
  const error = fieldError(`answer-error-${question.id}`);
  const send = (answer) => attempt(error, async () => {
    await api('POST', `/api/v1/questions/${question.id}/answer`, { answer });
    say('Answer sent: the agent gets it now.');
    await loadQuestions();
  });
  if (question.choices?.length) {
    return h('div', { class: 'choices', role: 'group', 'aria-label': `Answers to: ${question.question}` },
      question.choices.map((choice) => h('button', { type: 'button', onclick: () => send(choice) }, choice)), error);
  }
  const area = h('textarea', { id: `answer-${question.id}`, rows: 2, required: true, 'aria-describedby': `answer-error-${question.id}` });
  area.value = document.getElementById(`answer-${question.id}`)?.value ?? '';  // a redraw keeps the draft
  const form = h('form', {}, h('label', { for: `answer-${question.id}` }, 'Your answer'), area, h('button', { type: 'submit' }, 'Answer'), error);
  form.addEventListener('submit', (event) => { event.preventDefault(); send(area.value); });
  return form;
}

let questions = [];
async function loadQuestions() {
  ({ questions } = await api('GET', `/api/v1/tasks/${id}/questions`));
  drawQuestions();
}

function drawQuestions() {
  const open = questions.filter((q) => q.status === 'open');
  const answered = questions.filter((q) => q.status !== 'open');
  sections.questions.hidden = questions.length === 0;
  sections.questions.classList.toggle('attention', open.length > 0);
  fill(sections.questions, 
    h('h2', { id: 'h-questions' }, open.length ? `Waiting for you (${open.length})` : 'Questions'),
    open.map((q) => h('article', { class: 'question', dataset: { id: String(q.id) } },
      h('p', { class: 'asked' }, h('strong', {}, q.askedBy), q.askedVia?.client ? ` via ${q.askedVia.client}` : '', ' asked ', when(q.askedAt), ':'),
      h('p', { class: 'text' }, q.question),
      canWrite ? answerForm(q) : h('p', { class: 'hint' }, 'A member of this organization answers it.'))),
    answered.length ? h('details', {}, h('summary', {}, `Answered (${answered.length})`),
      h('ul', {}, answered.map((q) => h('li', {}, h('span', {}, q.question), ' — ', h('strong', {}, q.answer), ` (${q.answeredBy ?? ''}, ${when(q.answeredAt)})`)))) : null);
}

async function drawThread() {
  const { messages } = await api('GET', `/api/v1/tasks/${id}/messages`);
  const list = messages.length
    ? h('ol', { class: 'thread' }, messages.map((m) => h('li', {},
      h('p', { class: 'asked' }, h('strong', {}, m.author), m.client ? ` via ${m.client}` : '', ' · ', h('time', { datetime: m.createdAt }, when(m.createdAt))),
      h('div', { class: 'markdown' }, render(m.text)))))
    : h('p', { class: 'hint' }, 'No messages yet.');
  const heading = h('h2', { id: 'h-thread' }, `Thread (${messages.length})`);
  if (!canWrite) {
    fill(sections.thread, heading, list);
    return;
  }
  const old = document.getElementById('f-message');
  const draft = old?.value ?? '';
  const hadFocus = document.activeElement === old;
  const error = fieldError('message-error');
  const area = h('textarea', { id: 'f-message', rows: 3, required: true, 'aria-describedby': 'message-error' });
  area.value = draft;
  const form = h('form', {}, h('label', { for: 'f-message' }, 'Message'), area, h('button', { type: 'submit' }, 'Send'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await attempt(error, () => api('POST', `/api/v1/tasks/${id}/messages`, { text: area.value }))) {
      area.value = '';
      await drawThread();
    }
  });
  fill(sections.thread, heading, list, form);
  if (hadFocus) area.focus();
}

async function load() {
  const [{ task: detail }, orgs] = await Promise.all([api('GET', `/api/v1/tasks/${id}`), organizations()]);
  task = detail;
  const org = orgs.find((o) => o.id === task.organizationId);
  canWrite = !!org && org.role !== 'viewer';
  title.textContent = task.title;
  document.title = `${task.title} · Taskwire`;
  // A form being filled in is not redrawn under the person's hands.
  if (!sections.details.contains(document.activeElement)) drawDetails();
  if (!editingDescription) drawDescription();
  drawSubtasks();
}

async function start() {
  fill(root, ...Object.values(sections));
  try {
    await load();
    await Promise.all([loadQuestions(), drawThread()]);
  } catch (e) {
    if (e.status === 404) {
      title.textContent = 'Not found';
      fill(root, h('p', {}, 'There is no such task, or it is not in your organizations.'));
      return;
    }
    say(`Could not load the task: ${e.message}`, true);
    return;
  }
  const refresh = debounce(() => Promise.all([load(), loadQuestions(), drawThread()]).catch((e) => say(e.message, true)));
  follow({ taskId: id }, refresh);
}

start();
