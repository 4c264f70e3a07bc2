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

function jwt(claims, { key = issuerKey, kid = 'k1', alg = 'ES256', typ = 'at+jwt' } = {}) {
  const header = b64url(JSON.stringify(typ === null ? { alg, kid } : { alg, typ, kid }));  // typ null: none
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
tw('migrate'); // only serve and migrate create a database
for (const name of ['ada', 'bob', 'carol', 'dave']) tw('user', 'add', name, '--password-stdin');
tw('org', 'add', 'acme', '--owner', 'ada');
tw('org', 'add', 'globex', '--owner', 'bob');
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
    ['an unknown user', jwt({ ...good, sub: 'u-9', preferred_username: 'mallory' })],
    ['an unlinked subject without a user claim', jwt({ ...good, sub: 'u-8', preferred_username: undefined })],
    ['no sub', jwt({ ...good, sub: undefined })],
    ['alg none', jwt(good, { alg: 'none' })],
    ['signed by a key the issuer never published', jwt(good, { key: rotatedKey, kid: 'k1' })],
    ['a tampered payload', (() => { const [h, , s] = jwt(good).split('.'); return `${h}.${b64url(JSON.stringify({ ...good, preferred_username: 'admin' }))}.${s}`; })()],
    // RFC 9068: an ID token, or any other JWT of the issuer, is no access token.
    ['typ JWT (not at+jwt)', jwt(good, { typ: 'JWT' })],
    ['no typ', jwt(good, { typ: null })],
    ['no iat', jwt({ ...good, iat: undefined })],
    ['a lifetime beyond auth.external_max_token_lifetime (24 h)', jwt({ ...good, exp: now + 86400, iat: now - 60 })],
  ];
  for (const [name, token] of refusals) {
    response = await me(token);
    const challenge = response.headers.get('www-authenticate') ?? '';
    check(`refused: ${name}`, response.status === 401 && challenge.includes('error="invalid_token"'), `status ${response.status} ${challenge}`);
  }
  response = await me(jwt({ ...good, jti: randomUUID() }, { typ: 'application/at+jwt' }));
  check('typ application/at+jwt is accepted too', response.status === 200, `status ${response.status}`);

  // Users are mapped by iss + sub to a stored link, never by a name claim.
  const who = async (claims) => {
    const answer = await me(jwt({ ...good, jti: randomUUID(), ...claims }));
    return answer.status === 200 ? (await answer.json()) : { status: answer.status };
  };
  let seen = await who({ preferred_username: 'bob' });
  check('a linked subject acts for its user whatever its name claim says', seen.user?.name === 'ada', JSON.stringify(seen));
  seen = await who({ sub: 'u-evil', preferred_username: 'ada' });
  check('refused: a forged name claim for a user linked to another subject', seen.status === 401, JSON.stringify(seen));
  seen = await who({ sub: 'u-3', preferred_username: 'CAROL' });
  check('refused: a name claim that matches a user only without regard to case', seen.status === 401, JSON.stringify(seen));
  seen = await who({ sub: 'u-3', preferred_username: 'carol' });
  check('the first token of a subject whose name claim is exactly a user name links them', seen.user?.name === 'carol', JSON.stringify(seen));
  check('the link is logged', /auth\.external\.linked/.test(serverOutput) && serverOutput.includes('u-3'), serverOutput.slice(-2000));
  seen = await who({ sub: 'u-3', preferred_username: 'ada' });
  check('a linked subject cannot be moved to another user by its name claim', seen.user?.name === 'carol', JSON.stringify(seen));

  // The operator links a subject by hand, and unlinks it.
  tw('user', 'link', 'dave', '--subject', 'u-dave', '--issuer', issuer);
  seen = await who({ sub: 'u-dave', preferred_username: 'nobody' });
  check('taskwire user link: the subject acts for the user', seen.user?.name === 'dave', JSON.stringify(seen));
  const listed = execFileSync(binary, ['--data-dir', data, 'user', 'links']).toString();
  check('taskwire user links lists every link', /ada .*u-1/.test(listed) && /dave .*u-dave/.test(listed), listed);
  tw('user', 'unlink', 'dave', '--issuer', issuer);
  seen = await who({ sub: 'u-dave', preferred_username: 'nobody' });
  check('taskwire user unlink: the next request is refused', seen.status === 401, JSON.stringify(seen));

  // Each subject has its own place in the event feed (it used to be one "external" for all).
  const bobToken = jwt({ ...good, sub: 'u-bob', preferred_username: 'bob' });
  const poll = async (token) => {
    const answer = await fetch(`${base}/api/v1/events?timeoutMs=0`, { headers: { Authorization: `Bearer ${token}` } });
    return answer.json();
  };
  const adaWho = await who({});
  const bobWho = await (await me(bobToken)).json();
  check('each subject is its own credential', /^external:\d+$/.test(adaWho.credential ?? '') && /^external:\d+$/.test(bobWho.credential ?? '') && adaWho.credential !== bobWho.credential,
        `${adaWho.credential} ${bobWho.credential}`);
  await poll(bobToken);  // bob's place in the feed: now
  await poll(jwt({ ...good, jti: randomUUID() }));  // and ada's
  const bobKey = execFileSync(binary, ['--data-dir', data, 'key', 'create', '--user', 'bob', '--name', 'bob-cli', '--scopes', 'all']).toString().trim();
  const adaKey = execFileSync(binary, ['--data-dir', data, 'key', 'create', '--user', 'ada', '--name', 'ada-cli', '--scopes', 'all']).toString().trim();
  const create = (key, title) => fetch(`${base}/api/v1/tasks`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ title }) });
  await create(bobKey, 'for bob');   // an event only bob sees
  await create(adaKey, 'for ada');   // then one only ada sees
  const adaEvents = await poll(jwt({ ...good, jti: randomUUID() }));
  check('ada polls her events', (adaEvents.events ?? []).length > 0, JSON.stringify(adaEvents));
  const bobEvents = await poll(bobToken);
  check('bob\'s poll resumes from his own place, not from where ada\'s poll ended', (bobEvents.events ?? []).length > 0, JSON.stringify(bobEvents));

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
