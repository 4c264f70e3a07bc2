// What the e2e session scripts (tasks_session.mjs, credentials_session.mjs, ...) share: the
// environment run_serve_sdk.sh sets, named checks that print ok/FAIL with notes and a summary,
// reading tool results, and the entry point the era scripts call.
import assert from 'node:assert/strict';

// The variables run_serve_sdk.sh sets, by name; throws if one is missing.
export function environment(names = ['TW_URL', 'TW_KEY_ADA', 'TW_KEY_ADA_READ', 'TW_KEY_BOB']) {
  const env = {};
  for (const name of names) {
    if (!process.env[name]) throw new Error(`${name} is not set: run this through run_serve_sdk.sh`);
    env[name] = process.env[name];
  }
  return env;
}

// The structured result of a successful tool call.
export function data(result, what) {
  assert.ok(!result.isError, `${what} failed: ${JSON.stringify(result.content)}`);
  if (result.structuredContent) return result.structuredContent;
  return JSON.parse(result.content[0].text);
}

export function errorText(result) {
  return (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

// Every tool the client is shown, following pages.
export async function allTools(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

// Awaits `promise`, which must reject; returns the error.
export async function rejection(promise, what) {
  let outcome;
  try {
    outcome = await promise;
  } catch (error) {
    note(`${what} rejected: ${String(error?.message ?? error).slice(0, 160)}`);
    return error;
  }
  assert.fail(`${what} should have been refused, resolved to ${JSON.stringify(outcome).slice(0, 200)}`);
}

// `promise`, or a rejection naming `what` if it has not settled within `ms` milliseconds.
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The parameters for an SDK's StdioClientTransport that start the stdio bridge
// (`TW_BINARY mcp stdio`) with `key`, forwarding to `url` (TW_URL if not given). Its standard
// error is piped, so a test can read what it said.
export function bridgeServer(key, url = environment(['TW_URL']).TW_URL) {
  const { TW_BINARY } = environment(['TW_BINARY']);
  return { command: TW_BINARY, args: ['mcp', 'stdio', '--key', key, '--url', url], stderr: 'pipe' };
}

// Collects what a started-or-not StdioClientTransport's process writes on standard error;
// returns a function giving the text so far.
export function stderrOf(transport) {
  let text = '';
  transport.stderr?.on('data', (chunk) => { text += chunk; });
  return () => text;
}

// Connects `client` over `transport`; if that fails, closes the client (ending a spawned bridge)
// and rethrows the error with `stderr` set to what stderr() (stderrOf) says the process wrote.
export async function connectOrClose(client, transport, stderr = () => '') {
  try {
    await client.connect(transport);
  } catch (error) {
    // What the process wrote may still be in the pipe, and closing destroys the pipe: give it a
    // moment to arrive first.
    if (!stderr() && transport.stderr) {
      await new Promise((resolve) => {
        transport.stderr.once('data', () => setImmediate(resolve));
        setTimeout(resolve, 1000);
      });
    }
    await client.close().catch(() => {});
    if (error instanceof Error) error.stderr = stderr();
    throw error;
  }
}

// Details of the running check, printed under its result line.
let notes = [];
export const note = (text) => notes.push(text);

// A tool call the server must refuse with an isError result whose text matches `pattern`.
export async function expectToolError(client, name, args, pattern) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} should fail, got ${JSON.stringify(result.structuredContent ?? result.content)}`);
  assert.match(errorText(result), pattern);
  note(`${name}: ${errorText(result).slice(0, 160)}`);
  return errorText(result);
}

// A fetch for the client's transport that remembers every request's method and body and the
// response's status and WWW-Authenticate header, in order; `keep(response)`, when given, gets a
// clone of every response (to read its body as it arrives).
export function recorder({ keep } = {}) {
  const log = [];
  const record = async (input, init) => {
    const response = await fetch(input, init);
    log.push({
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : '',
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
    });
    keep?.(response.clone());
    return response;
  };
  // The first POST made since `mark` (log.length before the call of interest).
  const postSince = (mark) => {
    const post = log.slice(mark).find((entry) => entry.method === 'POST');
    assert.ok(post, 'the client made no POST request');
    note(`POST ${post.body.slice(0, 80)} -> HTTP ${post.status}, WWW-Authenticate: ${post.challenge}`);
    return post;
  };
  return { fetch: record, log, postSince };
}

// The parameters of a "Bearer k="v", …" challenge, as an object; throws if it is not one.
export function bearerChallenge(header) {
  assert.ok(header, 'no WWW-Authenticate header');
  assert.match(header, /^Bearer /, `not a Bearer challenge: ${header}`);
  return Object.fromEntries([...header.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

// Runs named checks, one line each, and counts them:
//   const { check, summary } = checker();
//   await check('name', async () => { ...assert... });
//   return summary(label);   // prints the summary line, returns the number of failed checks
export function checker() {
  let passed = 0;
  const failures = [];
  async function check(name, fn) {
    notes = [];
    try {
      await fn();
      passed += 1;
      console.log(`ok    ${name}`);
    } catch (error) {
      failures.push(name);
      const message = String(error?.message ?? error).replace(/\s+/g, ' ').trim();
      console.log(`FAIL  ${name}: ${message.length > 600 ? `${message.slice(0, 600)}…` : message}`);
    }
    for (const text of notes) console.log(`        ${text}`);
  }
  function summary(label) {
    console.log(`${label}: ${passed} passed, ${failures.length} failed${failures.length ? `: ${failures.join('; ')}` : ''}`);
    return failures.length;
  }
  return { check, summary };
}

// The body of an era script: runs `session({ label, connect })` and exits 0 only if every check
// passed.
export async function main(session, options) {
  let failed = 1;
  try {
    failed = await session(options);
  } catch (error) {
    console.log(`FAIL  session aborted: ${error?.stack ?? error}`);
  }
  process.exit(failed === 0 ? 0 : 1);
}

// The calls the sessions make, bound to an SDK client of either era.
export function clientCalls(client) {
  return {
    listTools: (params) => client.listTools(params),
    callTool: (params) => client.callTool(params),
    readResource: (params) => client.readResource(params),
    listResourceTemplates: () => client.listResourceTemplates(),
    getPrompt: (params) => client.getPrompt(params),
    complete: (params) => client.complete(params),
  };
}
