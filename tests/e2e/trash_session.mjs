// The trash and forks through an official TypeScript MCP client (docs/tasks.md, "The trash" and
// "Forks"), shared by trash_legacy.mjs (SDK v1, legacy era) and trash_modern.mjs
// (@modelcontextprotocol/client, 2026-07-28). Run by run_serve_sdk.sh against the real server
// (TW_URL, TW_KEY_ADA, TW_KEY_ADA_READ, TW_KEY_BOB; ada in acme, bob in globex):
// delete_task moves a subtree to the trash (gone from lists, search, get_task, resources and
// the feed), list_tasks {deleted: true} shows it with deletedAt, deletedBy and purgeAt,
// restore_task brings back exactly what that delete took (not a subtask deleted on its own, and
// not before its parent), purge_task removes it for good, fork_task copies a task with and
// without its subtasks; the REST routes of the same; and the refusals, each changing nothing.
// The expiry sweep runs on a fake clock in src/tasks/task_store_trash_test.cc.
//
//   await runSession({ label, connect, subscriber? })
// subscriber(key), when given, connects a client with subscribeResource and onResourceUpdated
// (the legacy era's stdio connector): a subtask's resource hears of its parent's delete.
import assert from 'node:assert/strict';
import { allTools, checker, data, environment, expectToolError } from './harness.mjs';

export async function runSession({ label, connect, subscriber }) {
  const env = environment();
  const { check, summary } = checker();
  const ada = await connect(env.TW_KEY_ADA);
  const bob = await connect(env.TW_KEY_BOB);
  const reader = await connect(env.TW_KEY_ADA_READ);
  const call = async (client, name, args) => data(await client.callTool({ name, arguments: args }), name);
  const rest = async (method, path, body) => {
    const response = await fetch(env.TW_URL.replace(/mcp$/, `api/v1/${path}`), {
      method,
      headers: { Authorization: `Bearer ${env.TW_KEY_ADA}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const liveIds = async () => (await call(ada, 'list_tasks', {})).tasks.map((t) => t.id);
  const trashIds = async () => (await call(ada, 'list_tasks', { deleted: true })).tasks.map((t) => t.id);
  const s = {};

  await check('the tools are declared honestly', async () => {
    const tools = Object.fromEntries((await allTools(ada)).map((tool) => [tool.name, tool]));
    for (const name of ['delete_task', 'restore_task', 'purge_task', 'fork_task']) {
      assert.ok(tools[name], `${name} is not listed`);
      assert.equal(tools[name].annotations.readOnlyHint, false, name);
    }
    assert.equal(tools.delete_task.annotations.destructiveHint, true);
    assert.match(tools.delete_task.description, /restore_task brings them back as they were for 30 days/);
    assert.equal(tools.purge_task.annotations.destructiveHint, true);
    assert.match(tools.purge_task.description, /cannot be restored/);
    assert.equal(tools.restore_task.annotations.destructiveHint, false);
    const shown = (await allTools(reader)).map((tool) => tool.name);
    for (const name of ['delete_task', 'restore_task', 'purge_task', 'fork_task']) {
      assert.ok(!shown.includes(name), `${name} shown to a read-only key`);
    }
  });

  await check('a tree with a thread: root, two subtasks, a grandchild', async () => {
    s.root = (await call(ada, 'create_task', { title: 'Migrate the pangolin cluster', labels: ['ops'] })).task;
    s.a = (await call(ada, 'create_task', { title: 'Drain the nodes', parentId: s.root.id, status: 'DONE' })).task;
    s.b = (await call(ada, 'create_task', { title: 'Move the volumes', parentId: s.root.id })).task;
    s.b1 = (await call(ada, 'create_task', { title: 'Snapshot first', parentId: s.b.id })).task;
    await call(ada, 'send_message', { taskId: s.a.id, text: 'drained pangolin-1' });
    s.before = (await call(ada, 'get_task', { taskId: s.a.id })).task;
  });

  await check('fork_task without subtasks copies the task alone, recording forkedFrom', async () => {
    const fork = await call(ada, 'fork_task', { taskId: s.root.id, title: 'Migrate the second cluster' });
    assert.equal(fork.forkedTaskIds.length, 1);
    assert.equal(fork.task.forkedFrom, s.root.id);
    assert.equal(fork.task.title, 'Migrate the second cluster');
    assert.deepEqual(fork.task.labels, ['ops']);
    const { task: detail } = await call(ada, 'get_task', { taskId: fork.task.id });
    assert.equal(detail.forkedFrom, s.root.id);
    assert.deepEqual(detail.subtasks, []);
    s.fork = fork.task;
  });

  await check('fork_task with subtasks copies the tree, each copy under its parent\'s copy, no thread', async () => {
    const fork = await call(ada, 'fork_task', { taskId: s.root.id, includeSubtasks: true });
    assert.equal(fork.forkedTaskIds.length, 4);
    assert.equal(fork.task.title, s.root.title);
    const { task: top } = await call(ada, 'get_task', { taskId: fork.task.id });
    assert.deepEqual(top.subtasks.map((t) => t.title).sort(), ['Drain the nodes', 'Move the volumes']);
    const drained = top.subtasks.find((t) => t.title === 'Drain the nodes');
    const { task: copy } = await call(ada, 'get_task', { taskId: drained.id });
    assert.equal(copy.forkedFrom, s.a.id);
    assert.equal(copy.status, 'DONE');
    assert.equal(copy.messageCount, 0, 'messages are not copied');
    s.treeFork = fork.task;
  });

  if (subscriber) {
    await check('a subscriber to a subtask hears of the delete and the restore of its parent', async () => {
      const watcher = await subscriber(env.TW_KEY_ADA);
      try {
        const uri = `taskwire://tasks/${s.a.id}`;
        let heard = 0;
        let wake = () => {};
        watcher.onResourceUpdated((params) => {
          if (params.uri === uri) { heard += 1; wake(); }
        });
        const next = (count) => new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no notifications/resources/updated for ${uri}`)), 10000);
          wake = () => { if (heard >= count) { clearTimeout(timer); resolve(); } };
          wake();
        });
        await watcher.subscribeResource({ uri });
        const fork = await call(ada, 'fork_task', { taskId: s.root.id });  // the root's own copy
        await call(ada, 'delete_task', { taskId: s.root.id });
        const deleted = await next(1).then(() => null, (error) => error);
        await call(ada, 'restore_task', { taskId: s.root.id });  // the later checks need the tree
        if (deleted) throw deleted;
        await next(2);
        await call(ada, 'delete_task', { taskId: fork.task.id });
        await call(ada, 'purge_task', { taskId: fork.task.id });
      } finally {
        await watcher.close();
      }
    });
  }

  await check('delete_task moves a subtask to the trash on its own', async () => {
    const { deletedTaskIds, purgeAt } = await call(ada, 'delete_task', { taskId: s.b1.id });
    assert.deepEqual(deletedTaskIds, [s.b1.id]);
    assert.ok(Date.parse(purgeAt) > Date.now() + 29 * 86400e3, purgeAt);
  });

  await check('delete_task moves the rest of the tree to the trash: gone from every read', async () => {
    const { cursor } = await call(ada, 'poll_events', { timeoutMs: 0 });
    const { deletedTaskIds } = await call(ada, 'delete_task', { taskId: s.root.id });
    assert.deepEqual(deletedTaskIds, [s.root.id, s.a.id, s.b.id]);
    const live = await liveIds();
    for (const id of [s.root.id, s.a.id, s.b.id, s.b1.id]) assert.ok(!live.includes(id), `${id} still listed`);
    await expectToolError(ada, 'get_task', { taskId: s.a.id }, /not found/);
    const { results } = await call(ada, 'search_tasks', { query: 'pangolin' });
    assert.ok(results.length > 0 && results.every((hit) => hit.task.forkedFrom), `only the forks match: ${JSON.stringify(results.map((h) => h.task.id))}`);
    await assert.rejects(ada.readResource({ uri: `taskwire://tasks/${s.root.id}` }));
    const { events } = await call(ada, 'poll_events', { cursor, timeoutMs: 0 });
    assert.deepEqual(events.map((e) => e.type), ['task.deleted']);
    assert.deepEqual(events[0].data.deletedIds, [s.root.id, s.a.id, s.b.id]);
    // The history from the start holds nothing of the trashed tasks but their deletions.
    const all = await call(ada, 'poll_events', { cursor: '0', timeoutMs: 0 });
    const trashed = new Set([s.root.id, s.a.id, s.b.id, s.b1.id]);
    const seen = all.events.filter((e) => trashed.has(e.taskId)).map((e) => e.type);
    assert.deepEqual([...new Set(seen)], ['task.deleted']);
  });

  await check('list_tasks {deleted: true} lists the trash with deletedAt, deletedBy, purgeAt', async () => {
    const { tasks } = await call(ada, 'list_tasks', { deleted: true });
    assert.deepEqual(tasks.map((t) => t.id).sort(), [s.root.id, s.a.id, s.b.id, s.b1.id].sort());
    for (const task of tasks) {
      assert.equal(task.deletedBy, 'ada');
      assert.ok(task.deletedAt && task.purgeAt > task.deletedAt, JSON.stringify(task));
    }
    const viaRest = await rest('GET', 'tasks?deleted=true');
    assert.equal(viaRest.status, 200);
    assert.equal(viaRest.body.tasks.length, tasks.length);
  });

  await check('refusals change nothing: parent in the trash, not in the trash, unknown, another organization', async () => {
    await expectToolError(ada, 'restore_task', { taskId: s.a.id },
                          new RegExp(`parent, task ${s.root.id}, is in the trash: restore task ${s.root.id} first`));
    await expectToolError(ada, 'restore_task', { taskId: s.b1.id }, /restore task \d+ first/);
    await expectToolError(ada, 'purge_task', { taskId: s.fork.id }, /is not in the trash/);
    await expectToolError(ada, 'restore_task', { taskId: s.fork.id }, /is not in the trash/);
    await expectToolError(ada, 'restore_task', { taskId: 999999 }, /not found/);
    await expectToolError(bob, 'restore_task', { taskId: s.root.id }, /not found/);
    await expectToolError(bob, 'purge_task', { taskId: s.root.id }, /not found/);
    await expectToolError(bob, 'fork_task', { taskId: s.fork.id }, /not found/);
    assert.deepEqual((await trashIds()).sort(), [s.root.id, s.a.id, s.b.id, s.b1.id].sort());
  });

  await check('restore_task brings back what that delete took, exactly as it was', async () => {
    const { restoredTaskIds } = await call(ada, 'restore_task', { taskId: s.root.id });
    assert.deepEqual(restoredTaskIds, [s.root.id, s.a.id, s.b.id]);
    const { task: after } = await call(ada, 'get_task', { taskId: s.a.id });
    assert.equal(after.version, s.before.version);
    assert.equal(after.updatedAt, s.before.updatedAt);
    assert.equal(after.messageCount, 1);
    assert.ok(!('deletedAt' in after));
    // The subtask deleted on its own before stays in the trash, until restored by its own id.
    assert.deepEqual(await trashIds(), [s.b1.id]);
    assert.deepEqual((await call(ada, 'get_task', { taskId: s.b.id })).task.subtasks, []);
    const viaRest = await rest('POST', `tasks/${s.b1.id}/restore`);
    assert.equal(viaRest.status, 200, JSON.stringify(viaRest.body));
    assert.deepEqual(viaRest.body.restoredTaskIds, [s.b1.id]);
    assert.deepEqual(await trashIds(), []);
  });

  await check('purge_task deletes a trashed task for good; then restore and purge say it was purged', async () => {
    await call(ada, 'delete_task', { taskId: s.b.id });
    const { purgedTaskIds } = await call(ada, 'purge_task', { taskId: s.b.id });
    assert.deepEqual(purgedTaskIds, [s.b.id, s.b1.id]);
    await expectToolError(ada, 'restore_task', { taskId: s.b.id }, /was purged at .* by ada/);
    await expectToolError(ada, 'purge_task', { taskId: s.b1.id }, /was purged/);
    assert.deepEqual((await call(ada, 'get_task', { taskId: s.root.id })).task.subtasks.map((t) => t.id), [s.a.id]);
    // The fork of the tree is untouched, and still names its original.
    assert.equal((await call(ada, 'get_task', { taskId: s.treeFork.id })).task.subtasks.length, 2);
  });

  await check('the REST routes: DELETE, fork (201), purge with 409 outside the trash', async () => {
    const forked = await rest('POST', `tasks/${s.a.id}/fork`, { title: 'Drain again' });
    assert.equal(forked.status, 201, JSON.stringify(forked.body));
    assert.equal(forked.body.task.forkedFrom, s.a.id);
    const refused = await rest('POST', `tasks/${forked.body.task.id}/purge`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'failed_precondition');
    const deleted = await rest('DELETE', `tasks/${forked.body.task.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body.deletedTaskIds, [forked.body.task.id]);
    const purged = await rest('POST', `tasks/${forked.body.task.id}/purge`, {});
    assert.equal(purged.status, 200, JSON.stringify(purged.body));
    assert.equal((await rest('GET', `tasks/${forked.body.task.id}`)).status, 404);
  });

  await check('a read-only key may not delete, restore, purge or fork (403 insufficient_scope)', async () => {
    for (const name of ['delete_task', 'restore_task', 'purge_task', 'fork_task']) {
      await assert.rejects(reader.callTool({ name, arguments: { taskId: s.root.id } }), /403|scope/, name);
    }
    assert.ok((await liveIds()).includes(s.root.id));
  });

  for (const client of [ada, bob, reader]) await client.close();
  return summary(label);
}
