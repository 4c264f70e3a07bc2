// Review mode through an official TypeScript MCP client (docs/review.md), shared by
// review_legacy.mjs (SDK v1, legacy era) and review_modern.mjs (@modelcontextprotocol/client,
// 2026-07-28). Run by run_serve_sdk.sh against the real server (TW_URL, TW_KEY_ADA, TW_KEY_BOB,
// TW_BINARY, TW_DATA_DIR): ada's person-mode and confirm-mode keys are minted with the CLI. A
// person-mode key's create and update come back as proposals and nothing changes; it cannot
// commit them; a person commits one with the CLI and one over REST, and each change appears once,
// audited with both credentials; a proposal goes stale when the task is edited in between; a
// confirm-mode key commits its own proposal, once; a rejection reaches the agent through
// poll_events; another user's proposal is not found.
//
//   await runSession({ label, connect })
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checker, data, environment, errorText } from './harness.mjs';

const execFileAsync = promisify(execFile);

export async function runSession({ label, connect }) {
  const env = environment(['TW_URL', 'TW_KEY_ADA', 'TW_KEY_BOB', 'TW_BINARY', 'TW_DATA_DIR']);
  const { check, summary } = checker();
  const cli = async (...args) =>
    (await execFileAsync(env.TW_BINARY, ['--data-dir', env.TW_DATA_DIR, ...args], { timeout: 30000 })).stdout.trim();
  // The failure of a CLI command that must fail: its exit code and standard error.
  const cliFailure = async (...args) => {
    try {
      await cli(...args);
    } catch (error) {
      return { code: error.code, stderr: error.stderr };
    }
    assert.fail(`taskwire ${args.join(' ')} succeeded`);
  };
  const personKey = await cli('key', 'create', '--user', 'ada', '--name', 'agent-person', '--scopes', 'all', '--review');
  const confirmKey = await cli('key', 'create', '--user', 'ada', '--name', 'agent-confirm', '--scopes', 'all', '--review=confirm');
  const ada = await connect(env.TW_KEY_ADA);
  const agent = await connect(personKey);
  const confirming = await connect(confirmKey);
  const bob = await connect(env.TW_KEY_BOB);
  const call = async (client, name, args) => data(await client.callTool({ name, arguments: args }), name);
  const proposalOf = (result, what) => {
    assert.ok(!result.isError, `${what} failed: ${errorText(result)}`);
    const proposal = result.structuredContent?.proposal;
    assert.ok(proposal, `${what} gave no proposal: ${JSON.stringify(result)}`);
    return proposal;
  };
  const rest = async (method, path, body, key = env.TW_KEY_ADA) => {
    const response = await fetch(env.TW_URL.replace(/mcp$/, `api/v1/${path}`), {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const s = {};

  await check('whoami says each key’s review mode', async () => {
    assert.equal((await call(ada, 'whoami', {})).reviewMode, 'off');
    const person = await call(agent, 'whoami', {});
    assert.equal(person.reviewMode, 'person');
    assert.match(person.reviewModeNote, /only a person can commit/);
    assert.equal((await call(confirming, 'whoami', {})).reviewMode, 'confirm');
  });

  await check('a person-mode key’s create and update come back as proposals, and nothing changed', async () => {
    s.task = (await call(ada, 'create_task', { title: 'Write the release notes', labels: ['docs'] })).task;
    const before = (await call(ada, 'get_task', { taskId: s.task.id })).task;
    const created = await agent.callTool({ name: 'create_task', arguments: { title: 'Sneaky new task' } });
    s.create = proposalOf(created, 'create_task');
    assert.equal(s.create.action, 'create_task');
    assert.equal(s.create.status, 'pending');
    assert.equal(s.create.taskId, undefined);
    assert.ok(created.content.some((c) => c.type === 'text' && /Nothing was changed yet/.test(c.text) && /Only a person/.test(c.text)),
      JSON.stringify(created.content));
    s.update = proposalOf(await agent.callTool({
      name: 'update_task', arguments: { taskId: s.task.id, title: 'Release notes for 2.0', status: 'IN_PROGRESS' },
    }), 'update_task');
    assert.equal(s.update.taskId, s.task.id);
    const fields = Object.fromEntries(s.update.changes.map((c) => [c.field, c]));
    assert.deepEqual(fields.title, { field: 'title', before: 'Write the release notes', after: 'Release notes for 2.0' });
    assert.deepEqual(fields.status, { field: 'status', before: 'TODO', after: 'IN_PROGRESS' });
    assert.ok(Date.parse(s.update.expiresAt) > Date.now() + 6 * 86400e3, s.update.expiresAt);
    const after = (await call(ada, 'get_task', { taskId: s.task.id })).task;
    assert.equal(after.version, before.version);
    assert.equal(after.title, before.title);
    const titles = (await call(ada, 'list_tasks', {})).tasks.map((t) => t.title);
    assert.ok(!titles.includes('Sneaky new task'), titles.join(', '));
    const listed = (await call(agent, 'list_proposals', { status: 'pending' })).proposals.map((p) => p.id);
    assert.deepEqual(listed, [s.update.id, s.create.id]);
  });

  await check('the person-mode key cannot commit what it proposed', async () => {
    const own = await agent.callTool({ name: 'commit_proposal', arguments: { proposalId: s.update.id } });
    assert.ok(own.isError);
    assert.match(errorText(own), /must be approved by a person/);
    assert.equal((await call(ada, 'get_task', { taskId: s.task.id })).task.title, 'Write the release notes');
  });

  await check('a person commits the update with the CLI: it applies once, audited with both credentials', async () => {
    const committed = JSON.parse(await cli('proposal', 'commit', String(s.update.id), '--user', 'ada', '--json'));
    assert.equal(committed.proposal.status, 'committed');
    const task = (await call(ada, 'get_task', { taskId: s.task.id })).task;
    assert.equal(task.title, 'Release notes for 2.0');
    assert.equal(task.status, 'IN_PROGRESS');
    assert.equal(task.version, s.task.version + 1);
    const again = await cliFailure('proposal', 'commit', String(s.update.id), '--user', 'ada');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already committed/);
    assert.equal((await call(ada, 'get_task', { taskId: s.task.id })).task.version, s.task.version + 1);
    const audit = (await rest('GET', `tasks/${s.task.id}/audit`)).body.entries;
    const updates = audit.filter((e) => e.action === 'update');
    assert.equal(updates.length, 1, JSON.stringify(audit));
    assert.equal(updates[0].credential, 'cli');
    assert.equal(updates[0].surface, 'cli');
    assert.equal(updates[0].changes.proposal.id, s.update.id);
    assert.equal(updates[0].changes.proposal.proposedBy.client, 'agent-person');
    assert.match(updates[0].changes.proposal.proposedBy.credential, /^key:\d+$/);
    assert.equal(updates[0].changes.proposal.proposedBy.surface, 'mcp');
    assert.deepEqual(updates[0].changes.title, { from: 'Write the release notes', to: 'Release notes for 2.0' });
  });

  await check('a person commits the create over REST: the task exists once', async () => {
    const committed = await rest('POST', `proposals/${s.create.id}/commit`, {});
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    assert.equal(committed.body.proposal.status, 'committed');
    assert.equal(committed.body.result.task.title, 'Sneaky new task');
    const again = await rest('POST', `proposals/${s.create.id}/commit`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'failed_precondition');
    assert.match(again.body.error.message, /already committed/);
    const titles = (await call(ada, 'list_tasks', {})).tasks.map((t) => t.title);
    assert.equal(titles.filter((t) => t === 'Sneaky new task').length, 1, titles.join(', '));
  });

  await check('a proposal goes stale when the task is edited in between', async () => {
    const stale = proposalOf(await agent.callTool({
      name: 'update_task', arguments: { taskId: s.task.id, title: 'A title from the past' },
    }), 'update_task');
    await call(ada, 'update_task', { taskId: s.task.id, status: 'DONE' });
    const refused = await rest('POST', `proposals/${stale.id}/commit`, {});
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'aborted');
    assert.match(refused.body.error.message, /stale/);
    assert.match(refused.body.error.message, /DONE/);
    const task = (await call(ada, 'get_task', { taskId: s.task.id })).task;
    assert.equal(task.title, 'Release notes for 2.0');
    assert.equal(task.status, 'DONE');
    const listed = (await call(agent, 'list_proposals', { proposalId: stale.id })).proposals;
    assert.equal(listed[0].status, 'pending');
  });

  await check('a confirm-mode key commits its own proposal, once', async () => {
    const result = await confirming.callTool({ name: 'send_message', arguments: { taskId: s.task.id, text: 'notes are done' } });
    const proposal = proposalOf(result, 'send_message');
    assert.equal(proposal.mode, 'confirm');
    assert.ok(Date.parse(proposal.expiresAt) < Date.now() + 16 * 60e3, proposal.expiresAt);
    assert.ok(result.content.some((c) => c.type === 'text' && /call commit_proposal/.test(c.text)));
    assert.equal((await call(ada, 'get_last_message', { taskId: s.task.id })).message, null);
    const committed = await call(confirming, 'commit_proposal', { proposalId: proposal.id });
    assert.equal(committed.proposal.status, 'committed');
    assert.equal(committed.result.message.text, 'notes are done');
    assert.equal((await call(ada, 'get_last_message', { taskId: s.task.id })).message.text, 'notes are done');
    const again = await confirming.callTool({ name: 'commit_proposal', arguments: { proposalId: proposal.id } });
    assert.ok(again.isError);
    assert.match(errorText(again), /already committed/);
  });

  await check('reject_proposal reaches the agent through poll_events', async () => {
    const { cursor } = await call(agent, 'poll_events', { timeoutMs: 0 });
    const proposal = proposalOf(await agent.callTool({ name: 'delete_task', arguments: { taskId: s.task.id } }), 'delete_task');
    const rejected = await rest('POST', `proposals/${proposal.id}/reject`, { reason: 'keep the notes' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal(rejected.body.proposal.status, 'rejected');
    const events = [];
    let at = cursor;
    while (!events.some((e) => e.type === 'proposal.rejected')) {
      const page = await call(agent, 'poll_events', { cursor: at, timeoutMs: 5000 });
      assert.ok(page.events.length > 0, 'no proposal.rejected within the wait');
      events.push(...page.events);
      at = page.cursor;
    }
    const types = events.map((e) => e.type);
    assert.ok(types.includes('proposal.created'), types.join(', '));
    const event = events.find((e) => e.type === 'proposal.rejected');
    assert.equal(event.data.proposalId, proposal.id);
    assert.equal(event.data.reason, 'keep the notes');
    assert.equal((await call(ada, 'get_task', { taskId: s.task.id })).task.id, s.task.id);
    const commit = await rest('POST', `proposals/${proposal.id}/commit`, {});
    assert.match(commit.body.error.message, /rejected/);
  });

  await check('another user’s proposal is not found', async () => {
    const theirs = await bob.callTool({ name: 'list_proposals', arguments: { proposalId: s.update.id } });
    assert.ok(theirs.isError);
    assert.match(errorText(theirs), /not found/i);
    const commit = await bob.callTool({ name: 'commit_proposal', arguments: { proposalId: s.update.id } });
    assert.ok(commit.isError);
    assert.equal((await rest('GET', `proposals/${s.update.id}`, undefined, env.TW_KEY_BOB)).status, 404);
    assert.deepEqual((await call(bob, 'list_proposals', {})).proposals, []);
  });

  for (const client of [ada, agent, confirming, bob]) await client.close();
  return summary(label);
}
