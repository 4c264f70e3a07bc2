// The credential rules of the Taskwire MCP endpoint through an official TypeScript MCP client,
// shared by credentials_legacy.mjs (SDK v1, legacy era) and credentials_modern.mjs
// (@modelcontextprotocol/client, 2026-07-28). Run by run_serve_sdk.sh against the real server,
// which sets TW_URL, TW_KEY_ADA (all scopes), TW_KEY_ADA_READ (read scopes), TW_KEY_BOB (all
// scopes), TW_BINARY and TW_DATA_DIR (to mint and revoke keys with the CLI while the server runs).
// ada belongs to acme only, bob to globex only.
//
//   await runSession({ label, connect })
// connect(key, { url, fetch }) resolves to a connected client (client_legacy.mjs,
// client_modern.mjs). The HTTP status and WWW-Authenticate header of each request are seen through
// a recording fetch handed to the client's transport (harness.mjs, recorder). Prints one line per check and a summary;
// returns the number of failed checks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { allTools, bearerChallenge, checker, data, environment, expectToolError, note, recorder, rejection } from './harness.mjs';

const names = (tools) => tools.map((tool) => tool.name).sort();
const execFileAsync = promisify(execFile);

export async function runSession({ label, connect }) {
  const env = environment(['TW_URL', 'TW_KEY_ADA', 'TW_KEY_ADA_READ', 'TW_KEY_BOB', 'TW_BINARY', 'TW_DATA_DIR']);
  const { check, summary } = checker();

  // The taskwire CLI on the server's data folder; resolves to its standard output, trimmed.
  const taskwire = async (...args) =>
    (await execFileAsync(env.TW_BINARY, ['--data-dir', env.TW_DATA_DIR, ...args], { timeout: 30000 })).stdout.trim();
  // The id of ada's key called `name`, from the `key list` table (ID PREFIX USER NAME STATE …).
  const adaKey = async (name) => {
    const rows = (await taskwire('key', 'list', '--user', 'ada')).split('\n').map((line) => line.trim().split(/\s+/));
    const row = rows.find((fields) => fields[2] === 'ada' && fields[3] === name);
    assert.ok(row, `no key ${name} in key list`);
    return { id: row[0], state: row[4] };
  };

  const ada = await connect(env.TW_KEY_ADA);
  const bob = await connect(env.TW_KEY_BOB);
  const readerHttp = recorder();
  const reader = await connect(env.TW_KEY_ADA_READ, { fetch: readerHttp.fetch });
  // Filled in as the session goes; later checks use what earlier ones made.
  const s = {};

  // --- A full key and a read-only key ----------------------------------------------------------
  await check('full key: tools/list shows all 27 tools', async () => {
    s.tools = await allTools(ada);
    const all = names(s.tools);
    assert.equal(new Set(all).size, all.length, `duplicate names in ${all}`);
    for (const name of ['whoami', 'list_tasks', 'get_task', 'create_task', 'update_task', 'delete_task']) {
      assert.ok(all.includes(name), `${name} not in ${all}`);
    }
    assert.equal(all.length, 27, `got ${all}`);
  });

  await check('full key: create_task works and lands in acme', async () => {
    const { task } = data(await ada.callTool({ name: 'create_task', arguments: { title: 'Written with the full key' } }),
                          'create_task');
    assert.equal(task.organization, 'acme');
    assert.equal(task.createdBy, 'ada');
  });

  await check('read-only key: tools/list shows exactly the read tools', async () => {
    assert.ok(s.tools, 'no full tool list');
    for (const tool of s.tools) {
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', `${tool.name} has no readOnlyHint`);
    }
    const writes = names(s.tools.filter((tool) => !tool.annotations.readOnlyHint));
    const reads = names(s.tools.filter((tool) => tool.annotations.readOnlyHint));
    for (const name of ['create_task', 'update_task', 'delete_task', 'restore_task', 'purge_task', 'fork_task', 'send_message', 'ask_question', 'answer_question']) {
      assert.ok(writes.includes(name), `${name} is not marked readOnlyHint false`);
    }
    const shown = names(await allTools(reader));
    assert.deepEqual(shown.filter((name) => writes.includes(name)), [], 'write tools shown to a read-only key');
    assert.deepEqual(shown, reads);
    note(`shown: ${shown.join(' ')}`);
  });

  await check('read-only key: create_task gets HTTP 403 insufficient_scope for tasks:write', async () => {
    const mark = readerHttp.log.length;
    await rejection(reader.callTool({ name: 'create_task', arguments: { title: 'Should not exist' } }),
                    'create_task (read-only key)');
    const response = readerHttp.postSince(mark);
    assert.equal(response.status, 403);
    const challenge = bearerChallenge(response.challenge);
    assert.equal(challenge.error, 'insufficient_scope');
    assert.equal(challenge.scope, 'tasks:write');
    assert.match(new URL(challenge.resource_metadata).protocol, /^https?:$/);
    const { tasks } = data(await ada.callTool({ name: 'list_tasks', arguments: {} }), 'list_tasks');
    assert.ok(!tasks.some((task) => task.title === 'Should not exist'), 'the refused task was created');
  });

  // --- No credential, unknown and misplaced credentials ----------------------------------------
  await check('no credential: HTTP 401 with a Bearer resource_metadata challenge', async () => {
    const http = recorder();
    await rejection(connect(undefined, { fetch: http.fetch }), 'connect without a key');
    const response = http.postSince(0);
    assert.equal(response.status, 401);
    const challenge = bearerChallenge(response.challenge);
    assert.ok(challenge.scope, 'no scope parameter');
    assert.equal(challenge.error, undefined, 'an error code although no token was sent (RFC 6750 §3.1)');
    s.metadataUrl = new URL(challenge.resource_metadata).href;
  });

  await check('protected resource metadata: resource is TW_URL, scopes and servers listed', async () => {
    assert.ok(s.metadataUrl, 'no resource_metadata URL from the 401 challenge');
    const response = await fetch(s.metadataUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const metadata = await response.json();
    note(JSON.stringify(metadata));
    assert.equal(metadata.resource, env.TW_URL);
    assert.ok(Array.isArray(metadata.scopes_supported) && metadata.scopes_supported.length > 0,
              `scopes_supported: ${JSON.stringify(metadata.scopes_supported)}`);
    assert.ok(Array.isArray(metadata.authorization_servers),
              `authorization_servers: ${JSON.stringify(metadata.authorization_servers)}`);
  });

  await check('unknown well-formed key: HTTP 401 invalid_token', async () => {
    const http = recorder();
    const unknown = `tw_${randomBytes(32).toString('base64url')}`;
    assert.match(unknown, /^tw_[A-Za-z0-9_-]{43}$/);
    await rejection(connect(unknown, { fetch: http.fetch }), 'connect with an unknown key');
    const response = http.postSince(0);
    assert.equal(response.status, 401);
    assert.equal(bearerChallenge(response.challenge).error, 'invalid_token');
  });

  await check('key in the query string (?access_token=): HTTP 401', async () => {
    const http = recorder();
    const url = new URL(env.TW_URL);
    url.searchParams.set('access_token', env.TW_KEY_ADA);
    await rejection(connect(undefined, { url: url.href, fetch: http.fetch }), 'connect with ?access_token=');
    const response = http.postSince(0);
    assert.equal(response.status, 401);
    assert.ok(bearerChallenge(response.challenge).resource_metadata, 'no resource_metadata in the challenge');
  });

  // --- Revocation takes effect at once ---------------------------------------------------------
  await check('revoked key: the very next request gets HTTP 401 invalid_token', async () => {
    const name = 'e2e-revoke';
    const key = await taskwire('key', 'create', '--user', 'ada', '--name', name, '--scopes', 'all');
    assert.match(key, /^tw_[A-Za-z0-9_-]{43}$/, 'key create prints the key alone');
    const http = recorder();
    const client = await connect(key, { fetch: http.fetch });
    try {
      const me = data(await client.callTool({ name: 'whoami', arguments: {} }), 'whoami (new key)');
      assert.equal(me.user.name, 'ada');
      const { id } = await adaKey(name);
      await taskwire('key', 'revoke', id);
      // No pause: the request right after the revocation must already be refused.
      const mark = http.log.length;
      const outcome = await client.callTool({ name: 'whoami', arguments: {} })
        .then((result) => ({ result }), (error) => ({ error }));
      const response = http.postSince(mark);
      assert.equal((await adaKey(name)).state, 'revoked', 'key list shows the key revoked');
      assert.equal(response.status, 401, `the revoked key was still accepted (HTTP ${response.status})`);
      assert.equal(bearerChallenge(response.challenge).error, 'invalid_token');
      assert.ok(outcome.error, 'the SDK call resolved although the request was refused');
    } finally {
      await client.close().catch(() => {});  // terminating the session may be refused as well
    }
  });

  // --- Isolation: bob cannot reach ada's acme task ---------------------------------------------
  await check('isolation: ada creates a task in acme, bob\'s get_task is "not found"', async () => {
    const { task } = data(await ada.callTool({
      name: 'create_task', arguments: { title: 'Acme zeppelin plans', description: 'Only for acme.' },
    }), 'create_task');
    assert.equal(task.organization, 'acme');
    s.task = task;
    const refusal = await expectToolError(bob, 'get_task', { taskId: task.id }, /not found/i);
    assert.doesNotMatch(refusal, /zeppelin/i);
  });

  await check('isolation: bob\'s list_tasks and search_tasks leave the task out', async () => {
    assert.ok(s.task, 'no acme task');
    const found = async (client, who) => {
      const { tasks } = data(await client.callTool({ name: 'list_tasks', arguments: {} }), `list_tasks (${who})`);
      const { results } = data(await client.callTool({ name: 'search_tasks', arguments: { query: 'zeppelin' } }),
                               `search_tasks (${who})`);
      return { listed: tasks.some((t) => t.id === s.task.id), searched: results.some((r) => r.task.id === s.task.id) };
    };
    // ada sees it both ways, so bob not seeing it is the rule at work.
    assert.deepEqual(await found(ada, 'ada'), { listed: true, searched: true });
    assert.deepEqual(await found(bob, 'bob'), { listed: false, searched: false });
  });

  for (const client of [ada, bob, reader]) await client.close();
  return summary(label);
}
