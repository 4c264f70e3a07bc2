// Mints a real OAuth 2.1 access token (an ES256 JWT) from Taskwire's built-in authorization server
// for the load benchmark, without a browser: it does with plain HTTP what a person does on the
// server-rendered pages, so the benchmark measures requests carrying the same kind of token that
// claude.ai or ChatGPT send (signature check, grant lookup), not an API key.
//
//   import { mintAccessToken } from './oauth_token.mjs';
//   const token = await mintAccessToken({ baseUrl: 'http://127.0.0.1:8080', mcpUrl: 'http://127.0.0.1:8080/mcp',
//     user: 'ada', password, clientId, redirectUri: 'http://127.0.0.1:9/callback', scopes: 'mcp:read tasks:read' });
//
// The flow (authorization code + PKCE S256, as in docs/oauth.md):
//   1. GET /oauth/authorize?...&resource=<mcpUrl>: without a session the server sends us to /signin.
//   2. POST the sign-in form (its action, its hidden csrf and return_to fields, name, password); the
//      session cookie it sets brings us back to /oauth/authorize, which shows the consent page.
//   3. POST the consent form with decision=allow and a "scope:<name>" field for every requested
//      scope (only read scopes are ticked for you on the page). The answer is a 303 to redirectUri
//      with code and state; redirectUri is never fetched, only the Location header is read. A user
//      who already allowed this client these scopes skips the consent page.
//   4. POST /oauth/token (authorization_code, code_verifier, resource) for the access token.
// Redirects are followed by hand with a small cookie jar. Form posts carry Origin: <baseUrl>, as a
// browser's do, which the server's Host/Origin check accepts.
import { createHash, randomBytes } from 'node:crypto';

export async function mintAccessToken({ baseUrl, mcpUrl, user, password, clientId, redirectUri, scopes }) {
  const base = String(baseUrl).replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const requested = (Array.isArray(scopes) ? scopes : String(scopes ?? '').split(/[\s,]+/)).filter(Boolean);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');
  const jar = new Map();  // cookie name -> value (paths ignored: harmless against one server)

  // One request, then same-origin redirects, until a page (200) or a redirect to redirectUri.
  async function browse(step, url, form) {
    let method = form ? 'POST' : 'GET';
    let body = form ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 10; hops++) {
      const headers = { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
      if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin });
      const response = await fetch(url, { method, headers, body, redirect: 'manual' });
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
        else jar.set(name, pair.slice(eq + 1).trim());
      }
      const text = await response.text();
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        if (location.startsWith(redirectUri)) return { callback: new URL(location) };
        url = new URL(location, url).href;
        if (new URL(url).origin !== origin) fail(step, response.status, `redirected off the server to ${url}`);
        method = 'GET';
        body = undefined;
        continue;
      }
      if (response.status !== 200) fail(step, response.status, text);
      return { url, html: text };
    }
    fail(step, 0, 'too many redirects');
  }

  // The first <form> holding a csrf field: its action and its <input> fields by name.
  function readForm(step, page) {
    for (const [, attrs, inner] of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
      const inputs = [...inner.matchAll(/<input\b[^>]*>/gi)].map(([tag]) => attributesOf(tag));
      if (!inputs.some((input) => input.name === 'csrf')) continue;
      return { action: new URL(attributesOf(`<form${attrs}>`).action ?? page.url, page.url).href, inputs };
    }
    fail(step, 200, `no form with a csrf field on ${page.url}: ${page.html}`);
  }

  const authorizeUrl = `${base}/oauth/authorize?` + new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge,
    code_challenge_method: 'S256', scope: requested.join(' '), state, resource: mcpUrl,
  });
  let page = await browse('authorize', authorizeUrl);
  if (!page.callback) {
    const signIn = readForm('sign-in page', page);
    const fields = Object.fromEntries(signIn.inputs.filter((i) => i.type === 'hidden').map((i) => [i.name, i.value ?? '']));
    page = await browse('sign-in', signIn.action, { ...fields, name: user, password });
  }
  if (!page.callback) {
    const consent = readForm('consent page', page);
    const fields = { csrf: consent.inputs.find((i) => i.name === 'csrf').value ?? '' };
    for (const input of consent.inputs) if (input.name?.startsWith('scope:')) fields[input.name] = '1';
    for (const scope of requested) fields[`scope:${scope}`] = '1';
    page = await browse('consent', consent.action, { ...fields, decision: 'allow' });
  }
  if (!page.callback) fail('consent', 200, `no redirect to ${redirectUri}: ${page.html}`);

  const answer = page.callback.searchParams;
  if (answer.get('error')) fail('authorize', 303, `${answer.get('error')}: ${answer.get('error_description') ?? ''}`);
  if (answer.get('state') !== state) fail('authorize', 303, `state mismatch in ${page.callback}`);
  if (!answer.get('code')) fail('authorize', 303, `no code in ${page.callback}`);

  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: answer.get('code'), redirect_uri: redirectUri,
      client_id: clientId, code_verifier: verifier, resource: mcpUrl,
    }),
  });
  const text = await response.text();
  let token;
  try { token = JSON.parse(text).access_token; } catch { /* reported below */ }
  if (response.status !== 200 || typeof token !== 'string') fail('token', response.status, text);
  return token;
}

// name -> value of an HTML tag's double-quoted attributes, entities decoded.
function attributesOf(tag) {
  const attributes = {};
  for (const [, name, value] of tag.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) attributes[name.toLowerCase()] = value === undefined ? '' : decodeEntities(value);
  return attributes;
}

function decodeEntities(text) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, entity) => {
    if (entity[0] !== '#') return named[entity.toLowerCase()] ?? all;
    return String.fromCodePoint(entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}

// Throws naming the step; an HTML page is reduced to the text of its <main> (its message).
function fail(step, status, body) {
  let text = String(body);
  const main = text.match(/<main\b[\s\S]*?<\/main>/i);
  if (main) text = decodeEntities(main[0].replace(/<[^>]*>/g, ' '));
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  throw new Error(`mintAccessToken: ${step} failed (HTTP ${status}): ${snippet}`);
}
