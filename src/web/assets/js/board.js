// The board (/board): columns by status, or a list; filters live in the query string
// (?view=list&org=1&assignee=ada&label=docs&status=TODO&q=text), so a view can be bookmarked.
// Cards move by dragging or by their "Move to" menu; the feed redraws the board when anything
// changes, whoever changed it.
import { api, organizations } from './api.js';
import { fill, h, say, when, STATUSES, STATUS_NAMES } from './dom.js';
import { follow, debounce } from './live.js';

const root = document.getElementById('app');
const FILTERS = ['org', 'assignee', 'label', 'status', 'q'];
let tasks = [];
let orgs = [];

function filters() {
  const params = new URLSearchParams(location.search);
  const out = { view: params.get('view') === 'list' ? 'list' : 'board' };
  for (const name of FILTERS) out[name] = params.get(name) ?? '';
  return out;
}

function setFilters(next) {
  const params = new URLSearchParams();
  if (next.view === 'list') params.set('view', 'list');
  for (const name of FILTERS) if (next[name]) params.set(name, next[name]);
  const query = params.toString();
  history.replaceState(null, '', location.pathname + (query ? `?${query}` : ''));
  draw();
}

function matches(task, f) {
  if (f.org && String(task.organizationId) !== f.org) return false;
  if (f.assignee && (task.assignee ?? '') !== f.assignee) return false;
  if (f.label && !task.labels.includes(f.label)) return false;
  if (f.status && task.status !== f.status) return false;
  if (f.q) {
    const text = `${task.title}\n${task.description ?? ''}`.toLowerCase();
    if (!text.includes(f.q.toLowerCase())) return false;
  }
  return true;
}

const writable = (organizationId) => {
  const org = orgs.find((o) => o.id === organizationId);
  return org && org.role !== 'viewer';
};

async function load() {
  const [board, list] = await Promise.all([api('GET', '/api/v1/board'), organizations()]);
  tasks = board.tasks;
  orgs = list;
  if (board.truncated) say(`Showing the ${tasks.length} most recently updated tasks.`);
  drawControls();
  draw();
}

async function move(id, status) {
  const task = tasks.find((t) => t.id === id);
  if (!task || task.status === status) return;
  const before = task.status;
  task.status = status;  // at once; undone if the server says no
  draw();
  try {
    await api('PATCH', `/api/v1/tasks/${id}`, { status });
    say(`Moved "${task.title}" to ${STATUS_NAMES[status]}.`);
  } catch (error) {
    task.status = before;
    draw();
    say(`Could not move "${task.title}": ${error.message}`, true);
  }
}

function marks(task) {
  const bits = [];
  if (task.openQuestions > 0) {
    bits.push(h('span', { class: 'waiting', title: 'An agent asked a question and waits for an answer' },
      task.openQuestions === 1 ? 'Agent waiting' : `Agent waiting (${task.openQuestions})`));
  }
  if (task.assignee) bits.push(h('span', { class: 'assignee' }, h('span', { class: 'sr' }, 'Assignee: '), `@${task.assignee}`));
  for (const label of task.labels) bits.push(h('span', { class: 'label' }, h('span', { class: 'sr' }, 'Label: '), label));
  if (task.subtasks?.total > 0) {
    bits.push(h('span', { class: 'progress' }, `${task.subtasks.done}/${task.subtasks.total} subtasks done`));
  }
  return bits;
}

function moveMenu(task) {
  const select = h('select', { 'aria-label': `Move "${task.title}" to`, class: 'move' },
    h('option', { value: '' }, 'Move to…'),
    STATUSES.filter((s) => s !== task.status).map((s) => h('option', { value: s }, STATUS_NAMES[s])));
  select.addEventListener('change', () => { if (select.value) move(task.id, select.value); });
  return select;
}

function card(task) {
  const canWrite = writable(task.organizationId);
  const item = h('li', { class: 'card', dataset: { id: String(task.id) }, draggable: canWrite ? 'true' : 'false' },
    h('a', { href: `/tasks/${task.id}`, class: 'title' }, task.title),
    h('div', { class: 'marks' }, marks(task)),
    canWrite ? moveMenu(task) : null);
  item.addEventListener('dragstart', (event) => {
    event.dataTransfer.setData('text/plain', String(task.id));
    event.dataTransfer.effectAllowed = 'move';
    item.classList.add('dragging');
  });
  item.addEventListener('dragend', () => item.classList.remove('dragging'));
  return item;
}

function column(status, list) {
  const heading = h('h2', { id: `col-${status}` }, STATUS_NAMES[status], ' ', h('span', { class: 'count' }, `(${list.length})`));
  const cards = h('ul', { class: 'cards', 'aria-labelledby': `col-${status}` }, list.map(card));
  const section = h('section', { class: 'column', dataset: { status } }, heading, cards);
  section.addEventListener('dragover', (event) => { event.preventDefault(); section.classList.add('over'); });
  section.addEventListener('dragleave', () => section.classList.remove('over'));
  section.addEventListener('drop', (event) => {
    event.preventDefault();
    section.classList.remove('over');
    const id = Number(event.dataTransfer.getData('text/plain'));
    if (id) move(id, status);
  });
  return section;
}

function table(list) {
  return h('table', { class: 'tasks' },
    h('caption', { class: 'sr' }, 'Tasks'),
    h('thead', {}, h('tr', {}, ['Task', 'Status', 'Assignee', 'Labels', 'Organization', 'Updated'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, list.map((task) => h('tr', { dataset: { id: String(task.id) } },
      h('td', {}, h('a', { href: `/tasks/${task.id}` }, task.title), ' ', task.openQuestions > 0 ? h('span', { class: 'waiting' }, 'Agent waiting') : null),
      h('td', {}, STATUS_NAMES[task.status]),
      h('td', {}, task.assignee ?? ''),
      h('td', {}, task.labels.join(', ')),
      h('td', {}, task.organization),
      h('td', {}, when(task.updatedAt))))));
}

function select(name, label, options, value) {
  const id = `filter-${name}`;
  return h('label', { for: id }, label,
    h('select', { id, name },
      h('option', { value: '' }, 'Any'),
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

function toolbar(f) {
  const assignees = [...new Set(tasks.map((t) => t.assignee).filter(Boolean))].sort();
  const labels = [...new Set(tasks.flatMap((t) => t.labels))].sort();
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter tasks' },
    select('org', 'Organization', orgs.map((o) => [String(o.id), o.name]), f.org),
    select('assignee', 'Assignee', assignees.map((a) => [a, a]), f.assignee),
    select('label', 'Label', labels.map((l) => [l, l]), f.label),
    select('status', 'Status', STATUSES.map((s) => [s, STATUS_NAMES[s]]), f.status),
    h('label', { for: 'filter-q' }, 'Text', h('input', { id: 'filter-q', name: 'q', type: 'search', value: f.q, placeholder: 'Search titles' })));
  form.addEventListener('change', () => setFilters({ ...readForm(form), view: filters().view }));
  form.addEventListener('input', (event) => { if (event.target.name === 'q') setFilters({ ...readForm(form), view: filters().view }); });
  form.addEventListener('submit', (event) => event.preventDefault());
  const views = h('nav', { class: 'views', 'aria-label': 'View' },
    ['board', 'list'].map((v) => h('a', {
      href: '?' + new URLSearchParams({ ...Object.fromEntries(FILTERS.filter((n) => f[n]).map((n) => [n, f[n]])), ...(v === 'list' ? { view: 'list' } : {}) }),
      'aria-current': f.view === v ? 'page' : null,
    }, v === 'board' ? 'Board' : 'List')));
  return h('div', { class: 'toolbar' }, form, views);
}

function readForm(form) {
  const out = {};
  for (const name of FILTERS) out[name] = form.elements[name]?.value ?? '';
  return out;
}

function quickAdd() {
  const targets = orgs.filter((o) => o.role !== 'viewer');
  if (targets.length === 0) return h('p', { class: 'hint' }, 'You are a viewer in every organization: you can read tasks but not add or change them.');
  const title = h('input', { id: 'quick-title', name: 'title', required: true, maxlength: 500, placeholder: 'What needs doing?', autocomplete: 'off' });
  const org = h('select', { id: 'quick-org', name: 'organizationId' }, targets.map((o) => h('option', { value: String(o.id) }, o.name)));
  const error = h('p', { class: 'field-error', id: 'quick-error', role: 'alert' });
  const form = h('form', { class: 'quick-add', 'aria-label': 'Add a task' },
    h('label', { for: 'quick-title' }, 'New task'), title,
    targets.length > 1 ? [h('label', { for: 'quick-org' }, 'in'), org] : null,
    h('button', { type: 'submit' }, 'Add'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const { task } = await api('POST', '/api/v1/tasks', { title: title.value, organizationId: Number(targets.length > 1 ? org.value : targets[0].id) });
      tasks.unshift({ ...task, subtasks: { total: 0, done: 0 }, openQuestions: 0 });
      title.value = '';
      draw();
      say(`Added "${task.title}".`);
    } catch (e) {
      error.textContent = e.message;
      title.setAttribute('aria-describedby', 'quick-error');
    }
  });
  return form;
}

const bar = h('div');
const adder = h('div');
const body = h('div', { id: 'tasks' });
fill(root, bar, adder, body);

// The filters and the quick-add box are drawn again only when the person is not using them.
function drawControls() {
  if (!bar.contains(document.activeElement)) fill(bar, toolbar(filters()));
  if (!adder.contains(document.activeElement) && !adder.querySelector('input')?.value) fill(adder, quickAdd());
}

function draw() {
  const f = filters();
  const shown = tasks.filter((t) => matches(t, f));
  fill(body, f.view === 'list'
    ? (shown.length ? table(shown) : h('p', {}, 'No task matches.'))
    : h('div', { class: 'board' }, STATUSES.map((s) => column(s, shown.filter((t) => t.status === s)))));
}

const reload = debounce(() => load().catch((e) => say(e.message, true)));
load().then(() => follow({}, reload)).catch((e) => say(`Could not load the board: ${e.message}`, true));
