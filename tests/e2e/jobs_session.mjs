// Jobs from an agent's side through an official TypeScript MCP client, shared by jobs_legacy.mjs
// (SDK v1, legacy era) and jobs_modern.mjs (@modelcontextprotocol/client, 2026-07-28). Run by
// run_serve_sdk.sh with jobs_setup.sh against the real server, with a config whose [[jobs]] run
// small sh scripts (see jobs_setup.sh for the jobs and the variables it sets). ada belongs to
// acme only, bob to globex only.
//
//   await runSession({ label, connect, modern })
// connect(key, { fetch }) resolves to a connected client (client_legacy.mjs, client_modern.mjs);
// `modern` adds the checks of the tasks extension, which only 2026-07-28 has. Every HTTP answer
// the clients and the REST calls receive is recorded, so that the last check can look for the
// secret in all of them. Prints one line per check and a summary; returns the number of failed
// checks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { bearerChallenge, checker, data, environment, errorText, expectToolError, note, recorder, rejection } from './harness.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const execFileAsync = promisify(execFile);
const MODERN = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';

// `probe()` until it returns something truthy, at most `ms`; then the last value, or a failure
// naming `what`. Output reaches the database within a tenth of a second, processes die within
// the kill grace: this waits for them, it does not time them.
async function eventually(what, probe, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms / 1000} s`);
    await sleep(50);
  }
}

// Everything the server answered in this session, as text.
function transcript() {
  const chunks = [];
  const decoder = new TextDecoder();
  return {
    keep(response) {
      if (!response.body) return;
      const reader = response.body.getReader();
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(decoder.decode(value, { stream: true }));
        }
      })().catch(() => {});
    },
    add(text) {
      chunks.push(text);
    },
    text: () => chunks.join(''),
  };
}

// The processes whose environment holds every one of `pairs` ("NAME=value"), by pid.
function processesWith(pairs) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ;
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
    } catch {
      continue;  // gone, or not ours
    }
    if (pairs.every((pair) => environ.includes(pair))) found.push(Number(entry));
  }
  return found;
}

// The processes in process group `pgid`, as "PID STATE" (field 3 of /proc/PID/stat: Z for a
// zombie, not reaped yet).
function groupMembers(pgid) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) found.push(`${entry} ${fields[0]}`);
    } catch {
      // gone
    }
  }
  return found;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
}

const gateName = () => `g${randomBytes(8).toString('hex')}`;

export async function runSession({ label, connect, modern = false }) {
  const env = environment(['TW_URL', 'TW_KEY_ADA', 'TW_KEY_ADA_READ', 'TW_KEY_BOB', 'TW_BINARY',
                           'TW_DATA_DIR', 'TW_CONFIG', 'TW_SERVER_LOG', 'TW_GATES', 'TW_SECRETS']);
  const { check, summary } = checker();
  const seen = transcript();
  const readerHttp = recorder({ keep: seen.keep });
  const ada = await connect(env.TW_KEY_ADA, { fetch: recorder({ keep: seen.keep }).fetch });
  const reader = await connect(env.TW_KEY_ADA_READ, { fetch: readerHttp.fetch });
  const bob = await connect(env.TW_KEY_BOB, { fetch: recorder({ keep: seen.keep }).fetch });
  const apiBase = new URL('/api/v1/', env.TW_URL).href;
  const gates = env.TW_GATES;
  const open = (gate, step) => fs.writeFileSync(path.join(gates, `${gate}.${step}`), '');

  const call = async (client, name, args, what = name) => data(await client.callTool({ name, arguments: args }), what);
  // run_job's answer: { run, output (its tail), runId and hint while it runs }.
  const runJob = (client, args) => call(client, 'run_job', args, `run_job ${args.job}`);
  const getRun = (client, args) => call(client, 'get_run', args);
  // The output of a get_run answer: its text and where to read on.
  const outputOf = (answer) => {
    assert.ok(answer.output, `get_run answered no output: ${JSON.stringify(answer).slice(0, 300)}`);
    return answer.output;
  };
  // A REST request as `key`; resolves to { status, body (parsed JSON, or text), headers }.
  const rest = async (key, method, route, body) => {
    const post = method === 'POST';
    const response = await fetch(new URL(route, apiBase), {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(post ? { 'Content-Type': 'application/json' } : {}) },
      body: post ? JSON.stringify(body ?? {}) : undefined,
    });
    const text = await response.text();
    seen.add(text);
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers, text };
  };
  // The taskwire CLI on the server's data folder and config; resolves to its standard output.
  const taskwire = async (...args) => {
    const { stdout } = await execFileAsync(env.TW_BINARY, ['--data-dir', env.TW_DATA_DIR, '--config', env.TW_CONFIG, ...args],
                                           { timeout: 30000 });
    seen.add(stdout);
    return stdout;
  };
  const s = {};

  // --- Listing and running ----------------------------------------------------------------------
  await check('list_jobs shows the jobs ada may run, with their parameter schemas', async () => {
    const { jobs } = await call(ada, 'list_jobs', {});
    const names = jobs.map((job) => job.name);
    for (const name of ['hello', 'fail', 'slow', 'stubborn', 'watch', 'deploy', 'literal', 'acme-true']) {
      assert.ok(names.includes(name), `${name} not in ${names}`);
    }
    assert.ok(!names.includes('globex-true'), 'a job of globex, which ada is no member of, is listed');
    const deploy = jobs.find((job) => job.name === 'deploy');
    assert.equal(deploy.description, 'Deploys to an environment with a secret token');
    assert.deepEqual(deploy.params.properties.env.enum, ['staging', 'prod']);
    assert.equal(deploy.params.properties.token.writeOnly, true);
    assert.deepEqual([...deploy.params.required].sort(), ['env', 'token']);
    assert.equal(deploy.maxConcurrent, 1);
    assert.equal(deploy.onLimit, 'queue');
    assert.equal(jobs.find((job) => job.name === 'acme-true').organization, 'acme');
    note(`jobs: ${names.join(', ')}`);
  });

  await check('run_job hello: succeeded, exit code 0, output tail, progress, who started it', async () => {
    const { run, output } = await runJob(ada, { job: 'hello', params: { name: 'Ada' } });
    assert.equal(run.status, 'succeeded');
    assert.equal(run.exitCode, 0);
    assert.equal(run.job, 'hello');
    assert.deepEqual(run.params, { name: 'Ada' });
    assert.equal(run.startedBy, 'ada');
    assert.deepEqual(run.progress, { done: 2, total: 2, message: 'done' });
    assert.ok(run.createdAt && run.startedAt && run.finishedAt, 'timestamps');
    assert.equal(output.tail, true);
    assert.equal(output.text, `hello from hello, run ${run.id}, greeting Ada\n::progress 1/2 halfway\n` +
                              'this line went to standard error\n::progress 2/2 done\nbye\n');
    assert.equal(output.finished, true);
    assert.equal(run.outputBytes, output.total);
    s.hello = run;
  });

  await check('run_job with a default parameter left out fills it in', async () => {
    const { run, output } = await runJob(ada, { job: 'hello' });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.params, { name: 'world' });
    assert.match(output.text, /greeting world/);
  });

  await check('run_job fail: failed with exit code 3', async () => {
    const { run, output } = await runJob(ada, { job: 'fail' });
    assert.equal(run.status, 'failed');
    assert.equal(run.exitCode, 3);
    assert.equal(output.text, 'about to fail\n');
  });

  await check('run_job slow: timed_out at its 1 s timeout', async () => {
    const { run } = await runJob(ada, { job: 'slow', waitMs: 20000 });
    assert.equal(run.status, 'timed_out');
    assert.equal(run.exitCode ?? null, null, 'a run stopped by a signal has no exit code');
    assert.ok(run.signal, `no signal: ${JSON.stringify(run)}`);
    note(`signal ${run.signal}`);
  });

  await check('run_job with bad params or an unknown job is an isError naming what is wrong', async () => {
    await expectToolError(ada, 'run_job', { job: 'deploy', params: { env: 'dev', token: 'x' } }, /params\.env/);
    await expectToolError(ada, 'run_job', { job: 'deploy', params: { env: 'prod' } }, /token/);
    await expectToolError(ada, 'run_job', { job: 'hello', params: { nobody: 1 } }, /nobody/);
    s.unknownJob = await expectToolError(ada, 'run_job', { job: 'no-such-job' }, /not found|no job/i);
  });

  await check('run_job with a progressToken: notifications/progress from ::progress lines while it waits', async () => {
    const gate = gateName();
    const heard = [];
    // The run goes on only once the client has heard of its progress; should nothing come, the
    // gates open after 20 s so that the run ends and the assertions below say what was missed.
    const fallback = setTimeout(() => { open(gate, 'go'); open(gate, 'end'); }, 20000);
    try {
      const result = await ada.callToolWith({ name: 'run_job', arguments: { job: 'watch', params: { gate }, waitMs: 40000 } }, {
        onprogress: (progress) => {
          heard.push(progress);
          if (/phase one/.test(progress.message ?? '')) open(gate, 'go');
          if (/phase two/.test(progress.message ?? '')) open(gate, 'end');
        },
        timeout: 60000,
      });
      const { run } = data(result, 'run_job watch');
      note(`heard ${JSON.stringify(heard)}`);
      assert.equal(run.status, 'succeeded');
      assert.deepEqual(heard.map((p) => [p.progress, p.total, p.message]), [[1, 2, 'phase one'], [2, 2, 'phase two']]);
    } finally {
      clearTimeout(fallback);
    }
  });

  await check('get_run with outputOffset reads the output while the run runs, twice, growing', async () => {
    const gate = gateName();
    const started = (await runJob(ada, { job: 'watch', params: { gate }, waitMs: 0 })).run;
    assert.ok(['queued', 'running'].includes(started.status), started.status);
    const first = await eventually('"phase one" in the output', async () => {
      const answer = await getRun(ada, { runId: started.id, outputOffset: 0 });
      return outputOf(answer).text?.includes('phase one') ? answer : null;
    });
    assert.equal(first.run.status, 'running');
    const firstOutput = outputOf(first);
    assert.equal(firstOutput.offset, 0);
    assert.ok(firstOutput.nextOffset > 0);
    assert.ok(!firstOutput.text.includes('phase two'));
    open(gate, 'go');
    const second = await eventually('"phase two" after the first read', async () => {
      const answer = await getRun(ada, { runId: started.id, outputOffset: firstOutput.nextOffset });
      return outputOf(answer).text?.includes('phase two') ? answer : null;
    });
    const secondOutput = outputOf(second);
    assert.equal(second.run.status, 'running');
    assert.equal(secondOutput.offset, firstOutput.nextOffset);
    assert.ok(secondOutput.nextOffset > firstOutput.nextOffset, 'the output grew');
    assert.ok(!secondOutput.text.includes('phase one'), 'the second read starts where the first ended');
    open(gate, 'end');
    const done = await getRun(ada, { runId: started.id, waitMs: 15000, outputOffset: secondOutput.nextOffset });
    assert.equal(done.run.status, 'succeeded');
    assert.match(outputOf(done).text, /the end/);
    note(`offsets 0 → ${firstOutput.nextOffset} → ${secondOutput.nextOffset} → ${outputOf(done).nextOffset}`);
  });

  await check('run_job of a run still running says to call get_run with its runId', async () => {
    const gate = gateName();
    const answer = await runJob(ada, { job: 'watch', params: { gate }, waitMs: 0 });
    const { run } = answer;
    assert.ok(['queued', 'running'].includes(run.status), run.status);
    assert.equal(answer.runId, run.id);
    assert.match(answer.hint, /get_run/);
    assert.ok(answer.hint.includes(`runId ${run.id}`), `the hint names no run id: ${answer.hint}`);
    note(`hint: ${answer.hint}`);
    open(gate, 'go');
    open(gate, 'end');
    assert.equal((await getRun(ada, { runId: run.id, waitMs: 15000 })).run.status, 'succeeded');
  });

  await check('stop_run on a run that ignores SIGTERM: cancelled, its process group and escaped child gone', async () => {
    const started = (await runJob(ada, { job: 'stubborn', waitMs: 0 })).run;
    const marks = [`TASKWIRE_RUN_ID=${started.id}`, `E2E_GATES=${gates}`];
    const answer = await eventually('"ready" in the output', async () => {
      const got = await getRun(ada, { runId: started.id, outputOffset: 0 });
      return outputOf(got).text?.includes('ready') ? got : null;
    });
    const [, group, child, escaped] = outputOf(answer).text.match(/group (\d+) child (\d+) escaped (\d+)/).map(Number);
    assert.ok(alive(group) && alive(child) && alive(escaped), 'the run\'s processes run');
    const before = processesWith(marks);
    assert.ok(before.includes(group) && before.includes(escaped), `/proc shows the run's processes: ${before}`);
    const stopped = (await call(ada, 'stop_run', { runId: started.id })).run;
    assert.ok(['running', 'cancelled'].includes(stopped.status), stopped.status);
    const ended = await getRun(ada, { runId: started.id, waitMs: 20000 });
    assert.equal(ended.run.status, 'cancelled');
    assert.equal(ended.run.stoppedBy, 'ada');
    // Its processes were sent SIGKILL before the run ended; the last of them may still be on
    // their way out (a zombie until the server reaps it).
    const left = groupMembers(group);
    if (left.length) note(`just after the end, in the group: ${left.join(', ')}`);
    await eventually('kill -0 -PGID fails', () => {
      try {
        process.kill(-group, 0);
        return false;
      } catch (error) {
        assert.equal(error.code, 'ESRCH');
        return true;
      }
    });
    await eventually('no process with the run\'s TASKWIRE_RUN_ID left', () => processesWith(marks).length === 0);
    assert.ok(!alive(escaped), 'the child that left the group is still alive');
    note(`group ${group}, child ${child}, escaped ${escaped}: all gone`);
  });

  await check('stop_run of a finished run changes nothing', async () => {
    const { run } = await call(ada, 'stop_run', { runId: s.hello.id });
    assert.equal(run.status, 'succeeded');
    assert.equal(run.stoppedBy ?? null, null);
  });

  await check('shell metacharacters in a parameter arrive literally', async () => {
    const text = `$(touch ${gates}/pwned1) \`touch ${gates}/pwned2\`; touch ${gates}/pwned3 && echo x | tee ${gates}/pwned4 > ${gates}/pwned5 'single' "double" \\ * ? ~ {a,b} $HOME %s %n\ttab`;
    const { run } = await runJob(ada, { job: 'literal', params: { text } });
    assert.equal(run.status, 'succeeded');
    const { output } = await getRun(ada, { runId: run.id, outputOffset: 0 });
    assert.equal(output.text, `argument=${text}|\nvariable=${text}|\narguments=1\n`);
    for (let i = 1; i <= 5; i++) assert.ok(!fs.existsSync(path.join(gates, `pwned${i}`)), `pwned${i} was created`);
  });

  await check('list_runs filters by job and status, newest first', async () => {
    const { runs } = await call(ada, 'list_runs', { job: 'hello' });
    assert.ok(runs.length >= 2);
    assert.ok(runs.every((run) => run.job === 'hello'));
    assert.ok(runs.some((run) => run.id === s.hello.id));
    assert.ok(runs.every((run, i) => i === 0 || runs[i - 1].id > run.id), 'newest first');
    const failed = (await call(ada, 'list_runs', { status: 'failed' })).runs;
    assert.ok(failed.length >= 1 && failed.every((run) => run.status === 'failed'));
    const page = await call(ada, 'list_runs', { limit: 1 });
    assert.equal(page.runs.length, 1);
    assert.ok(page.nextCursor, 'a first page of one has a cursor');
    const next = await call(ada, 'list_runs', { limit: 1, cursor: page.nextCursor });
    assert.ok(next.runs[0].id < page.runs[0].id);
  });

  // --- Who may run and see what ------------------------------------------------------------------
  await check('a key without jobs:run: run_job and stop_run get HTTP 403 insufficient_scope', async () => {
    const { jobs } = await call(reader, 'list_jobs', {});
    assert.ok(jobs.some((job) => job.name === 'hello'), 'jobs:read lists the jobs');
    for (const [name, args] of [['run_job', { job: 'hello' }], ['stop_run', { runId: s.hello.id }]]) {
      const mark = readerHttp.log.length;
      await rejection(reader.callTool({ name, arguments: args }), `${name} (read-only key)`);
      const response = readerHttp.postSince(mark);
      assert.equal(response.status, 403);
      const challenge = bearerChallenge(response.challenge);
      assert.equal(challenge.error, 'insufficient_scope');
      assert.equal(challenge.scope, 'jobs:run');
    }
    const refused = await rest(env.TW_KEY_ADA_READ, 'POST', 'jobs/hello/runs', { params: {} });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.code, 'insufficient_scope');
    assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  await check('a job of another organization is invisible: not listed, not found like an unknown job', async () => {
    const refused = await expectToolError(ada, 'run_job', { job: 'globex-true' }, /not found|no job/i);
    assert.equal(refused.replaceAll('globex-true', 'JOB'), s.unknownJob.replaceAll('no-such-job', 'JOB'),
                 'an invisible job and an unknown one are refused alike');
    const rested = await rest(env.TW_KEY_ADA, 'POST', 'jobs/globex-true/runs', { params: {} });
    assert.equal(rested.status, 404);
    const bobs = (await call(bob, 'list_jobs', {})).jobs.map((job) => job.name);
    assert.ok(bobs.includes('globex-true') && !bobs.includes('acme-true'), `bob sees ${bobs}`);
    const { run } = await runJob(bob, { job: 'globex-true' });
    assert.equal(run.status, 'succeeded');
    s.bobsRun = run;
  });

  await check('another user\'s run is not found: get_run, stop_run, list_runs, the resource, REST', async () => {
    const missing = await expectToolError(ada, 'get_run', { runId: s.bobsRun.id }, /not found/i);
    const unknown = await expectToolError(ada, 'get_run', { runId: 999999 }, /not found/i);
    assert.equal(missing.replaceAll(String(s.bobsRun.id), 'ID'), unknown.replaceAll('999999', 'ID'));
    await expectToolError(ada, 'stop_run', { runId: s.bobsRun.id }, /not found/i);
    const { runs } = await call(ada, 'list_runs', {});
    assert.ok(!runs.some((run) => run.id === s.bobsRun.id), 'ada lists bob\'s run');
    await rejection(ada.readResource({ uri: `taskwire://runs/${s.bobsRun.id}` }), 'reading bob\'s run');
    assert.equal((await rest(env.TW_KEY_ADA, 'GET', `runs/${s.bobsRun.id}`)).status, 404);
    assert.equal((await rest(env.TW_KEY_ADA, 'GET', `runs/${s.bobsRun.id}/output`)).status, 404);
    assert.equal((await rest(env.TW_KEY_ADA, 'POST', `runs/${s.bobsRun.id}/stop`)).status, 404);
  });

  // --- Secrets -----------------------------------------------------------------------------------
  await check('a writeOnly parameter reaches the process and is redacted in the run and its output', async () => {
    s.secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    fs.appendFileSync(env.TW_SECRETS, `${s.secret}\n`);
    const { run } = await runJob(ada, { job: 'deploy', params: { env: 'staging', token: s.secret } });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.params, { env: 'staging', token: '[redacted]' });
    assert.equal(fs.readFileSync(path.join(gates, `${run.id}.token`), 'utf8'), s.secret, 'the process got the secret');
    const { output } = await getRun(ada, { runId: run.id, outputOffset: 0 });
    assert.match(output.text, /deploying to staging with token \[redacted\]/);
    assert.match(output.text, /"token":"\[redacted\]"/, 'the parameters on standard input, redacted');
    s.secretRun = run;
    // And once started over REST.
    s.secret2 = `s3cr3t-${randomBytes(12).toString('hex')}`;
    fs.appendFileSync(env.TW_SECRETS, `${s.secret2}\n`);
    const started = await rest(env.TW_KEY_ADA, 'POST', 'jobs/deploy/runs', { params: { env: 'prod', token: s.secret2 } });
    assert.equal(started.status, 201, started.text);
    assert.equal(started.body.run.params.token, '[redacted]');
    s.secretRun2 = started.body.run;
  });

  await check('run state changes are in poll_events', async () => {
    const poll = await call(ada, 'poll_events', { cursor: '0', timeoutMs: 0 });
    const mine = poll.events.filter((event) => event.data?.runId === s.secretRun.id);
    assert.deepEqual(mine.map((event) => event.type), ['run.started', 'run.finished'], JSON.stringify(mine).slice(0, 400));
    assert.equal(mine[1].data.status, 'succeeded');
    assert.equal(mine[1].data.job, 'deploy');
    assert.ok(!poll.events.some((event) => event.data?.runId === s.bobsRun.id), 'bob\'s run is in ada\'s feed');
  });

  await check('the secret is in no answer: tools, resources, events, REST, the CLI, the log, the database', async () => {
    const id = s.secretRun.id;
    const answers = [];
    const keep = (what, value) => answers.push([what, typeof value === 'string' ? value : JSON.stringify(value)]);
    keep('get_run', await getRun(ada, { runId: id, outputOffset: 0 }));
    keep('get_run (tail)', await getRun(ada, { runId: s.secretRun2.id }));
    keep('list_runs', await call(ada, 'list_runs', {}));
    keep('list_runs job', await call(ada, 'list_runs', { job: 'deploy' }));
    keep('stop_run', await call(ada, 'stop_run', { runId: id }));
    keep('list_jobs', await call(ada, 'list_jobs', {}));
    keep('resource run', await ada.readResource({ uri: `taskwire://runs/${id}` }));
    keep('resource job', await ada.readResource({ uri: 'taskwire://jobs/deploy' }));
    keep('poll_events', await call(ada, 'poll_events', { cursor: '0', timeoutMs: 0 }));
    for (const route of ['jobs', 'runs', `runs/${id}`, `runs/${id}/output?offset=0`, `runs/${s.secretRun2.id}`,
                         `runs/${s.secretRun2.id}/output?offset=0`, 'events?cursor=0']) {
      const answer = await rest(env.TW_KEY_ADA, 'GET', route);
      assert.equal(answer.status, 200, `GET ${route}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
      keep(`REST ${route}`, answer.text);
    }
    keep('CLI run show', await taskwire('run', 'show', String(id), '--output'));
    keep('CLI run show --json', await taskwire('run', 'show', String(s.secretRun2.id), '--output', '--json'));
    keep('CLI run list', await taskwire('run', 'list', '--json'));
    const resource = JSON.parse(answers.find(([what]) => what === 'resource run')[1]);
    assert.equal(JSON.parse(resource.contents[0].text).params.token, '[redacted]');
    for (const secret of [s.secret, s.secret2]) {
      for (const [what, text] of answers) assert.ok(!text.includes(secret), `the secret is in ${what}`);
      assert.ok(!seen.text().includes(secret), 'the secret is in an HTTP answer of this session');
      assert.ok(!fs.readFileSync(env.TW_SERVER_LOG, 'latin1').includes(secret), 'the secret is in the server\'s log');
      for (const file of fs.readdirSync(env.TW_DATA_DIR).filter((name) => name.startsWith('taskwire.db'))) {
        assert.ok(!fs.readFileSync(path.join(env.TW_DATA_DIR, file), 'latin1').includes(secret), `the secret is in ${file}`);
      }
    }
    note(`searched ${answers.length} answers, ${seen.text().length} bytes of HTTP answers, the log and the database`);
  });

  // --- The tasks extension (2026-07-28) --------------------------------------------------------
  if (modern) {
    let rpcId = 100;
    // A raw 2026-07-28 request that opts into the tasks extension (the SDK's client has no tasks
    // API at 2026-07-28): resolves to { status, message }.
    const rpc = async (key, method, name, params) => {
      const response = await fetch(env.TW_URL, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'MCP-Protocol-Version': MODERN,
          'Mcp-Method': method,
          'Mcp-Name': name,
          Authorization: `Bearer ${key}`,
        },
        body: JSON.stringify({
          jsonrpc: '2.0', id: ++rpcId, method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': MODERN,
              'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
            },
          },
        }),
      });
      const text = await response.text();
      seen.add(text);
      const body = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
        ? JSON.parse(text.split('\n').filter((line) => line.startsWith('data:')).at(-1).slice(5))
        : JSON.parse(text);
      return { status: response.status, message: body };
    };
    const getTask = async (key, taskId) => rpc(key, 'tasks/get', taskId, { taskId });
    const startTask = async (gate) => {
      const { status, message } = await rpc(env.TW_KEY_ADA, 'tools/call', 'run_job',
                                            { name: 'run_job', arguments: { job: 'watch', params: { gate } } });
      assert.equal(status, 200, JSON.stringify(message));
      assert.equal(message.result?.resultType, 'task', JSON.stringify(message));
      return message.result;
    };

    await check('tasks extension: run_job as a task, tasks/get until completed with the run', async () => {
      const gate = gateName();
      const created = await startTask(gate);
      assert.match(created.taskId, /^run_job:/);
      assert.equal(created.status, 'working');
      assert.ok(Number.isInteger(created.pollIntervalMs));
      const working = (await getTask(env.TW_KEY_ADA, created.taskId)).message.result;
      assert.equal(working.status, 'working', JSON.stringify(working));
      open(gate, 'go');
      open(gate, 'end');
      const done = await eventually('the task completed', async () => {
        const task = (await getTask(env.TW_KEY_ADA, created.taskId)).message.result;
        return task.status === 'completed' ? task : null;
      }, 20000);
      assert.equal(done.result.structuredContent.run.status, 'succeeded');
      assert.equal(done.result.structuredContent.run.job, 'watch');
      const { runs } = await call(ada, 'list_runs', { job: 'watch', limit: 1 });
      assert.equal(runs[0].id, done.result.structuredContent.run.id, 'the task is the newest run');
      s.taskId = created.taskId;
      note(`task ${created.taskId}: run ${runs[0].id}`);
    });

    await check('tasks extension: another caller\'s task id is -32602', async () => {
      const { message } = await getTask(env.TW_KEY_BOB, s.taskId);
      assert.equal(message.error?.code, -32602, JSON.stringify(message));
      const unknown = await getTask(env.TW_KEY_ADA, 'run_job:AAAAAAAAAAAAAAAAAAAAAA');
      assert.equal(unknown.message.error?.code, -32602);
      assert.equal(message.error.message, unknown.message.error.message, 'another\'s id and an unknown one alike');
    });

    await check('tasks extension: tasks/cancel stops the run, the task ends cancelled', async () => {
      const gate = gateName();
      const created = await startTask(gate);
      const { message } = await rpc(env.TW_KEY_ADA, 'tasks/cancel', created.taskId, { taskId: created.taskId });
      assert.ok(message.result, JSON.stringify(message));
      const cancelled = await eventually('the task cancelled', async () => {
        const task = (await getTask(env.TW_KEY_ADA, created.taskId)).message.result;
        return task.status === 'cancelled' ? task : null;
      }, 20000);
      assert.equal(cancelled.status, 'cancelled');
      const { runs } = await call(ada, 'list_runs', { job: 'watch', limit: 1 });
      assert.equal(runs[0].status, 'cancelled');
      assert.equal(runs[0].stoppedBy, 'ada');
    });
  }

  for (const client of [ada, reader, bob]) await client.close().catch(() => {});
  return summary(label);
}
