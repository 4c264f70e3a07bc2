// Questions are for people (docs/tasks.md, "Questions") through an official TypeScript MCP
// client, shared by questions_legacy.mjs (SDK v1, legacy era) and questions_modern.mjs
// (@modelcontextprotocol/client, 2026-07-28). Run by run_serve_sdk.sh against the real server
// (TW_URL, TW_KEY_ADA, TW_KEY_BOB, TW_BINARY, TW_DATA_DIR; ada in acme, bob in globex): an agent's
// ask_question cannot be answered by that agent, nor by another agent over MCP, nor by bob; ada
// answers as a person through REST with a key of her own (minted with the CLI); the agent reads
// the answer with list_questions and get_task, with who answered through which surface; the
// taskwire://tasks/{id}/history resource, GET /api/v1/audit and `taskwire audit` show who did
// what through which surface, and bob reads none of it.
//
//   await runSession({ label, connect })
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checker, data, environment, expectToolError, rejection } from './harness.mjs';

export async function runSession({ label, connect }) {
  const env = environment(['TW_URL', 'TW_KEY_ADA', 'TW_KEY_BOB', 'TW_BINARY', 'TW_DATA_DIR']);
  const { check, summary } = checker();
  const cli = async (...args) =>
    (await promisify(execFile)(env.TW_BINARY, ['--data-dir', env.TW_DATA_DIR, ...args], { timeout: 30000 })).stdout.trim();
  const agent = await connect(env.TW_KEY_ADA);
  // Another agent of ada's: a key of her own, used over MCP.
  const otherAgent = await connect(await cli('key', 'create', '--user', 'ada', '--name', 'other-agent', '--scopes', 'all'));
  const bob = await connect(env.TW_KEY_BOB);
  // ada herself: her own key, on REST.
  const personKey = await cli('key', 'create', '--user', 'ada', '--name', 'ada-curl', '--scopes', 'all');
  const rest = async (method, path, body, key = personKey) => {
    const response = await fetch(env.TW_URL.replace(/mcp$/, `api/v1/${path}`), {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const call = async (client, name, args) => data(await client.callTool({ name, arguments: args }), name);
  const s = {};

  await check('the agent asks a question for a person', async () => {
    s.task = (await call(agent, 'create_task', { title: 'Pick the launch day' })).task;
    const { question } = await call(agent, 'ask_question', {
      taskId: s.task.id, question: 'Launch on Tuesday or Thursday?', choices: ['Tuesday', 'Thursday'],
    });
    assert.equal(question.status, 'open');
    assert.equal(question.forPerson, true);
    assert.equal(question.askedVia.surface, 'mcp');
    assert.equal(question.askedVia.client, 'e2e-full');
    s.question = question;
  });

  await check('the asking agent cannot answer it; nothing is written', async () => {
    await expectToolError(agent, 'answer_question', { questionId: s.question.id, answer: 'Tuesday' },
      /asked with this credential/);
    // Its own key on REST is the same credential.
    const own = await rest('POST', `questions/${s.question.id}/answer`, { answer: 'Tuesday' }, env.TW_KEY_ADA);
    assert.equal(own.status, 403, JSON.stringify(own.body));
    assert.equal(own.body.error.code, 'permission_denied');
    const { questions } = await call(agent, 'list_questions', { taskId: s.task.id, status: 'open' });
    assert.deepEqual(questions.map((q) => q.id), [s.question.id]);
  });

  await check('another agent over MCP cannot answer a question for a person', async () => {
    await expectToolError(otherAgent, 'answer_question', { questionId: s.question.id, answer: 'Tuesday' },
      /is for a person/);
  });

  await check("another organization's user finds no such question", async () => {
    await expectToolError(bob, 'answer_question', { questionId: s.question.id, answer: 'Tuesday' }, /not found/);
    const { questions } = await call(bob, 'list_questions', {});
    assert.ok(!questions.some((q) => q.id === s.question.id), 'bob sees ada\'s question');
    await expectToolError(bob, 'list_questions', { taskId: s.task.id }, /not found/);
  });

  await check('a person answers through REST, recorded with the surface', async () => {
    const { status, body } = await rest('POST', `questions/${s.question.id}/answer`, { answer: 'Thursday' });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.question.answeredBy, 'ada');
    assert.deepEqual(body.question.answeredVia, { credential: body.question.answeredVia.credential, client: 'ada-curl', surface: 'rest' });
    assert.match(body.question.answeredVia.credential, /^key:\d+$/);
    assert.notEqual(body.question.answeredVia.credential, body.question.askedVia.credential);
  });

  await check('the agent reads the answer with list_questions and get_task', async () => {
    const { questions } = await call(agent, 'list_questions', { taskId: s.task.id, status: 'answered' });
    assert.equal(questions.length, 1);
    assert.equal(questions[0].answer, 'Thursday');
    assert.equal(questions[0].answeredVia.surface, 'rest');
    const { task } = await call(agent, 'get_task', { taskId: s.task.id });
    assert.deepEqual(task.openQuestions, []);
    assert.equal(task.answeredQuestions[0].id, s.question.id);
    assert.equal(task.answeredQuestions[0].answer, 'Thursday');
    const events = await call(agent, 'poll_events', { cursor: '0', taskId: s.task.id, timeoutMs: 0 });
    const answered = events.events.find((e) => e.type === 'question.answered');
    assert.ok(answered, 'no question.answered event');
    assert.equal(answered.data.surface, 'rest');
    assert.equal(answered.data.client, 'ada-curl');
  });

  await check('a question not for a person: another agent may answer, never the asker', async () => {
    const { question } = await call(agent, 'ask_question', { taskId: s.task.id, question: 'Any blockers?', forPerson: false });
    assert.equal(question.forPerson, false);
    await expectToolError(agent, 'answer_question', { questionId: question.id, answer: 'none' }, /asked with this credential/);
    const answered = (await call(otherAgent, 'answer_question', { questionId: question.id, answer: 'none' })).question;
    assert.equal(answered.answeredVia.surface, 'mcp');
    assert.equal(answered.answeredVia.client, 'other-agent');
  });

  await check('the history resource shows who did what through which surface', async () => {
    const read = await agent.readResource({ uri: `taskwire://tasks/${s.task.id}/history` });
    const history = JSON.parse(read.contents[0].text);
    assert.equal(history.taskId, s.task.id);
    const find = (entity, action) => history.entries.find((e) => e.entity === entity && e.action === action);
    const created = find('task', 'create');
    assert.ok(created, `no creation in ${JSON.stringify(history.entries.map((e) => `${e.entity}.${e.action}`))}`);
    assert.equal(created.surface, 'mcp');
    assert.equal(created.client, 'e2e-full');
    assert.ok(created.fields.some((f) => f.field === 'title' && f.before === null && f.after === 'Pick the launch day'));
    const answers = history.entries.filter((e) => e.entity === 'question' && e.action === 'answer');
    const byPerson = answers.find((e) => e.entityId === s.question.id);
    assert.ok(byPerson, 'no answer entry for the person\'s answer');
    assert.equal(byPerson.user, 'ada');
    assert.equal(byPerson.surface, 'rest');
    assert.equal(byPerson.client, 'ada-curl');
    assert.ok(byPerson.fields.some((f) => f.field === 'answer' && f.after === 'Thursday'));
    assert.ok(answers.some((e) => e.surface === 'mcp' && e.client === 'other-agent'), 'no answer by the other agent');
    const asked = find('question', 'ask');
    assert.equal(asked.surface, 'mcp');
    // get_task shows the latest of it.
    const { task } = await call(agent, 'get_task', { taskId: s.task.id });
    assert.deepEqual(task.history.map((e) => e.id), history.entries.slice(0, task.history.length).map((e) => e.id));
  });

  await check('GET /api/v1/audit and `taskwire audit` read the same record; bob reads none of it', async () => {
    const { status, body } = await rest('GET', `audit?taskId=${s.task.id}&limit=2`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.entries.length, 2);
    assert.ok(body.nextCursor, 'no nextCursor');
    const next = await rest('GET', `audit?taskId=${s.task.id}&limit=2&cursor=${encodeURIComponent(body.nextCursor)}`);
    assert.equal(next.status, 200);
    assert.ok(next.body.entries[0].id < body.entries[1].id, 'pages overlap');
    const bad = await rest('GET', 'audit?since=yesterday');
    assert.equal(bad.status, 400);
    const recorded = JSON.parse(await cli('audit', '--task', String(s.task.id), '--json'));
    const history = JSON.parse((await agent.readResource({ uri: `taskwire://tasks/${s.task.id}/history` })).contents[0].text);
    assert.deepEqual(recorded.entries.map((e) => e.id), history.entries.map((e) => e.id));
    assert.ok((await cli('audit', '--user', 'ada', '--since', '1h')).includes('  ada  rest  '));
    // bob: not found, and nothing of acme in his record.
    await rejection(bob.readResource({ uri: `taskwire://tasks/${s.task.id}/history` }), "reading ada's task history");
    await expectToolError(bob, 'list_audit', { taskId: s.task.id }, /not found/);
    const bobs = await call(bob, 'list_audit', {});
    assert.ok(bobs.entries.every((e) => e.user !== 'ada'), 'bob sees what ada did');
  });

  return summary(label);
}
