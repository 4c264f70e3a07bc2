// auth.mode = "external" against the real binary: an issuer made here (an ES256 key and a JWKS
// served on loopback) mints access tokens, and `taskwire serve` must accept exactly the right ones.
//   node external_issuer.mjs TASKWIRE_BINARY
// Only Node's built-in modules: the issuer is a few lines of node:crypto.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = process.argv[2];
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

const b64url = (data) => Buffer.from(data).toString('base64url');
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rotatedKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const published = [{ key: issuerKey, kid: 'k1' }];

function jwt(claims, { key = issuerKey, kid = 'k1', alg = 'ES256' } = {}) {
  const header = b64url(JSON.stringify({ alg, typ: 'at+jwt', kid }));
  const payload = b64url(JSON.stringify(claims));
  const input = `${header}.${payload}`;
  if (alg === 'none') return `${input}.`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

let jwksRequests = 0;
const jwks = createServer((request, response) => {
  jwksRequests++;
  const keys = published.map(({ key, kid }) => ({ ...key.publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }));
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ keys }));
});
await new Promise((resolve) => jwks.listen(0, '127.0.0.1', resolve));
const issuer = 'https://issuer.example.test';
const jwksUrl = `http://127.0.0.1:${jwks.address().port}/jwks.json`;

const data = mkdtempSync(join(tmpdir(), 'tw-external-'));
const tw = (...args) => execFileSync(binary, ['--data-dir', data, ...args], { input: 'ada-password-e2e\n', timeout: 30000 });
tw('user', 'add', 'ada', '--password-stdin');
const server = spawn(binary, ['--data-dir', data, 'serve', '--listen', '127.0.0.1:0'], {
  env: {
    ...process.env,
    TASKWIRE_AUTH_MODE: 'external',
    TASKWIRE_AUTH_EXTERNAL_ISSUER: issuer,
    TASKWIRE_AUTH_EXTERNAL_JWKS_URL: jwksUrl,
    TASKWIRE_AUTH_EXTERNAL_USER_CLAIM: 'preferred_username',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverOutput = '';
server.stderr.on('data', (chunk) => { serverOutput += chunk; });
const base = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}${serverOutput}`)), 15000);
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const match = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    if (match) { clearTimeout(timer); resolve(match[1]); }
  });
  server.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${out}${serverOutput}`)));
});

try {
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: issuer, aud: `${base}/mcp`, preferred_username: 'ada', sub: 'u-1', scope: 'tasks:read mcp:read openid', exp: now + 300, iat: now, jti: randomUUID() };
  const me = (token) => fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });

  const prm = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
  check('protected resource metadata names the external issuer', JSON.stringify(prm.authorization_servers) === JSON.stringify([issuer]), JSON.stringify(prm));
  const own = await fetch(`${base}/.well-known/oauth-authorization-server`);
  check('the built-in authorization server is off', own.status === 404, `status ${own.status}`);

  let response = await me(jwt(good));
  const body = await response.json();
  check('a token from the issuer acts as the named user', response.status === 200 && body.user?.name === 'ada', JSON.stringify(body));
  check('its known scopes are kept, unknown ones ignored', JSON.stringify(body.scopes) === JSON.stringify(['mcp:read', 'tasks:read']), JSON.stringify(body.scopes));

  const refusals = [
    ['another audience', jwt({ ...good, aud: 'https://elsewhere.example/mcp' })],
    ['another issuer', jwt({ ...good, iss: 'https://evil.example' })],
    ['expired', jwt({ ...good, exp: now - 600, iat: now - 900 })],
    ['an unknown user', jwt({ ...good, preferred_username: 'mallory' })],
    ['no user claim', jwt({ ...good, preferred_username: undefined })],
    ['alg none', jwt(good, { alg: 'none' })],
    ['signed by a key the issuer never published', jwt(good, { key: rotatedKey, kid: 'k1' })],
    ['a tampered payload', (() => { const [h, , s] = jwt(good).split('.'); return `${h}.${b64url(JSON.stringify({ ...good, preferred_username: 'admin' }))}.${s}`; })()],
  ];
  for (const [name, token] of refusals) {
    response = await me(token);
    const challenge = response.headers.get('www-authenticate') ?? '';
    check(`refused: ${name}`, response.status === 401 && challenge.includes('error="invalid_token"'), `status ${response.status} ${challenge}`);
  }

  // The issuer rotates: a token with a new kid makes the server fetch the keys again.
  published.push({ key: rotatedKey, kid: 'k2' });
  const before = jwksRequests;
  response = await me(jwt(good, { key: rotatedKey, kid: 'k2' }));
  check('a rotated issuer key is fetched and accepted', response.status === 200 && jwksRequests > before, `status ${response.status}, fetches ${jwksRequests - before}`);

  // API keys still work next to the external issuer.
  const key = execFileSync(binary, ['--data-dir', data, 'key', 'create', '--user', 'ada', '--name', 'cli', '--scopes', 'read']).toString().trim();
  response = await me(key);
  check('API keys keep working in external mode', response.status === 200, `status ${response.status}`);
} catch (error) {
  check('the run completed', false, error.stack);
} finally {
  server.kill('SIGTERM');
  jwks.close();
  await new Promise((resolve) => { server.once('exit', resolve); setTimeout(resolve, 3000); });
  rmSync(data, { recursive: true, force: true });
}
if (/AddressSanitizer|runtime error:|ThreadSanitizer/.test(serverOutput)) check('no sanitizer report from the server', false, serverOutput);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
