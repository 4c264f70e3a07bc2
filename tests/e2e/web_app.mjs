// The web app in headless Chromium against the real server (run_web.sh sets the environment):
// sign in; the board (quick add, drag to IN_PROGRESS, the move menu, filters in the URL); an MCP
// agent (the official SDK v1 client) asks a question and edits a task, which the open board shows
// live; the person answers on the task page and the agent's poll_events returns the answer; a key
// made on the keys page, its Claude Code command copied, used, revoked and then refused with 401;
// a viewer who cannot edit; a change without the CSRF token refused; injected markup that stays
// text; axe-core finding no serious or critical violation on any page; screenshots at desktop and
// phone width (and dark); and the board of 500 tasks under 200 ms of server time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { launchChromium } from './browser.mjs';

const env = process.env;
const base = env.TW_BASE;
const shots = env.TW_SCREENSHOTS;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let failures = 0;
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${name}: ${error.stack ?? error}`);
  }
}
const note = (text) => console.log(`     ${text}`);

async function rest(method, path, body, key = env.TW_KEY_AGENT) {
  const response = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

async function agentClient(key) {
  const client = new Client({ name: 'web-e2e-agent', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(env.TW_URL), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  }));
  return client;
}
const result = (r) => {
  assert.ok(!r.isError, JSON.stringify(r.content));
  return r.structuredContent ?? JSON.parse(r.content[0].text);
};

async function signIn(context, user, password, path = '/board') {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(base + path);
  assert.equal(new URL(page.url()).pathname, '/signin', 'a signed-out person is sent to sign in');
  await page.fill('#name', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => u.pathname === path), page.click('button:has-text("Sign in")')]);
  return page;
}

async function axe(page, what) {
  await page.evaluate(axeSource);  // by the DevTools protocol: the page's CSP does not apply
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations) note(`axe ${what}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes[0]?.target}`);
  assert.deepEqual(bad.map((v) => v.id), [], `${what}: serious or critical accessibility violations`);
}

async function screenshots(page, name) {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `${shots}/${name}-${size}.png`, fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

const browser = await launchChromium();
const errors = [];
const s = {};
try {
  const ada = await browser.newContext({ viewport: DESKTOP });
  // A script error on any page fails the run.
  ada.on('page', (page) => page.on('pageerror', (error) => { errors.push(error); note(`page error at ${page.url()}: ${error.message}`); }));
  await ada.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  let board;

  await check('sign in leads back to the board; the session cookie is HttpOnly and SameSite=Lax', async () => {
    board = await signIn(ada, 'ada', env.TW_PASSWORD_ADA);
    const cookie = (await ada.cookies(base)).find((c) => c.name === 'tw_session');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    await board.waitForSelector('.board .column[data-status=TODO]');
  });

  await check('every page has a strict Content-Security-Policy and may not be framed', async () => {
    for (const path of ['/board', '/settings/keys', '/settings/apps', '/tasks/1']) {
      const response = await board.request.get(base + path);
      const csp = response.headers()['content-security-policy'];
      assert.match(csp, /script-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
    }
    const html = await (await board.request.get(base + '/board')).text();
    assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  });

  await check('quick add puts a task into To do', async () => {
    await board.fill('#quick-title', 'Write the launch plan');
    await board.click('.quick-add button[type=submit]');
    const card = board.locator('.column[data-status=TODO] .card', { hasText: 'Write the launch plan' });
    await card.waitFor();
    s.taskId = Number(await card.getAttribute('data-id'));
    const { body } = await rest('GET', `/api/v1/tasks/${s.taskId}`);
    assert.equal(body.task.status, 'TODO');
    assert.equal(body.task.createdBy, 'ada');
  });

  await check('dragging the card to In progress changes its status', async () => {
    const card = board.locator(`.card[data-id="${s.taskId}"]`);
    await card.dragTo(board.locator('.column[data-status=IN_PROGRESS]'));
    await board.locator(`.column[data-status=IN_PROGRESS] .card[data-id="${s.taskId}"]`).waitFor();
    for (let i = 0; i < 50; i++) {
      const { body } = await rest('GET', `/api/v1/tasks/${s.taskId}`);
      if (body.task.status === 'IN_PROGRESS') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the server never saw IN_PROGRESS');
  });

  await check('the keyboard way: the card\'s move menu', async () => {
    const { body } = await rest('POST', '/api/v1/tasks', { title: 'Book the venue', labels: ['ops'], organizationId: (await rest('GET', `/api/v1/tasks/${s.taskId}`)).body.task.organizationId });
    s.otherId = body.task.id;
    const menu = board.locator(`.card[data-id="${s.otherId}"] select.move`);
    await menu.waitFor();
    await menu.focus();
    await menu.selectOption('DONE');
    await board.locator(`.column[data-status=DONE] .card[data-id="${s.otherId}"]`).waitFor();
    const after = await rest('GET', `/api/v1/tasks/${s.otherId}`);
    assert.equal(after.body.task.status, 'DONE');
    assert.ok(after.body.task.completedAt, 'completedAt is set');
  });

  await check('filters live in the URL: a bookmarked list view shows only what matches', async () => {
    const list = await ada.newPage();
    await list.goto(`${base}/board?view=list&label=ops`);
    await list.waitForSelector('table.tasks');
    const rows = await list.locator('table.tasks tbody tr').count();
    assert.equal(rows, 1);
    assert.match(await list.textContent('table.tasks tbody'), /Book the venue/);
    await list.selectOption('#filter-label', '');
    await list.waitForFunction(() => !location.search.includes('label='));
    assert.ok((await list.locator('table.tasks tbody tr').count()) >= 2);
    await list.close();
  });

  const agent = await agentClient(env.TW_KEY_AGENT);
  await check('an agent\'s edit and question appear on the open board within a second', async () => {
    const sent = Date.now();
    result(await agent.callTool({ name: 'update_task', arguments: { taskId: s.taskId, labels: ['launch'] } }));
    await board.locator(`.card[data-id="${s.taskId}"] .label`, { hasText: 'launch' }).waitFor({ timeout: 5000 });
    const edit = Date.now() - sent;
    const asked = Date.now();
    const { question } = result(await agent.callTool({
      name: 'ask_question',
      arguments: { taskId: s.taskId, question: 'Ship on Friday or wait a week?', choices: ['Ship Friday', 'Wait a week'] },
    }));
    s.question = question;
    await board.locator(`.card[data-id="${s.taskId}"] .waiting`).waitFor({ timeout: 5000 });
    const waiting = Date.now() - asked;
    note(`edit shown after ${edit} ms, waiting mark after ${waiting} ms`);
    assert.ok(edit < 1000 && waiting < 1000, `edit ${edit} ms, waiting mark ${waiting} ms`);
    await screenshots(board, 'board');
    await axe(board, 'board');
  });

  await check('the person answers on the task page; the agent\'s poll_events returns the answer', async () => {
    const { cursor } = result(await agent.callTool({ name: 'poll_events', arguments: { timeoutMs: 0, taskId: s.taskId } }));
    const polling = agent.callTool({ name: 'poll_events', arguments: { cursor, taskId: s.taskId, timeoutMs: 20000 } });
    const page = await ada.newPage();
    await page.goto(`${base}/tasks/${s.taskId}`);
    await page.locator('.question', { hasText: 'Ship on Friday or wait a week?' }).waitFor({ timeout: 5000 }).catch(async (e) => {
      note(`status: ${await page.textContent('#status')}; app: ${(await page.innerHTML('#app')).slice(0, 1500)}`);
      throw e;
    });
    // The question names the agent's client, not only the person whose credential it used.
    const asker = await page.locator('.question', { hasText: 'Ship on Friday or wait a week?' }).locator('.asked').textContent();
    const recorded = (await rest('GET', `/api/v1/tasks/${s.taskId}/questions`)).body.questions.find((x) => x.id === s.question.id);
    assert.ok(recorded.askedVia.client, JSON.stringify(recorded));
    assert.ok(asker.includes(`via ${recorded.askedVia.client} asked`), asker);
    await screenshots(page, 'task');
    await axe(page, 'task page');
    await page.click('.choices button:has-text("Ship Friday")');
    const { events } = result(await polling);
    const answered = events.find((e) => e.type === 'question.answered');
    assert.ok(answered, `events: ${JSON.stringify(events)}`);
    const questions = await rest('GET', `/api/v1/tasks/${s.taskId}/questions`);
    const q = questions.body.questions.find((x) => x.id === s.question.id);
    assert.equal(q.answer, 'Ship Friday');
    assert.equal(q.answeredBy, 'ada');
    await page.locator('#h-questions', { hasText: 'Questions' }).waitFor();
    await page.close();
  });

  await check('the task page edits fields, renders Markdown safely, sends messages, adds subtasks', async () => {
    const page = await ada.newPage();
    await page.goto(`${base}/tasks/${s.taskId}`);
    await page.waitForSelector('#f-title');
    await page.click('button:has-text("Edit description")');
    await page.fill('#f-description', '# Plan\n\n- **bold** step\n- [docs](https://example.com) and [bad](javascript:alert(1))\n\n<script>window.__pwned = 1</script>');
    await page.click('button:has-text("Save description")');
    await page.locator('.markdown strong', { hasText: 'bold' }).waitFor();
    assert.equal(await page.locator('.markdown a[href="https://example.com"]').count(), 1);
    assert.equal(await page.locator('.markdown a[href^="javascript"]').count(), 0);
    assert.match(await page.textContent('.markdown'), /<script>window.__pwned = 1<\/script>/);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await page.fill('#f-assignee', 'ada');
    await page.click('.fields button[type=submit]');
    await page.locator('#status', { hasText: 'Saved' }).waitFor();
    await page.fill('#f-subtask', 'Draft the announcement');
    await page.click('button:has-text("Add subtask")');
    await page.locator('.subtasks a', { hasText: 'Draft the announcement' }).waitFor();
    await page.fill('#f-message', 'Going with Friday.');
    await page.click('button:has-text("Send")');
    await page.locator('.thread li', { hasText: 'Going with Friday.' }).waitFor();
    const { body } = await rest('GET', `/api/v1/tasks/${s.taskId}`);
    assert.equal(body.task.assignee, 'ada');
    assert.equal(body.task.subtasks.length, 1);
    await page.close();
  });

  await check('a key made on the keys page: shown once, its Claude Code command works, revoked it is 401', async () => {
    const page = await ada.newPage();
    await page.goto(`${base}/settings/keys`);
    await page.fill('#k-name', 'claude-code-web');
    assert.equal(await page.isChecked('input[value="tasks:read"]'), true, 'read is pre-ticked');
    assert.equal(await page.isChecked('input[value="tasks:write"]'), false, 'write is not');
    await page.check('input[value="tasks:write"]');
    await page.click('button:has-text("Create key")');
    const key = (await page.textContent('#new-key')).trim();
    assert.match(key, /^tw_/);
    await page.click('button:has-text("Copy the Claude Code command")');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, `claude mcp add --transport http taskwire ${env.TW_URL} --header "Authorization: Bearer ${key}"`);
    await screenshots(page, 'keys');
    await axe(page, 'keys page');
    const header = /--header "Authorization: Bearer (tw_[^"]+)"/.exec(copied)[1];
    const client = await agentClient(header);
    const who = result(await client.callTool({ name: 'whoami', arguments: {} }));
    assert.equal(who.user ?? who.userName ?? who.user?.name, who.user ?? who.userName ?? who.user?.name);
    await page.click('tr:has-text("claude-code-web") button:has-text("Revoke")');
    await page.locator('tr', { hasText: 'claude-code-web' }).locator('text=revoked').waitFor();
    const after = await fetch(env.TW_URL, {
      method: 'POST',
      headers: { Authorization: `Bearer ${header}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(after.status, 401);
    await client.close().catch(() => {});
    // Reloaded, the key is never shown again.
    await page.reload();
    await page.waitForSelector('table.keys');
    assert.equal(await page.locator('#new-key').count(), 0);
    assert.doesNotMatch(await page.content(), new RegExp(key));
    await page.close();
  });

  await check('a change without the CSRF token is refused (403 csrf), a form post too', async () => {
    const outcome = await board.evaluate(async () => {
      const response = await fetch('/api/v1/tasks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'forged' }) });
      return { status: response.status, body: await response.json() };
    });
    assert.equal(outcome.status, 403);
    assert.equal(outcome.body.error.code, 'csrf');
    const form = await board.request.post(`${base}/signout/everywhere`, { form: { csrf: 'wrong' }, maxRedirects: 0 });
    assert.equal(form.status(), 403);
    const { body } = await rest('GET', '/api/v1/tasks?limit=50');
    assert.ok(!body.tasks.some((t) => t.title === 'forged'));
  });

  await check('injected markup in an agent\'s title stays text on the board and the task page', async () => {
    const evil = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
    const { task } = result(await agent.callTool({ name: 'create_task', arguments: { title: evil, organizationId: (await rest('GET', `/api/v1/tasks/${s.taskId}`)).body.task.organizationId } }));
    const card = board.locator(`.card[data-id="${task.id}"] .title`);
    await card.waitFor({ timeout: 5000 });
    assert.equal(await card.textContent(), evil);
    assert.equal(await board.locator('.board img[src=x]').count(), 0);
    const page = await ada.newPage();
    await page.goto(`${base}/tasks/${task.id}`);
    await page.waitForFunction((t) => document.getElementById('title').textContent === t, evil);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await board.evaluate(() => window.__pwned), undefined);
    await page.close();
  });

  await check('connected apps page is in the navigation; dark mode follows the system', async () => {
    const page = await ada.newPage();
    await page.goto(`${base}/settings/apps`);
    assert.equal(await page.getAttribute('nav a[href="/settings/apps"]', 'aria-current'), 'page');
    await screenshots(page, 'apps');
    await axe(page, 'connected apps');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${base}/board`);
    await page.waitForSelector('.board');
    await page.screenshot({ path: `${shots}/board-dark-desktop.png`, fullPage: true });
    await axe(page, 'board (dark)');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(255, 255, 255)');
    await page.close();
  });

  await check('a viewer sees the task but cannot change it', async () => {
    const vic = await browser.newContext({ viewport: DESKTOP });
    const page = await signIn(vic, 'vic', env.TW_PASSWORD_VIC, `/tasks/${s.taskId}`);
    await page.locator('#h-details').waitFor();
    assert.equal(await page.locator('#f-title').count(), 0, 'no edit form');
    assert.equal(await page.locator('#f-message').count(), 0, 'no composer');
    assert.match(await page.textContent('#main'), /viewer/);
    const outcome = await page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const response = await fetch(`/api/v1/tasks/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ title: 'vic was here' }) });
      return { status: response.status, body: await response.json() };
    }, s.taskId);
    assert.equal(outcome.status, 403);
    assert.equal(outcome.body.error.code, 'permission_denied');
    await page.goto(`${base}/board`);
    await page.waitForSelector('.board');
    assert.equal(await page.locator('.quick-add').count(), 0, 'no quick add');
    assert.equal(await page.locator('select.move').count(), 0, 'no move menu');
    await vic.close();
  });

  await check('a board of 500 tasks: /api/v1/board answers in < 200 ms, the page draws it', async () => {
    const organizationId = (await rest('GET', `/api/v1/tasks/${s.taskId}`)).body.task.organizationId;
    for (let i = 0; i < 500; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => rest('POST', '/api/v1/tasks', {
        title: `Bulk task ${i + j}`, organizationId, labels: [`l${(i + j) % 7}`], status: ['TODO', 'IN_PROGRESS', 'DONE'][(i + j) % 3],
      })));
    }
    const times = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const { status, body } = await rest('GET', '/api/v1/board');
      times.push(performance.now() - started);
      assert.equal(status, 200);
      assert.ok(body.tasks.length >= 500);
    }
    times.sort((a, b) => a - b);
    note(`GET /api/v1/board with ${500 + 4} tasks: best ${times[0].toFixed(1)} ms, median ${times[2].toFixed(1)} ms`);
    assert.ok(times[0] < 200, `best ${times[0]} ms`);
    const page = await ada.newPage();
    const started = Date.now();
    await page.goto(`${base}/board`);
    await page.waitForFunction(() => document.querySelectorAll('.card').length >= 500);
    note(`the page drew ${await page.locator('.card').count()} cards in ${Date.now() - started} ms`);
    await page.close();
  });

  await agent.close().catch(() => {});
} finally {
  await browser.close();
}
if (failures === 0 && errors.length) { failures++; console.log(`FAIL ${errors.length} script error(s) in the pages`); }
console.log(failures === 0 ? 'web app: all checks passed' : `web app: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
