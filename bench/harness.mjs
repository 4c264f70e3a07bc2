// What the benchmarks (bench/load/run.mjs, bench/jobs/run.mjs) share: starting and stopping the
// processes they measure, pinned to a CPU; running wrk with bench/load/check.lua; counting
// correctness failures; and stopping everything when interrupted.
//
//   const b = harness('load benchmark', workFolder);
//   const server = await b.start('taskwire', 0, binary, argv, /listening on (.*)/);
//   const figures = await b.wrk({ url, file, connections: 32, seconds: 10 });
//   b.fail('what was wrong');        // counted; the run exits 1
//   await b.run(main);               // runs main, cleans up, exits 0 or 1 (never returns)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// `label` names the benchmark in its last line; `work` is its folder, removed at the end.
export function harness(label, work) {
  const children = new Set();
  let failures = 0;
  const fail = (message) => {
    failures++;
    console.error(`FAILED: ${message}`);
  };

  // Starts `command` pinned to `cpu`. Resolves once `ready` (a RegExp over its output, or an async
  // probe) says it serves, to { name, child, pid, match, output() }; rejects when it exits first
  // or takes over 20 s.
  function start(name, cpu, command, argv, ready, options = {}) {
    const child = spawn('taskset', ['-c', String(cpu), command, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    children.add(child);
    let seen = '';
    child.stdout.on('data', (chunk) => (seen += chunk));
    child.stderr.on('data', (chunk) => (seen += chunk));
    let exited = false;
    child.on('exit', () => {
      exited = true;
      children.delete(child);
    });
    return (async () => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && !exited; await sleep(25)) {
        const match = ready instanceof RegExp ? seen.match(ready) : await ready();
        if (match) return { name, child, pid: child.pid, match, output: () => seen };
      }
      child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${seen}`);
    })();
  }

  // SIGTERM, then SIGKILL if it has not exited after `grace` ms.
  async function stop(server, grace = 5000) {
    if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await Promise.race([exited, sleep(grace)]);
    server.child.kill('SIGKILL');
  }

  // wrk on CPU 1 with bench/load/check.lua, which checks every answer; resolves to its JSON line
  // with `errors` (wrong answers, socket errors, unchecked answers). Asynchronous, so that a
  // signal is handled while wrk runs.
  async function wrk({ url, file, connections, seconds, timeout = '5s' }) {
    const child = spawn(
      'taskset',
      ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', timeout, '-s', path.join(here, 'load/check.lua'), url, '--', file],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.add(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    const [code, signal] = await once(child, 'exit');
    children.delete(child);
    if (code !== 0) throw new Error(`wrk exited with ${signal ?? code}`);
    const result = JSON.parse(out.trim().split('\n').at(-1));
    result.errors = result.bad + result.socket_errors + (result.requests - result.checked);
    return result;
  }

  // Runs `main`; interrupted (SIGINT, SIGTERM, SIGHUP), stops every process started here and
  // removes the work folder, then exits with the signal's status (130, 143, 129). The scripts
  // around the benchmarks (bench/*/run) also run them in a process group of their own and kill
  // what is left of the group, should this process itself be killed. Never returns.
  async function run(main) {
    let cleaning = null;
    const cleanup = () => {
      cleaning ??= (async () => {
        await Promise.all([...children].map((child) => stop({ child })));
        fs.rmSync(work, { recursive: true, force: true });
      })();
      return cleaning;
    };
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
      process.on(signal, () => {
        console.error(`${label}: ${signal}, stopping`);
        cleanup().then(() => process.exit(code));
      });
    }
    try {
      await main();
    } catch (e) {
      if (!cleaning) fail(e.stack ?? String(e));  // else: stopped by a signal, which says so
    }
    await cleanup();
    console.log(`\n${failures === 0 ? `${label}: every answer was right` : `${label}: ${failures} failure(s)`}`);
    process.exit(failures === 0 ? 0 : 1);
  }

  return { children, fail, failures: () => failures, start, stop, wrk, run };
}
