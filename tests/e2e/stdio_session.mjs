// The stdio bridge (`taskwire mcp stdio`) through an official TypeScript MCP client, shared by
// stdio_legacy.mjs (SDK v1, legacy era) and stdio_modern.mjs (@modelcontextprotocol/client,
// 2026-07-28). The client's StdioClientTransport spawns `TW_BINARY mcp stdio --key KEY --url
// TW_URL`, which forwards every message to the real server that run_serve_sdk.sh started (it sets
// TW_URL, TW_KEY_ADA, TW_KEY_ADA_READ, TW_BINARY). ada belongs to acme only.
//
//   await runSession({ label, connect, notifications })
// connect(key) resolves to a client connected through a new bridge (stdioConnector in
// client_legacy.mjs, client_modern.mjs); notifications: the client has subscribeResource and
// onResourceUpdated, and the session checks that a resource update reaches it through the
// bridge. Prints one line per check and a summary; returns the number of failed checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  allTools, bridgeServer, checker, data, environment, errorText, expectToolError, note, rejection, within,
} from './harness.mjs';

// Longest wait for one answer through the bridge: far below the SDK's own 60 s request timeout,
// so a request the bridge never answers fails its check quickly and names itself.
const kAnswerMs = 10000;

export async function runSession({ label, connect, notifications = false }) {
  const env = environment(['TW_URL', 'TW_KEY_ADA', 'TW_KEY_ADA_READ', 'TW_BINARY']);
  const { check, summary } = checker();
  // Filled in as the session goes; later checks use what earlier ones made.
  const s = {};
  const ada = () => {
    assert.ok(s.ada, 'no client connected through the bridge');
    return s.ada;
  };
  const call = (client, name, args) =>
    within(kAnswerMs, `tools/call ${name}`, client.callTool({ name, arguments: args }));

  await check('connect: the bridge with ada\'s key initializes', async () => {
    s.ada = await within(kAnswerMs, 'connect', connect(env.TW_KEY_ADA));
  });

  await check('tools/list shows all 27 tools, create_task among them', async () => {
    const names = (await within(kAnswerMs, 'tools/list', allTools(ada()))).map((tool) => tool.name).sort();
    assert.equal(new Set(names).size, names.length, `duplicate names in ${names}`);
    for (const name of ['whoami', 'list_tasks', 'get_task', 'create_task', 'update_task', 'delete_task']) {
      assert.ok(names.includes(name), `${name} not in ${names}`);
    }
    assert.equal(names.length, 27, `got ${names}`);
  });

  await check('whoami names ada', async () => {
    const me = data(await call(ada(), 'whoami', {}), 'whoami');
    assert.equal(me.user.name, 'ada');
    assert.ok(me.scopes.includes('tasks:write'), `scopes: ${me.scopes}`);
  });

  await check('create_task lands in acme and get_task returns it', async () => {
    const { task } = data(await call(ada(), 'create_task', { title: 'Sent through the stdio bridge' }), 'create_task');
    assert.equal(task.organization, 'acme');
    assert.equal(task.createdBy, 'ada');
    assert.equal(task.status, 'TODO');
    const got = data(await call(ada(), 'get_task', { taskId: task.id }), 'get_task').task;
    assert.equal(got.id, task.id);
    assert.equal(got.title, 'Sent through the stdio bridge');
    s.task = task;
  });

  await check('a tool error passes through: get_task 999999 is isError "not found"', async () => {
    await within(kAnswerMs, 'get_task 999999', expectToolError(ada(), 'get_task', { taskId: 999999 }, /not found/i));
  });

  await check('read taskwire://tasks/{id}: the task as JSON', async () => {
    assert.ok(s.task, 'no task created');
    const uri = `taskwire://tasks/${s.task.id}`;
    const { contents } = await within(kAnswerMs, 'resources/read', ada().readResource({ uri }));
    assert.equal(contents.length, 1);
    assert.equal(contents[0].uri, uri);
    assert.equal(contents[0].mimeType, 'application/json');
    const body = JSON.parse(contents[0].text);
    assert.equal(body.id, s.task.id);
    assert.equal(body.title, s.task.title);
  });

  if (notifications) {
    await check('resources/subscribe, then a REST PATCH: notifications/resources/updated arrives', async () => {
      assert.ok(s.task, 'no task created');
      const uri = `taskwire://tasks/${s.task.id}`;
      const updated = new Promise((resolve) => ada().onResourceUpdated((params) => {
        if (params.uri === uri) resolve(params);
      }));
      await within(kAnswerMs, 'resources/subscribe', ada().subscribeResource({ uri }));
      const response = await fetch(new URL(`/api/v1/tasks/${s.task.id}`, env.TW_URL), {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${env.TW_KEY_ADA}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 'IN_PROGRESS' }),
      });
      const answer = await response.text();
      assert.equal(response.status, 200, `PATCH answered ${response.status}: ${answer}`);
      assert.equal(JSON.parse(answer).task.status, 'IN_PROGRESS');
      const started = Date.now();
      const params = await within(5000, 'notifications/resources/updated', updated);
      note(`notifications/resources/updated ${JSON.stringify(params)} ${Date.now() - started} ms after the PATCH`);
    });
  }

  await check('read-only key: create_task through the bridge is refused (403, scope)', async () => {
    const reader = await within(kAnswerMs, 'connect (read-only key)', connect(env.TW_KEY_ADA_READ));
    try {
      let outcome;
      try {
        outcome = await call(reader, 'create_task', { title: 'Should not exist' });
      } catch (error) {
        outcome = { error };
      }
      if (outcome.error) {
        const message = String(outcome.error?.message ?? outcome.error);
        note(`create_task rejected: ${message.slice(0, 200)}`);
        assert.match(message, /403|scope/, 'the rejection names neither the 403 nor the scope');
      } else {
        assert.equal(outcome.isError, true, `create_task should fail, got ${JSON.stringify(outcome).slice(0, 200)}`);
        note(`create_task isError: ${errorText(outcome).slice(0, 200)}`);
        assert.match(errorText(outcome), /403|scope/);
      }
      const { tasks } = data(await call(ada(), 'list_tasks', {}), 'list_tasks');
      assert.ok(!tasks.some((task) => task.title === 'Should not exist'), 'the refused task was created');
    } finally {
      if (reader.stderr()) note(`bridge stderr: ${reader.stderr().trim().slice(0, 200)}`);
      await reader.close();
    }
  });

  // The reason must reach the person setting the client up: the bridge answers the request with
  // an error naming HTTP 401 and writes it on standard error (which MCP hosts keep in their
  // logs). Some clients replace the answer's words with their own and close the bridge before its
  // standard error is read, so the bridge's own output is checked directly as well.
  await check('unknown well-formed key (tw_ + 43 A): connecting fails, and the bridge names HTTP 401', async () => {
    const unknown = `tw_${'A'.repeat(43)}`;
    const error = await rejection(within(kAnswerMs, 'connect (unknown key)', connect(unknown)),
                                  'connect with an unknown key');
    note(`client error: ${String(error?.message ?? error).slice(0, 200)}`);
    const { command, args } = bridgeServer(unknown);
    const probe = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping', params: {} });
    const run = spawnSync(command, args, { input: `${probe}\n`, encoding: 'utf8', timeout: kAnswerMs });
    const answer = JSON.parse(run.stdout.trim().split('\n')[0]);
    assert.equal(answer.id, 7, `the bridge answers the request itself: ${run.stdout}`);
    assert.match(answer.error?.message ?? '', /HTTP 401/);
    assert.match(run.stderr, /HTTP 401/);
    note(`bridge: ${answer.error.message.slice(0, 120)}`);
  });

  if (s.ada) await s.ada.close();
  return summary(label);
}
