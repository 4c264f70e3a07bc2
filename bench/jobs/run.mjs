// The jobs benchmark (docs/benchmarks.md, "The jobs benchmark"): what a run costs through
// Taskwire against starting the process directly, how many runs one server core starts per
// second, and what a running run costs in the server's memory.
//
// 1. Latency: run_job of a job whose command is /bin/true, as an MCP tools/call (2026-07-28,
//    stateless) over one keep-alive loopback connection, answered once the run has ended (run_job
//    waits for it), one call after another; against jobs_spawn_baseline, which starts /bin/true
//    with posix_spawn and reaps it with waitpid. Both on CPU 0, interleaved round by round.
//    Target: run_job's median at most 2 × the direct median + 1 ms.
// 2. Rate: wrk (CPU 1, -c CONNECTIONS) sends the same run_job calls to the server on CPU 0
//    (server.threads = 1; the runs' processes inherit CPU 0): runs started and finished per
//    second. Target: at least 300.
// 3. Memory: on a fresh server, the growth of its RSS (the server process alone, not the runs'
//    processes) with SLEEPERS runs of /bin/sleep running at once, and per run.
//
// Started by bench/jobs/run, which installs the tools and builds the release binaries first:
//   bench/jobs/run [--calls 500] [--rounds 3] [--duration 10] [--connections 16] [--sleepers 100]
//                  [--smoke] [--json FILE] [--binary PATH] [--spawn-baseline PATH]
// Exits 1 when a run did not succeed, an answer was wrong or a process was left behind (a
// correctness failure); missed targets are reported, not failed.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { harness, median, sleep } from '../harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const { values: args } = parseArgs({
  options: {
    binary: { type: 'string', default: path.join(root, 'build/release/taskwire') },
    'spawn-baseline': { type: 'string', default: path.join(root, 'build/release/bench/jobs_spawn_baseline') },
    calls: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    sleepers: { type: 'string', default: '100' },
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const smoke = args.smoke;
const CALLS = smoke ? 20 : Number(args.calls);
const ROUNDS = smoke ? 1 : Number(args.rounds);
const DURATION = smoke ? 1 : Number(args.duration);
const CONNECTIONS = Number(args.connections);
const SLEEPERS = smoke ? 10 : Number(args.sleepers);
const MODERN = '2026-07-28';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'taskwire-jobs-bench-'));
// Every job's environment holds this, so that the processes of this benchmark's runs can be told
// from anyone else's in /proc.
const MARK = `BENCH_JOBS=${work}`;
const { fail, start, stop, wrk, run } = harness('jobs benchmark', work);
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// ---- processes -------------------------------------------------------------------------------

// The server's own RSS in KiB (taskset execs it, so the child's pid is the server's).
function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)[1]);
}

// The pids of the processes this benchmark's runs started, from their environment.
function runProcesses() {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(MARK)) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

// ---- setup -----------------------------------------------------------------------------------

const config = path.join(work, 'taskwire.toml');
fs.writeFileSync(config, `[job_settings]
max_running = ${Math.max(200, 2 * SLEEPERS)}
kill_grace = "1s"

[[jobs]]
name = "true"
description = "Does nothing, at once"
command = ["/bin/true"]
max_concurrent = 1000
env = { BENCH_JOBS = "${work}" }

[[jobs]]
name = "sleep"
description = "Sleeps"
command = ["/bin/sleep", "600"]
max_concurrent = ${Math.max(100, SLEEPERS)}
env = { BENCH_JOBS = "${work}" }
`);

function taskwireCli(dataDir, argv, input) {
  return execFileSync(args.binary, ['--data-dir', dataDir, '--config', config, ...argv], {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function seed(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  taskwireCli(dataDir, ['migrate']); // only serve and migrate create a database
  taskwireCli(dataDir, ['user', 'add', 'ada', '--password-stdin'], 'jobs-benchmark-password\n');
  return taskwireCli(dataDir, ['key', 'create', '--user', 'ada', '--name', 'bench', '--scopes', 'all']).trim();
}

async function startTaskwire(dataDir) {
  const server = await start('taskwire', 0, args.binary, [
    '--data-dir', dataDir, '--config', config, 'serve',
    '--set', 'server.listen=127.0.0.1:0',
    '--set', 'server.threads=1',
    '--set', 'log.level=warn',
  ], /is listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  server.port = Number(server.match[1]);
  return server;
}

// Counts of the runs in the database by status.
function runCounts(dataDir) {
  const out = execFileSync('sqlite3', [path.join(dataDir, 'taskwire.db'), 'SELECT status, count(*) FROM job_runs GROUP BY status'],
                           { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((line) => {
    const [status, count] = line.split('|');
    return [status, Number(count)];
  }));
}

// Resolves, with the counts, once no run is queued or running and none has been added for half
// a second: the calls wrk had sent when it stopped (their connections close, but a call the
// server has taken still starts its run, which goes on and ends). At most 30 s.
async function settled(dataDir) {
  const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  let last = null;
  for (const deadline = Date.now() + 30_000; ; await sleep(500)) {
    const counts = runCounts(dataDir);
    if (!counts.queued && !counts.running && last && total(last) === total(counts)) return counts;
    if (Date.now() > deadline) {
      fail(`runs still unfinished 30 s after the load: ${JSON.stringify(counts)}`);
      return counts;
    }
    last = counts;
  }
}

// ---- requests --------------------------------------------------------------------------------

function request(key, port, tool, args) {
  const body = JSON.stringify({
    jsonrpc: '2.0', id: 1, method: 'tools/call',
    params: {
      name: tool, arguments: args,
      _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} },
    },
  });
  const headers = {
    Host: `127.0.0.1:${port}`,
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': MODERN,
    'Mcp-Method': 'tools/call',
    'Mcp-Name': tool,
    Authorization: `Bearer ${key}`,
    'Content-Length': String(Buffer.byteLength(body)),
  };
  return { headers, body };
}

// One keep-alive HTTP/1.1 connection that sends a request and reads its answer (Content-Length
// or chunked), one at a time.
class Connection {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.waiting = null;
    this.socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    this.socket.on('error', (error) => {
      this.error = error;
      this.waiting?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    this.ready = once(this.socket, 'connect');
  }

  // Resolves to { status, body } once the whole answer is in.
  async send(bytes) {
    await this.ready;
    this.socket.write(bytes);
    for (;;) {
      const answer = this.parse();
      if (answer) return answer;
      if (this.error || this.closed) throw new Error(`the connection ended: ${this.error?.message ?? 'closed'}`);
      await new Promise((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  parse() {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = head.match(/\r\ncontent-length:\s*(\d+)/i);
    if (length) {
      const total = end + 4 + Number(length[1]);
      if (this.buffer.length < total) return null;
      const body = this.buffer.subarray(end + 4, total).toString('utf8');
      this.buffer = this.buffer.subarray(total);
      return { status, head, body };
    }
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      let at = end + 4;
      const parts = [];
      for (;;) {
        const line = this.buffer.indexOf('\r\n', at);
        if (line < 0) return null;
        const size = parseInt(this.buffer.subarray(at, line).toString('latin1'), 16);
        if (this.buffer.length < line + 2 + size + 2) return null;
        if (size === 0) {
          this.buffer = this.buffer.subarray(line + 4);
          return { status, head, body: Buffer.concat(parts).toString('utf8') };
        }
        parts.push(this.buffer.subarray(line + 2, line + 2 + size));
        at = line + 2 + size + 2;
      }
    }
    throw new Error(`an answer with neither Content-Length nor chunks: ${head}`);
  }

  close() {
    this.socket.destroy();
  }
}

function toBytes({ headers, body }) {
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return Buffer.from(`POST /mcp HTTP/1.1\r\n${head}\r\n\r\n${body}`);
}

// The run of a tools/call answer (JSON, or the last message of an event stream); null, with a
// failure counted, if it is not a run in `expected` status.
function runOf(answer, expected, what) {
  let message;
  try {
    const text = answer.head.match(/content-type:\s*text\/event-stream/i)
      ? answer.body.split('\n').filter((line) => line.startsWith('data:')).at(-1).slice(5)
      : answer.body;
    message = JSON.parse(text);
  } catch (error) {
    fail(`${what}: not JSON-RPC (${error.message}): ${answer.body.slice(0, 200)}`);
    return null;
  }
  const run = message.result?.structuredContent?.run;
  if (answer.status !== 200 || message.result?.isError || !run || run.status !== expected) {
    fail(`${what}: HTTP ${answer.status}, expected a ${expected} run: ${answer.body.slice(0, 300)}`);
    return null;
  }
  return run;
}

// ---- the measurements ------------------------------------------------------------------------

// CALLS direct starts of /bin/true on CPU 0; their durations in ms.
function directRound() {
  const out = execFileSync('taskset', ['-c', '0', args['spawn-baseline'], String(CALLS), '20'], { encoding: 'utf8' });
  return JSON.parse(out).samples_us.map((us) => us / 1000);
}

// CALLS run_job calls of "true", one after another on one connection; their durations in ms.
async function runJobRound(server, key) {
  const connection = new Connection(server.port);
  const bytes = toBytes(request(key, server.port, 'run_job', { job: 'true' }));
  try {
    for (let i = 0; i < 20; i++) runOf(await connection.send(bytes), 'succeeded', 'run_job true (warm-up)');
    const samples = [];
    for (let i = 0; i < CALLS; i++) {
      const begin = process.hrtime.bigint();
      const answer = await connection.send(bytes);
      samples.push(Number(process.hrtime.bigint() - begin) / 1e6);
      runOf(answer, 'succeeded', 'run_job true');
    }
    return samples;
  } finally {
    connection.close();
  }
}

// wrk against run_job "true" for DURATION seconds: its JSON line (bench/load/check.lua).
async function rateRound(server, key) {
  const file = path.join(work, 'run_job.request');
  const { headers, body } = request(key, server.port, 'run_job', { job: 'true' });
  delete headers['Content-Length'];
  delete headers.Host;
  fs.writeFileSync(file, `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
  return wrk({ url: `http://127.0.0.1:${server.port}/mcp`, file, connections: CONNECTIONS, seconds: DURATION, timeout: '30s' });
}

// On a fresh server: RSS before and with SLEEPERS runs of "sleep" running.
async function memoryTest() {
  const dataDir = path.join(work, 'memory');
  const key = seed(dataDir);
  const server = await startTaskwire(dataDir);
  try {
    const connection = new Connection(server.port);
    // The first runs set up what every run uses (the process supervisor's thread, statements).
    const warm = toBytes(request(key, server.port, 'run_job', { job: 'true' }));
    for (let i = 0; i < 20; i++) runOf(await connection.send(warm), 'succeeded', 'run_job true (warm-up)');
    await sleep(500);
    const before = rssKiB(server.pid);
    const start = toBytes(request(key, server.port, 'run_job', { job: 'sleep', waitMs: 0 }));
    for (let i = 0; i < SLEEPERS; i++) runOf(await connection.send(start), 'running', 'run_job sleep');
    // Their output is stored a tenth of a second after it arrives: let everything settle.
    await sleep(1000);
    const counts = runCounts(dataDir);
    if (counts.running !== SLEEPERS) fail(`${SLEEPERS} sleeping runs expected, the database has ${JSON.stringify(counts)}`);
    const processes = runProcesses().length;
    if (processes !== SLEEPERS) fail(`${SLEEPERS} sleeping processes expected, /proc has ${processes}`);
    const after = rssKiB(server.pid);
    connection.close();
    return { sleepers: SLEEPERS, before, after, perRun: (after - before) / SLEEPERS, processes };
  } finally {
    // A graceful shutdown stops every run (SIGTERM, and they end interrupted).
    await stop(server, 15000);
    const left = runProcesses();
    if (left.length) fail(`processes of runs left after the shutdown: ${left.join(' ')}`);
    const counts = runCounts(dataDir);
    if (counts.running) fail(`runs still marked running after the shutdown: ${JSON.stringify(counts)}`);
  }
}

async function main() {
  const dataDir = path.join(work, 'data');
  const key = seed(dataDir);
  const server = await startTaskwire(dataDir);
  const direct = [];  // per round, the median
  const runJob = [];
  const samples = { direct: [], runJob: [] };  // every call
  const rates = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const directSamples = directRound();
      const runJobSamples = await runJobRound(server, key);
      direct.push(median(directSamples));
      runJob.push(median(runJobSamples));
      samples.direct.push(...directSamples);
      samples.runJob.push(...runJobSamples);
      const before = runCounts(dataDir).succeeded ?? 0;
      const rate = await rateRound(server, key);
      if (rate.errors) fail(`wrk counted ${rate.errors} wrong answers: ${rate.first_bad ?? ''}`);
      // Every answer wrk got is a run that succeeded; runs of calls it left at the end add to them.
      rate.stored = ((await settled(dataDir)).succeeded ?? 0) - before;
      if (rate.stored < rate.requests) fail(`wrk got ${rate.requests} answers, the database has ${rate.stored} runs`);
      rates.push(rate);
    }
    const counts = runCounts(dataDir);
    const notSucceeded = Object.entries(counts).filter(([status]) => status !== 'succeeded');
    if (notSucceeded.length) fail(`runs that did not succeed: ${JSON.stringify(counts)}`);
  } finally {
    await stop(server, 15000);
  }
  const memory = await memoryTest();

  const directMs = median(direct);
  const runJobMs = median(runJob);
  const limitMs = 2 * directMs + 1;
  const rate = median(rates.map((r) => r.rps));
  const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  const rows = [
    ['run_job(/bin/true), tools/call over loopback HTTP, to the end', `${runJobMs.toFixed(3)} ms`, `≤ ${limitMs.toFixed(3)} ms`, runJobMs <= limitMs],
    ['posix_spawn + waitpid of /bin/true, the same core', `${directMs.toFixed(3)} ms`, '', null],
    [`runs per second, server on one core, wrk -c${CONNECTIONS}`, `${Math.round(rate).toLocaleString('en-US')} /s`, '≥ 300 /s', rate >= 300],
    [`server RSS, idle → ${memory.sleepers} sleeping runs`, `${mib(memory.before)} → ${mib(memory.after)}`, '', null],
    ['  per sleeping run', `${memory.perRun.toFixed(1)} KiB`, '', null],
  ];
  console.log(`\nJobs benchmark: medians of ${ROUNDS} round(s); ${CALLS} sequential calls a round, wrk ${DURATION} s a round\n`);
  console.log(`${'figure'.padEnd(66)}${'value'.padStart(22)}  ${'target'.padEnd(12)}`);
  console.log(`${'-'.repeat(66)}${'-'.repeat(22)}  ${'-'.repeat(12)}`);
  for (const [what, value, target, met] of rows) {
    const verdict = met === null ? '' : met ? 'met' : 'MISSED';
    console.log(`${what.padEnd(66)}${value.padStart(22)}  ${target.padEnd(12)}${verdict}`);
  }
  const ms = (xs) => xs.map((x) => x.toFixed(3)).join(', ');
  console.log(`\nrun_job: round medians ${ms(runJob)} ms, p99 ${percentile(samples.runJob, 99).toFixed(3)} ms; ` +
              `direct: round medians ${ms(direct)} ms, p99 ${percentile(samples.direct, 99).toFixed(3)} ms`);
  console.log(`wrk p50/p99 per round: ${rates.map((r) => `${(r.p50_us / 1000).toFixed(2)}/${(r.p99_us / 1000).toFixed(2)} ms`).join(', ')}; ` +
              `runs per round: ${rates.map((r) => r.requests).join(', ')}`);
  console.log(`the ${memory.processes} sleeping processes themselves are not in the server's RSS`);
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify({ direct, runJob, samples, rates, memory, directMs, runJobMs, limitMs, rate }, null, 2));
  }
  if (smoke) console.log('(--smoke: the figures mean nothing)');
}

// Interrupted (SIGINT, SIGTERM, SIGHUP): the servers and wrk stopped, the work folder removed
// (bench/harness.mjs).
await run(main);
