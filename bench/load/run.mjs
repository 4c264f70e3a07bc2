// The load benchmark (docs/benchmarks.md): Taskwire against the floor of HTTP/1.1 on this machine
// (nginx answering the same bytes statically) and the official TypeScript SDK v2 serving the
// same tools over an in-memory map, in one run, with the same load generator.
//
// Every server runs pinned to CPU 0 and wrk runs on CPU 1 (`wrk -t1 -cC -dDs`, `check.lua`
// verifying every answer). Scenarios: get_task and list_tasks (50 tasks) in both eras
// (2026-07-28 stateless requests; 2025-11-25 requests in a session for Taskwire, stateless for
// the SDK, which keeps no sessions), then get_task with an OAuth access token instead of an API
// key. Rounds are interleaved (floor, SDK, Taskwire, next scenario, next round) and the table
// shows the median of each figure. Then an idle test: keep-alive connections that have each
// made one request, and legacy GET SSE streams, held open while the server's RSS is read.
//
// Started by bench/load/run, which installs the tools and builds the release binary first:
//   bench/load/run [--duration 10] [--rounds 3] [--connections 32] [--smoke] [--json FILE]
// Exits 1 when any answer was wrong or an idle connection was lost (a correctness failure);
// missed performance targets are reported, not failed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { harness, median, sleep } from '../harness.mjs';
import { mintAccessToken } from './oauth_token.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    binary: { type: 'string', default: path.join(root, 'build/release/taskwire') },
    // Another taskwire binary (an earlier build, say) measured in the same run, on its own data.
    baseline: { type: 'string' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    tasks: { type: 'string', default: '10000' },
    'idle-connections': { type: 'string', default: '10000' },
    'idle-streams': { type: 'string', default: '1000' },
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const smoke = args.smoke;
const DURATION = smoke ? 1 : Number(args.duration);
const ROUNDS = smoke ? 1 : Number(args.rounds);
const CONNECTIONS = Number(args.connections);
const TASKS = Number(args.tasks);
const IDLE_CONNECTIONS = smoke ? 300 : Number(args['idle-connections']);
const IDLE_STREAMS = smoke ? 30 : Number(args['idle-streams']);
const TASK_ID = Math.min(4242, TASKS);
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'taskwire-load-'));
const { fail, failures, start, stop, wrk: runWrk, run } = harness('load benchmark', work);

// ---- processes -------------------------------------------------------------------------------

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// The process and its children (nginx's workers).
function processTree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of fs.readdirSync(`/proc/${pids[i]}/task`)) {
        const kids = fs.readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) pids.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // gone
    }
  }
  return pids;
}

// KiB summed over the process tree: VmRSS now, or VmHWM (the peak).
function memory(pid, field) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))[1]);
    } catch {
      // gone
    }
  }
  return total;
}

// Starts VmHWM over from the current RSS (Linux: clear_refs 5).
function resetPeak(pid) {
  for (const p of processTree(pid)) {
    try {
      fs.writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // gone, or not ours
    }
  }
}

// ---- requests --------------------------------------------------------------------------------

function rpc(tool, args, era) {
  const params = { name: tool, arguments: args };
  if (era === MODERN) {
    params._meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': {},
    };
  }
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params });
}

function headersFor({ era, tool, token, session }) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': era,
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (era === MODERN) {
    headers['Mcp-Method'] = 'tools/call';
    headers['Mcp-Name'] = tool;
  }
  if (session) headers['Mcp-Session-Id'] = session;
  return headers;
}

// The JSON-RPC message of a response body: JSON, or the last `data:` of an event stream.
function messageOf(contentType, body) {
  if ((contentType ?? '').startsWith('text/event-stream')) {
    const data = body.split('\n').filter((line) => line.startsWith('data:'));
    return JSON.parse(data.at(-1).slice(5));
  }
  return JSON.parse(body);
}

// One request, checked the way the load is: 200, a JSON-RPC result, no isError; and the data
// is the real thing (task TASK_ID, or a page of 50 tasks).
async function verify(url, scenario, headers, body) {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  let problem = null;
  let message;
  try {
    message = messageOf(contentType, text);
  } catch (e) {
    problem = `not JSON-RPC: ${e.message}`;
  }
  if (response.status !== 200) problem = `HTTP ${response.status}`;
  else if (!problem && !message.result) problem = `no result: ${text.slice(0, 300)}`;
  else if (!problem && message.result.isError) problem = `isError: ${text.slice(0, 300)}`;
  else if (!problem && scenario.tool === 'get_task' && message.result.structuredContent?.task?.id !== TASK_ID) {
    problem = `not task ${TASK_ID}: ${text.slice(0, 300)}`;
  } else if (!problem && scenario.tool === 'list_tasks' && message.result.structuredContent?.tasks?.length !== 50) {
    problem = `not 50 tasks: ${text.slice(0, 300)}`;
  }
  return { problem, status: response.status, contentType, text };
}

function requestFile(name, headers, body) {
  const file = path.join(work, `${name}.request`);
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n');
  fs.writeFileSync(file, `${head}\n\n${body}`);
  return file;
}

// wrk -c CONNECTIONS against `url` with the request in `file`, for `seconds`.
const wrk = (url, file, seconds) => runWrk({ url, file, seconds, connections: CONNECTIONS });

// ---- setup -----------------------------------------------------------------------------------

function taskwireCli(dataDir, argv, input, binary = args.binary) {
  return execFileSync(binary, ['--data-dir', dataDir, ...argv], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

// A database of TASKS tasks in one organization, the same rows the SDK peer holds in memory.
function seedTaskwire(dataDir, binary = args.binary) {
  const password = 'load-benchmark-password';
  taskwireCli(dataDir, ['migrate'], undefined, binary); // only serve and migrate create a database
  taskwireCli(dataDir, ['user', 'add', 'ada', '--password-stdin'], `${password}\n`, binary);
  taskwireCli(dataDir, ['org', 'add', 'acme', '--owner', 'ada'], undefined, binary);
  const key = taskwireCli(dataDir, ['key', 'create', '--user', 'ada', '--name', 'load', '--scopes', 'all'], undefined, binary).trim();
  execFileSync('sqlite3', [path.join(dataDir, 'taskwire.db')], {
    input: `BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${TASKS})
INSERT INTO tasks (organization_id, title, description, status, created_by, created_at, updated_at)
SELECT 1, 'Task number ' || x, 'Some **markdown** describing what task ' || x || ' needs.',
       CASE x % 4 WHEN 0 THEN 'TODO' WHEN 1 THEN 'IN_PROGRESS' WHEN 2 THEN 'DONE' ELSE 'CANCELLED' END, 1,
       strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || x || ' seconds'),
       strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || x || ' seconds') FROM c;
INSERT INTO task_owners (task_id, user_id) SELECT id, 1 FROM tasks;
COMMIT;
`,
  });
  return { key, password };
}

async function startTaskwire(dataDir, binary = args.binary, name = 'taskwire') {
  const server = await start(name, 0, binary, [
    '--data-dir', dataDir, 'serve',
    '--set', 'server.listen=127.0.0.1:0',
    '--set', 'server.threads=1',
    '--set', 'server.max_connections=20000',
    // The idle-stream test holds its legacy sessions with one key.
    '--set', `server.mcp_sessions_per_subject=${Math.max(100, IDLE_STREAMS)}`,
    // The idle test holds 10,000 connections from this one address.
    '--set', 'server.max_connections_per_address=20000',
    '--set', 'log.level=warn',
  ], /is listening on (http:\/\/127\.0\.0\.1:\d+)\//);
  server.base = server.match[1];
  server.url = `${server.base}/mcp`;
  return server;
}

async function startSdk() {
  const node = process.execPath;
  const server = await start('sdk', 0, node, [path.join(here, 'sdk_peer.mjs'), '--port', '0'], /listening 127\.0\.0\.1:(\d+)/, {
    env: { ...process.env, NODE_PATH: path.join(root, 'build/tools/node_modules') },
  });
  server.url = `http://127.0.0.1:${server.match[1]}/mcp`;
  return server;
}

// nginx answering each scenario's location with the bytes Taskwire answered it with.
async function startFloor(answers) {
  const dir = path.join(work, 'nginx');
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(work, 0o755);  // nginx's worker runs as another user when started as root
  const port = await freePort();
  const locations = Object.entries(answers).map(([name, { contentType, text }]) => {
    fs.writeFileSync(path.join(dir, `${name}.body`), text);
    return `    location = /${name} {
      default_type "${contentType}";
      alias ${dir}/${name}.body;
      error_page 405 =200 $uri;
    }`;
  });
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; }
worker_rlimit_nofile 30000;
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
${locations.join('\n')}
  }
}
`);
  const server = await start('nginx', 0, 'nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'error.log')],
    () => portOpen(port));
  server.base = `http://127.0.0.1:${port}`;
  return server;
}

// A 2025-11-25 session on Taskwire: initialize, then notifications/initialized.
async function legacySession(url, token) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${token}` };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'load-benchmark', version: '1' } },
    }),
  });
  await init.text();
  const session = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !session) throw new Error(`initialize answered ${init.status} without a session`);
  const ack = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': LEGACY },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.text();
  return session;
}

// ---- the idle test ---------------------------------------------------------------------------

// Opens `count` connections (`parallel` at a time); each sends `request` and waits until the
// answer's head (and `bodyBytes` of body, if given) has arrived, then stays open. Resolves with
// the sockets and the number that failed.
async function holdConnections(port, count, request, isReady) {
  const sockets = [];
  let failed = 0;
  const one = () => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const settle = (ok) => {
      if (settled) return;
      settled = true;
      if (ok) sockets.push(socket);
      else {
        failed++;
        socket.destroy();
      }
      resolve();
    };
    socket.setTimeout(20_000, () => settle(false));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!settled && isReady(received)) {
        socket.setTimeout(0);
        received = '';
        settle(true);
      }
    });
    socket.on('error', () => settle(false));
    socket.on('close', () => {
      socket.closedEarly = settled;
      settle(false);
    });
  });
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, one));
  }
  return { sockets, failed };
}

function rawRequest(base, headers, body) {
  const url = new URL(base);
  const lines = [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${Buffer.byteLength(body)}`, '', body];
  return lines.join('\r\n');
}

// A whole 200 answer has arrived (Content-Length, or chunked up to its last chunk).
function answered(text) {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0 || !text.startsWith('HTTP/1.1 200')) return false;
  const head = text.slice(0, end);
  if (/transfer-encoding:\s*chunked/i.test(head)) return text.endsWith('\r\n0\r\n\r\n');
  const length = head.match(/content-length:\s*(\d+)/i);
  return length && text.length - end - 4 >= Number(length[1]);
}

async function closeAll(sockets) {
  const lost = sockets.filter((socket) => socket.destroyed || socket.closedEarly).length;
  await Promise.all(sockets.map((socket) => new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', resolve);
    socket.destroy();
  })));
  return lost;
}

// RSS per idle keep-alive connection: each connection made one real request first.
async function idleKeepAlive(server, url, headers, body) {
  const port = Number(new URL(url).port);
  await sleep(500);
  const before = memory(server.pid, 'VmRSS');
  const { sockets, failed } = await holdConnections(port, IDLE_CONNECTIONS, rawRequest(url, headers, body), answered);
  await sleep(2000);
  const after = memory(server.pid, 'VmRSS');
  const lost = await closeAll(sockets);
  return { count: IDLE_CONNECTIONS, held: sockets.length - lost, errors: failed + lost, before, after, perKiB: (after - before) / IDLE_CONNECTIONS };
}

// RSS per legacy GET SSE stream, session included.
async function idleStreams(server, token) {
  const port = Number(new URL(server.url).port);
  await sleep(500);
  const before = memory(server.pid, 'VmRSS');
  const sessions = [];
  for (let i = 0; i < IDLE_STREAMS; i += 50) {
    sessions.push(...await Promise.all(Array.from({ length: Math.min(50, IDLE_STREAMS - i) }, () => legacySession(server.url, token))));
  }
  const url = new URL(server.url);
  let index = 0;
  const streamRequest = () => [`GET ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${token}`,
    'Accept: text/event-stream', `MCP-Protocol-Version: ${LEGACY}`, `Mcp-Session-Id: ${sessions[index++]}`, '', ''].join('\r\n');
  const sockets = [];
  let failed = 0;
  for (let i = 0; i < IDLE_STREAMS; i += 200) {
    const batch = Math.min(200, IDLE_STREAMS - i);
    const held = await Promise.all(Array.from({ length: batch }, () =>
      holdConnections(port, 1, streamRequest(), (text) => text.startsWith('HTTP/1.1 200') && /content-type: text\/event-stream/i.test(text) && text.includes('\r\n\r\n'))));
    for (const h of held) {
      sockets.push(...h.sockets);
      failed += h.failed;
    }
  }
  await sleep(2000);
  const after = memory(server.pid, 'VmRSS');
  const lost = await closeAll(sockets);
  return { count: IDLE_STREAMS, held: sockets.length - lost, errors: failed + lost, before, after, perKiB: (after - before) / IDLE_STREAMS };
}

// ---- the run ---------------------------------------------------------------------------------

const SCENARIOS = [
  { name: 'get_task_modern', label: `get_task ${MODERN}`, tool: 'get_task', args: { taskId: TASK_ID }, era: MODERN },
  { name: 'list_tasks_modern', label: `list_tasks(50) ${MODERN}`, tool: 'list_tasks', args: { limit: 50 }, era: MODERN },
  { name: 'get_task_legacy', label: `get_task ${LEGACY}`, tool: 'get_task', args: { taskId: TASK_ID }, era: LEGACY },
  { name: 'list_tasks_legacy', label: `list_tasks(50) ${LEGACY}`, tool: 'list_tasks', args: { limit: 50 }, era: LEGACY },
  { name: 'get_task_jwt', label: `get_task ${MODERN}, OAuth JWT`, tool: 'get_task', args: { taskId: TASK_ID }, era: MODERN, jwt: true },
];

function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(rows, peak) {
  const withBaseline = rows.some((row) => row.vsBaseline);
  const head = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS', 'bytes/answer', '×floor', '×SDK v2',
    ...(withBaseline ? ['×baseline'] : [])];
  const lines = [head];
  for (const row of rows) {
    lines.push([
      row.scenario, row.server, fmt(row.rps), fmt(row.p50 / 1000, 2), fmt(row.p99 / 1000, 2), fmt(row.errors),
      `${fmt(peak[row.server] / 1024, 1)} MiB`, fmt(row.bytes), row.vsFloor ? fmt(row.vsFloor, 2) : '', row.vsSdk ? fmt(row.vsSdk, 1) : '',
      ...(withBaseline ? [row.vsBaseline ? fmt(row.vsBaseline, 2) : ''] : []),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  for (const [n, l] of lines.entries()) {
    console.log(l.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

async function main() {
  const dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir);
  // Each taskwire under test (the binary, and the baseline when given) on its own data, seeded
  // by its own binary: an OAuth client registered by the operator, a token from the real sign-in
  // and consent, and a legacy session.
  const setUp = async (dir, binary, name) => {
    const { key: apiKey, password } = seedTaskwire(dir, binary);
    const server = await startTaskwire(dir, binary, name);
    const clientId = taskwireCli(dir, ['client', 'add', '--name', 'load-benchmark', '--redirect-uri', 'http://127.0.0.1:9/callback'], undefined, binary)
      .match(/^client_id:\s+(\S+)/m)?.[1];
    const token = await mintAccessToken({
      baseUrl: server.base, mcpUrl: server.url, user: 'ada', password, clientId,
      redirectUri: 'http://127.0.0.1:9/callback', scopes: 'mcp:read tasks:read tasks:write',
    });
    return { server, key: apiKey, jwt: token, session: await legacySession(server.url, apiKey) };
  };
  const ours = await setUp(dataDir, args.binary, 'taskwire');
  let taskwire = ours.server;
  const { key } = ours;
  let baseline = null;
  if (args.baseline) {
    const baselineDir = path.join(work, 'baseline-data');
    fs.mkdirSync(baselineDir);
    baseline = await setUp(baselineDir, args.baseline, 'baseline');
  }
  const sdk = await startSdk();

  // Before load: every server answers every scenario correctly; Taskwire's answers become the
  // floor's bytes.
  const targets = {};
  const answers = {};
  for (const scenario of SCENARIOS) {
    const body = rpc(scenario.tool, scenario.args, scenario.era);
    targets[scenario.name] = {};
    for (const [name, instance] of [['taskwire', ours], ['baseline', baseline]]) {
      if (!instance) continue;
      const token = scenario.jwt ? instance.jwt : instance.key;
      const headers = headersFor({ ...scenario, token, session: scenario.era === LEGACY ? instance.session : undefined });
      const checked = await verify(instance.server.url, scenario, headers, body);
      if (checked.problem) fail(`${name} ${scenario.label}: ${checked.problem}`);
      if (name === 'taskwire') answers[scenario.name] = checked;
      targets[scenario.name][name] = { url: instance.server.url, file: requestFile(`${name}-${scenario.name}`, headers, body) };
    }
    if (!scenario.jwt) {
      const theirs = headersFor({ ...scenario, token: key });
      const sdkChecked = await verify(sdk.url, scenario, theirs, body);
      if (sdkChecked.problem) fail(`SDK v2 ${scenario.label}: ${sdkChecked.problem}`);
      targets[scenario.name].sdk = { url: sdk.url, file: requestFile(`sdk-${scenario.name}`, theirs, body) };
    }
  }
  const floor = await startFloor(answers);
  for (const scenario of SCENARIOS) {
    const url = `${floor.base}/${scenario.name}`;
    const checked = await verify(url, scenario, headersFor({ ...scenario }), rpc(scenario.tool, scenario.args, scenario.era));
    if (checked.problem) fail(`nginx ${scenario.label}: ${checked.problem}`);
    targets[scenario.name].nginx = { url, file: targets[scenario.name].taskwire.file };
  }
  const servers = { nginx: floor, sdk, taskwire, ...(baseline ? { baseline: baseline.server } : {}) };
  const names = { nginx: 'nginx (floor)', sdk: 'SDK v2', taskwire: 'taskwire', baseline: 'taskwire (baseline)' };
  const measured = Object.keys(servers);
  if (failures()) throw new Error('a server answered wrongly before load; not measuring');

  // Peak RSS is taken under load: the peaks of start-up and setup are forgotten first (a sign-in's
  // Argon2id hash alone touches 64 MiB for a moment).
  for (const server of Object.values(servers)) resetPeak(server.pid);
  console.log(`Load benchmark: wrk -t1 -c${CONNECTIONS} -d${DURATION}s, median of ${ROUNDS} round(s); servers on CPU 0, wrk on CPU 1; ${TASKS} tasks.`);
  for (const server of Object.keys(servers)) await wrk(targets.get_task_modern[server].url, targets.get_task_modern[server].file, 1);  // warm up

  // During load: interleaved rounds.
  const results = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of SCENARIOS) {
      for (const server of measured) {
        const target = targets[scenario.name][server];
        if (!target) continue;
        const r = await wrk(target.url, target.file, DURATION);
        (results[`${scenario.name}/${server}`] ??= []).push(r);
        process.stderr.write(`  round ${round + 1} ${scenario.label} ${names[server]}: ${fmt(r.rps)} req/s, ` +
          `p99 ${fmt(r.p99_us / 1000, 2)} ms, ${r.errors} errors, peak RSS so far ${fmt(memory(servers[server].pid, 'VmHWM') / 1024, 1)} MiB\n`);
        if (r.errors) fail(`${names[server]} ${scenario.label}: ${r.errors} errors during load, first: ${r.first_bad}`);
      }
    }
  }
  const peak = Object.fromEntries(Object.entries(servers).map(([k, s]) => [names[k], memory(s.pid, 'VmHWM')]));
  const rows = [];
  const summary = {};
  for (const scenario of SCENARIOS) {
    const figures = {};
    for (const server of measured) {
      const runs = results[`${scenario.name}/${server}`];
      if (!runs) continue;
      figures[server] = {
        rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50_us)), p99: median(runs.map((r) => r.p99_us)),
        errors: runs.reduce((n, r) => n + r.errors, 0), bytes: Math.round(runs[0].bytes / runs[0].requests),
      };
    }
    const mine = figures.taskwire;
    mine.vsFloor = mine.rps / figures.nginx.rps;
    if (figures.sdk) mine.vsSdk = mine.rps / figures.sdk.rps;
    if (figures.baseline) mine.vsBaseline = mine.rps / figures.baseline.rps;
    for (const [server, f] of Object.entries(figures)) rows.push({ scenario: scenario.label, server: names[server], ...f });
    summary[scenario.name] = figures;
  }
  console.log('');
  printTable(rows, peak);

  // The idle test, on a fresh Taskwire (and the peers as they are, for comparison).
  if (baseline) await stop(baseline.server);
  await stop(taskwire);
  taskwire = await startTaskwire(dataDir);
  const modernGet = SCENARIOS[0];
  const idle = {
    taskwire: await idleKeepAlive(taskwire, taskwire.url, headersFor({ ...modernGet, token: key }), rpc(modernGet.tool, modernGet.args, modernGet.era)),
  };
  // Streams on a fresh server too: memory the closed connections freed would hide their cost.
  await stop(taskwire);
  taskwire = await startTaskwire(dataDir);
  idle.streams = await idleStreams(taskwire, key);
  idle.sdk = await idleKeepAlive(sdk, sdk.url, headersFor({ ...modernGet }), rpc(modernGet.tool, modernGet.args, modernGet.era));
  idle.nginx = await idleKeepAlive(floor, targets.get_task_modern.nginx.url, headersFor({ ...modernGet }), rpc(modernGet.tool, modernGet.args, modernGet.era));
  console.log('');
  console.log('Idle: connections held open after one request each; RSS growth per connection.');
  for (const [what, label] of [['taskwire', `taskwire, ${IDLE_CONNECTIONS} keep-alive connections`], ['streams', `taskwire, ${IDLE_STREAMS} legacy GET SSE streams (session included)`],
    ['sdk', `SDK v2, ${IDLE_CONNECTIONS} keep-alive connections`], ['nginx', `nginx, ${IDLE_CONNECTIONS} keep-alive connections`]]) {
    const r = idle[what];
    console.log(`  ${label.padEnd(64)} held ${fmt(r.held)}, errors ${r.errors}, RSS ${fmt(r.before / 1024, 1)} → ${fmt(r.after / 1024, 1)} MiB, ${fmt(r.perKiB, 2)} KiB each`);
    if (r.errors) fail(`${label}: ${r.errors} connections failed or were lost`);
  }

  // The targets of the performance issue, from the figures above.
  const t = summary;
  const checks = [
    ['get_task ≥ 0.45 × floor', t.get_task_modern.taskwire.vsFloor, (v) => v >= 0.45, (v) => `${fmt(v, 2)}×`],
    ['get_task ≥ 20 × SDK v2', t.get_task_modern.taskwire.vsSdk, (v) => v >= 20, (v) => `${fmt(v, 1)}×`],
    ['get_task p99 < 2 ms', t.get_task_modern.taskwire.p99 / 1000, (v) => v < 2, (v) => `${fmt(v, 2)} ms`],
    ['list_tasks(50) ≥ 0.35 × floor', t.list_tasks_modern.taskwire.vsFloor, (v) => v >= 0.35, (v) => `${fmt(v, 2)}×`],
    ['JWT ≥ 0.9 × API key', t.get_task_jwt.taskwire.rps / t.get_task_modern.taskwire.rps, (v) => v >= 0.9, (v) => `${fmt(v, 2)}×`],
    ['peak RSS < 40 MiB', peak.taskwire / 1024, (v) => v < 40, (v) => `${fmt(v, 1)} MiB`],
    ['idle keep-alive < 8 KiB', idle.taskwire.perKiB, (v) => v < 8, (v) => `${fmt(v, 2)} KiB`],
    ['legacy SSE stream < 16 KiB', idle.streams.perKiB, (v) => v < 16, (v) => `${fmt(v, 2)} KiB`],
    [`${fmt(IDLE_CONNECTIONS)} idle connections, no errors`, idle.taskwire.errors, (v) => v === 0, (v) => `${v} errors`],
    ['zero errors under load', rows.filter((r) => r.server === 'taskwire').reduce((n, r) => n + r.errors, 0), (v) => v === 0, (v) => `${v} errors`],
  ];
  console.log('');
  console.log('Targets:');
  for (const [name, value, ok, show] of checks) console.log(`  ${ok(value) ? 'met   ' : 'MISSED'}  ${name.padEnd(36)} ${show(value)}`);
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), duration: DURATION, rounds: ROUNDS, connections: CONNECTIONS, tasks: TASKS, results, summary, peak, idle }, null, 2));
  }
}

// Interrupted (SIGINT, SIGTERM, SIGHUP): every server and wrk stopped, the work folder removed
// (bench/harness.mjs).
await run(main);
