// A realistic Taskwire session through an official TypeScript MCP client, shared by
// tasks_legacy.mjs (SDK v1, legacy era) and tasks_modern.mjs (@modelcontextprotocol/client,
// 2026-07-28). Run by run_serve_sdk.sh against the real server, which sets:
//   TW_URL, TW_KEY_ADA (all scopes), TW_KEY_ADA_READ (read scopes), TW_KEY_BOB (all scopes)
// ada belongs to acme only, bob to globex only.
//
//   await runSession({ label, connect })
// connect(key) resolves to a connected client (client_legacy.mjs, client_modern.mjs). Prints one
// line per check and a summary; returns the number of failed checks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checker, data, environment, errorText, expectToolError, note } from './harness.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSession({ label, connect }) {
  const env = environment();
  const { check, summary } = checker();

  const ada = await connect(env.TW_KEY_ADA);
  const ada2 = await connect(env.TW_KEY_ADA);
  // Filled in as the session goes; later checks use what earlier ones made.
  const s = { words: 'flamingo quasar' };

  // --- A session as ada ------------------------------------------------------------------------
  await check('whoami names ada with tasks:write', async () => {
    const me = data(await ada.callTool({ name: 'whoami', arguments: {} }), 'whoami');
    assert.equal(me.user.name, 'ada');
    assert.ok(me.scopes.includes('tasks:write'), `scopes: ${me.scopes}`);
    assert.equal(me.reviewMode, "off");
  });

  await check('list_organizations shows acme only, as owner', async () => {
    const { organizations } = data(await ada.callTool({ name: 'list_organizations', arguments: {} }), 'list_organizations');
    assert.deepEqual(organizations.map((o) => o.name), ['acme']);
    assert.equal(organizations[0].role, 'owner');
    s.orgId = organizations[0].id;
  });

  await check('create_task without organizationId lands in acme', async () => {
    const { task } = data(await ada.callTool({
      name: 'create_task',
      arguments: {
        title: 'Ship the release notes',
        description: `Collect the changes and write them up; mind the ${s.words} section.`,
        labels: ['docs'],
      },
    }), 'create_task');
    assert.equal(task.organizationId, s.orgId);
    assert.equal(task.organization, 'acme');
    assert.equal(task.status, 'TODO');
    assert.equal(task.parentId, null);
    assert.deepEqual(task.owners, ['ada']);
    assert.deepEqual(task.labels, ['docs']);
    assert.equal(task.version, 1);
    s.task = task;
  });

  await check('create two subtasks with parentId', async () => {
    s.subtasks = [];
    for (const title of ['Draft the notes', 'Review the notes']) {
      const { task } = data(await ada.callTool({ name: 'create_task', arguments: { title, parentId: s.task.id } }),
                            'create_task (subtask)');
      assert.equal(task.parentId, s.task.id);
      assert.equal(task.organizationId, s.orgId);
      s.subtasks.push(task);
    }
    const { tasks } = data(await ada.callTool({ name: 'list_tasks', arguments: { parentId: s.task.id } }), 'list_tasks');
    assert.deepEqual(tasks.map((t) => t.id).sort(), s.subtasks.map((t) => t.id).sort());
  });

  await check('update_task to IN_PROGRESS with expectedVersion', async () => {
    const { task } = data(await ada.callTool({
      name: 'update_task',
      arguments: { taskId: s.task.id, status: 'IN_PROGRESS', expectedVersion: s.task.version },
    }), 'update_task');
    assert.equal(task.status, 'IN_PROGRESS');
    assert.equal(task.version, s.task.version + 1);
    assert.equal(task.title, s.task.title, 'fields not given stay');
    s.updated = task;
  });

  await check('update_task with a stale expectedVersion is refused, naming the version', async () => {
    await expectToolError(ada, 'update_task',
                          { taskId: s.task.id, status: 'DONE', expectedVersion: s.task.version },
                          /version/);
    const { task } = data(await ada.callTool({ name: 'get_task', arguments: { taskId: s.task.id } }), 'get_task');
    assert.equal(task.status, 'IN_PROGRESS', 'the refused change was not applied');
    assert.equal(task.version, s.updated.version);
  });

  await check('send_message then get_last_message returns it with its author', async () => {
    const { message } = data(await ada.callTool({
      name: 'send_message', arguments: { taskId: s.task.id, text: 'Started on the draft.' },
    }), 'send_message');
    assert.equal(message.taskId, s.task.id);
    assert.equal(message.author, 'ada');
    const last = data(await ada.callTool({ name: 'get_last_message', arguments: { taskId: s.task.id } }),
                      'get_last_message');
    assert.equal(last.message.id, message.id);
    assert.equal(last.message.text, 'Started on the draft.');
    assert.equal(last.message.author, 'ada');
  });

  await check('ask_question with choices; not the asker but a person answers (REST)', async () => {
    const asked = data(await ada.callTool({
      name: 'ask_question',
      arguments: { taskId: s.task.id, question: 'Which format?', choices: ['Markdown', 'HTML'] },
    }), 'ask_question');
    assert.equal(asked.question.status, 'open');
    assert.equal(asked.question.forPerson, true);
    assert.deepEqual(asked.question.choices, ['Markdown', 'HTML']);
    await expectToolError(ada, 'answer_question', { questionId: asked.question.id, answer: 'Markdown' },
      /asked with this credential/);
    // ada herself, with a key of her own on REST: a person.
    const { TW_BINARY, TW_DATA_DIR } = environment(['TW_BINARY', 'TW_DATA_DIR']);
    const person = (await promisify(execFile)(TW_BINARY, ['--data-dir', TW_DATA_DIR, 'key', 'create',
      '--user', 'ada', '--name', 'ada-herself', '--scopes', 'all'], { timeout: 30000 })).stdout.trim();
    const answer = async (text) => {
      const response = await fetch(env.TW_URL.replace(/mcp$/, `api/v1/questions/${asked.question.id}/answer`), {
        method: 'POST',
        headers: { Authorization: `Bearer ${person}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ answer: text }),
      });
      return { status: response.status, body: await response.json() };
    };
    assert.equal((await answer('PDF')).status, 400, 'an answer outside the choices');
    const { status, body } = await answer('Markdown');
    assert.equal(status, 200, JSON.stringify(body));
    const answered = body;
    assert.equal(answered.question.status, 'answered');
    assert.equal(answered.question.answer, 'Markdown');
    assert.equal(answered.question.answeredBy, 'ada');
    assert.equal(answered.question.answeredVia.surface, 'rest');
    s.questionId = asked.question.id;
  });

  await check('search_tasks finds the task by a description word, with a snippet', async () => {
    const { results } = data(await ada.callTool({ name: 'search_tasks', arguments: { query: 'flamingo' } }),
                             'search_tasks');
    const hit = results.find((r) => r.task.id === s.task.id);
    assert.ok(hit, `task ${s.task.id} not among ${JSON.stringify(results.map((r) => r.task.id))}`);
    assert.match(hit.snippet, /\*\*flamingo\*\*/i);
  });

  await check('poll_events from cursor "0" returns the session\'s events', async () => {
    const poll = data(await ada.callTool({ name: 'poll_events', arguments: { cursor: '0', timeoutMs: 0 } }),
                      'poll_events');
    const types = new Set(poll.events.filter((e) => e.taskId === s.task.id).map((e) => e.type));
    for (const type of ['task.created', 'task.updated', 'message.created', 'question.asked', 'question.answered']) {
      assert.ok(types.has(type), `no ${type} event for task ${s.task.id}; got ${[...types]}`);
    }
    const subtaskEvents = poll.events.filter((e) => e.type === 'task.created' && s.subtasks.some((t) => t.id === e.taskId));
    assert.equal(subtaskEvents.length, 2, 'one task.created per subtask');
    assert.ok(poll.events.every((e) => e.organizationId === s.orgId));
    assert.equal(poll.hasMore, false);
    assert.equal(poll.cursor, poll.events.at(-1).id);
    s.cursor = poll.cursor;
    s.adaEventIds = new Set(poll.events.map((e) => e.id));
  });

  await check('a waiting poll_events returns a new event at once (< 5 s)', async () => {
    let settled = false;
    const pending = ada.callTool({ name: 'poll_events', arguments: { cursor: s.cursor, timeoutMs: 10000 } })
      .finally(() => { settled = true; });
    await sleep(500);
    assert.equal(settled, false, 'poll_events returned before anything happened');
    const sent = Date.now();
    const { message } = data(await ada2.callTool({
      name: 'send_message', arguments: { taskId: s.task.id, text: 'Woken up?' },
    }), 'send_message (second client)');
    const poll = data(await pending, 'poll_events (waiting)');
    const waited = Date.now() - sent;
    assert.ok(waited < 5000, `the poll took ${waited} ms after the event`);
    const event = poll.events.find((e) => e.type === 'message.created');
    assert.ok(event, `got ${JSON.stringify(poll.events)}`);
    assert.equal(event.taskId, s.task.id);
    assert.equal(event.data.messageId, message.id);
    assert.ok(BigInt(poll.cursor) > BigInt(s.cursor));
    note(`woke ${waited} ms after the event`);
  });

  await check('read taskwire://tasks/{id}: JSON with its subtasks', async () => {
    const uri = `taskwire://tasks/${s.task.id}`;
    const { contents } = await ada.readResource({ uri });
    assert.equal(contents.length, 1);
    assert.equal(contents[0].uri, uri);
    assert.equal(contents[0].mimeType, 'application/json');
    const body = JSON.parse(contents[0].text);
    assert.equal(body.id, s.task.id);
    assert.equal(body.status, 'IN_PROGRESS');
    assert.deepEqual(body.subtasks.map((t) => t.id).sort(), s.subtasks.map((t) => t.id).sort());
    assert.ok(body.messageCount >= 2);
  });

  await check('resources/templates/list holds the three templates', async () => {
    const { resourceTemplates } = await ada.listResourceTemplates();
    const uris = resourceTemplates.map((t) => t.uriTemplate);
    for (const uri of ['taskwire://tasks/{id}', 'taskwire://organizations/{id}',
                       'taskwire://organizations/{id}/tasks']) {
      assert.ok(uris.includes(uri), `${uri} not in ${uris}`);
    }
  });

  await check('prompts/get triage embeds the open tasks as resources', async () => {
    const prompt = await ada.getPrompt({ name: 'triage', arguments: {} });
    assert.equal(prompt.messages[0].content.type, 'text');
    assert.match(prompt.messages[0].content.text, /acme/);
    const embedded = prompt.messages.filter((m) => m.content.type === 'resource');
    const uris = embedded.map((m) => m.content.resource.uri);
    for (const task of [s.task, ...s.subtasks]) {
      assert.ok(uris.includes(`taskwire://tasks/${task.id}`), `task ${task.id} not in ${uris}`);
    }
    const body = JSON.parse(embedded.find((m) => m.content.resource.uri === `taskwire://tasks/${s.task.id}`)
      .content.resource.text);
    assert.equal(body.title, s.task.title);
  });

  await check('completion/complete offers the task id for plan_task taskId', async () => {
    const id = String(s.task.id);
    const { completion } = await ada.complete({
      ref: { type: 'ref/prompt', name: 'plan_task' },
      argument: { name: 'taskId', value: id.slice(0, 1) },
    });
    assert.ok(completion.values.includes(id), `${id} not in ${completion.values}`);
    assert.ok(completion.values.every((v) => v.startsWith(id.slice(0, 1))));
  });

  // --- Bad input -------------------------------------------------------------------------------
  await check('get_task of an unknown id: isError "not found"', async () => {
    await expectToolError(ada, 'get_task', { taskId: 987654 }, /not found/i);
  });

  await check('create_task with a 501-character title: isError naming title', async () => {
    await expectToolError(ada, 'create_task', { title: 'x'.repeat(501) }, /title/);
  });

  await check('update_task with an invalid status: isError', async () => {
    await expectToolError(ada, 'update_task', { taskId: s.task.id, status: 'FINISHED' }, /status/);
  });

  // --- Isolation: bob sees none of acme --------------------------------------------------------
  const bob = await connect(env.TW_KEY_BOB);
  await check('bob: create a task of his own in globex', async () => {
    const { task } = data(await bob.callTool({ name: 'create_task', arguments: { title: 'Globex budget' } }),
                          'create_task (bob)');
    assert.equal(task.organization, 'globex');
    s.bobTask = task;
  });

  await check('bob: get_task of ada\'s task is "not found"', async () => {
    await expectToolError(bob, 'get_task', { taskId: s.task.id }, /not found/i);
  });

  await check('bob: search_tasks for ada\'s words finds nothing', async () => {
    for (const query of ['flamingo', 'quasar', 'release notes']) {
      const { results } = data(await bob.callTool({ name: 'search_tasks', arguments: { query } }), 'search_tasks (bob)');
      assert.deepEqual(results, [], `query ${query}`);
    }
  });

  await check('bob: poll_events from "0" holds none of ada\'s events', async () => {
    const poll = data(await bob.callTool({ name: 'poll_events', arguments: { cursor: '0', timeoutMs: 0 } }),
                      'poll_events (bob)');
    assert.ok(poll.events.some((e) => e.taskId === s.bobTask?.id), 'bob sees his own task.created');
    const leaked = poll.events.filter((e) => s.adaEventIds.has(e.id) || e.organizationId === s.orgId);
    assert.deepEqual(leaked, []);
  });

  await check('bob: reading taskwire://tasks/{ada\'s id} is an error', async () => {
    await assert.rejects(bob.readResource({ uri: `taskwire://tasks/${s.task.id}` }), (error) => {
      note(`${error?.code ?? ''} ${String(error?.message).slice(0, 160)}`);
      assert.doesNotMatch(String(error?.message), /flamingo/);
      return true;
    });
  });

  await check('bob: list_tasks holds none of ada\'s tasks', async () => {
    const { tasks } = data(await bob.callTool({ name: 'list_tasks', arguments: {} }), 'list_tasks (bob)');
    const ids = new Set([s.task.id, ...s.subtasks.map((t) => t.id)]);
    assert.deepEqual(tasks.filter((t) => ids.has(t.id) || t.organizationId === s.orgId), []);
    assert.ok(tasks.some((t) => t.id === s.bobTask?.id));
  });

  // --- A read-only credential ------------------------------------------------------------------
  const reader = await connect(env.TW_KEY_ADA_READ);
  await check('read-only key: whoami lacks tasks:write', async () => {
    const me = data(await reader.callTool({ name: 'whoami', arguments: {} }), 'whoami (read)');
    assert.equal(me.user.name, 'ada');
    assert.ok(me.scopes.includes('tasks:read'));
    assert.ok(!me.scopes.includes('tasks:write'));
  });

  await check('read-only key: create_task is refused for lacking "tasks:write"', async () => {
    let refusal;
    try {
      const result = await reader.callTool({ name: 'create_task', arguments: { title: 'Should not exist' } });
      assert.equal(result.isError, true, `created: ${JSON.stringify(result.structuredContent)}`);
      refusal = errorText(result);
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      refusal = String(error?.message);  // e.g. a later HTTP 403
    }
    note(refusal.slice(0, 160));
    assert.match(refusal, /tasks:write/);
    const { tasks } = data(await ada.callTool({ name: 'list_tasks', arguments: {} }), 'list_tasks');
    assert.ok(!tasks.some((t) => t.title === 'Should not exist'));
  });

  await check('read-only key: reading still works', async () => {
    const { task } = data(await reader.callTool({ name: 'get_task', arguments: { taskId: s.task.id } }), 'get_task (read)');
    assert.equal(task.id, s.task.id);
  });

  for (const client of [ada, ada2, bob, reader]) await client.close();
  return summary(label);
}
