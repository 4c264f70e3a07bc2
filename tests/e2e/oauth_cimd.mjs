// Client ID Metadata Documents as the hosted clients publish them, against the real server
// (run_oauth.sh): documents shaped like Claude's (a jwt-bearer grant, unknown members), ChatGPT's
// (private_key_jwt with a jwks_uri, the plural token_endpoint_auth_methods_supported) and VS
// Code's (loopback and https redirects) are served over TLS by a local https server whose
// certificate a test CA signed, which the server trusts through oauth.metadata_ca_file. For each,
// ada completes the authorization code flow with PKCE over plain HTTP (sign-in, the consent page
// with its "verified" badge, the code at /oauth/token, the token on the REST API, a refresh).
// What must still be refused is: an oversized document, a redirect (never followed), a document
// whose client_id is another URL, a disallowed redirect URI, and an http client_id; the page says
// only that the identity could not be checked.
//   TW_URL=… TW_PASSWORD_ADA=… TW_TLS_CERT=… TW_TLS_KEY=… node oauth_cimd.mjs   (run_oauth.sh)
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { documentServer, postForm } from './oauth_client.mjs';
import { checker, environment, main, note } from './harness.mjs';

const SCOPE = 'mcp:read organizations:read tasks:read offline_access';

function form(fields) {
  return new URLSearchParams(fields).toString();
}

function hiddenField(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(match, `the page has a ${name} field`);
  return match[1];
}

function text(html) {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}

async function session() {
  const env = environment(['TW_URL', 'TW_PASSWORD_ADA', 'TW_TLS_CERT', 'TW_TLS_KEY']);
  const { check, summary } = checker();
  const mcpUrl = env.TW_URL;
  const base = new URL(mcpUrl).origin;
  const documents = await documentServer(env.TW_TLS_CERT, env.TW_TLS_KEY);
  // By name, as the hosted clients' documents are: the certificate names localhost, and the CA
  // that signed it is trusted only through oauth.metadata_ca_file.
  const url = (path) => documents.url(path, 'localhost');
  const documentHost = new URL(url('/')).host;
  let cookie = '';

  async function signIn() {
    const page = await fetch(`${base}/signin`);
    const csrf = hiddenField(await page.text(), 'csrf');
    const response = await fetch(`${base}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `tw_login=${csrf}` },
      body: form({ csrf, return_to: '/settings/apps', name: 'ada', password: env.TW_PASSWORD_ADA }),
    });
    assert.equal(response.status, 303, 'signed in');
    const cookies = response.headers.getSetCookie?.() ?? [response.headers.get('set-cookie') ?? ''];
    const session = cookies.find((c) => c.startsWith('tw_session='));
    assert.ok(session, `a session cookie among ${JSON.stringify(cookies)}`);
    return session.split(';')[0];
  }

  function authorizeUrl(clientId, redirectUri, challenge, state = 'st-1') {
    return `${base}/oauth/authorize?${form({
      client_id: clientId, redirect_uri: redirectUri, response_type: 'code', code_challenge: challenge,
      code_challenge_method: 'S256', resource: mcpUrl, scope: SCOPE, state,
    })}`;
  }

  async function get(target) {
    const response = await fetch(target, { redirect: 'manual', headers: { Cookie: cookie } });
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }

  // The flow for `app` ({ name, path, document, redirectUri, consent(text) }): the code, its
  // exchange (after app.beforeExchange, if any), the token on REST, and a refresh.
  async function flow(app) {
    const clientId = url(app.path);
    documents.put(app.path, { client_id: clientId, ...app.document });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const target = authorizeUrl(clientId, app.redirectUri, challenge);
    const page = await get(target);
    assert.equal(page.status, 200, `the consent page: ${text(page.body).slice(0, 300)}`);
    const shown = text(page.body);
    assert.match(shown, new RegExp(app.document.client_name));
    assert.match(page.body, /<span class="ok">verified<\/span>/, 'the verified badge');
    assert.match(shown, new RegExp(`verified ?: its metadata document at ${documentHost.replace(/\./g, '\\.')} names it`),
                 `the badge names the document's host: ${shown.slice(0, 400)}`);
    assert.doesNotMatch(shown, /not verified/);
    app.consent?.(shown);
    const fields = { csrf: hiddenField(page.body, 'csrf'), decision: 'allow' };
    for (const scope of SCOPE.split(' ')) fields[`scope:${scope}`] = '1';
    const allowed = await fetch(target, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
      body: form(fields),
    });
    assert.equal(allowed.status, 303, 'consent answered with a redirect');
    const back = new URL(allowed.headers.get('location'));
    assert.ok(back.href.startsWith(app.redirectUri), `sent back to ${app.redirectUri}, not ${back.href}`);
    assert.equal(back.searchParams.get('state'), 'st-1');
    assert.equal(back.searchParams.get('iss'), base);
    const code = back.searchParams.get('code');
    assert.ok(code, `a code in ${back.href}`);
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, code_verifier: verifier,
                       client_id: clientId, resource: mcpUrl };
    await app.beforeExchange?.(exchange);
    const tokens = await postForm(`${base}/oauth/token`, exchange);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.ok(tokens.body.refresh_token, 'offline_access gave a refresh token');
    const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${tokens.body.access_token}` } });
    assert.equal(me.status, 200, 'the access token works on REST');
    assert.match(await me.text(), /"ada"/);
    const refreshed = await postForm(`${base}/oauth/token`, {
      grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: clientId });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.notEqual(refreshed.body.refresh_token, tokens.body.refresh_token, 'the refresh token rotated');
    note(`${app.name}: ${clientId} → code, tokens, refresh`);
  }

  // An authorization request naming `clientId` that must end on an error page: never a redirect,
  // and a message that does not say why the fetch failed.
  async function refused(clientId, redirectUri = 'https://claude.ai/api/mcp/auth_callback') {
    const page = await get(authorizeUrl(clientId, redirectUri, createHash('sha256').update('x').digest('base64url')));
    assert.equal(page.status, 400, `an error page, got ${page.status}: ${text(page.body).slice(0, 200)}`);
    assert.equal(page.location, null, 'never redirected');
    return text(page.body);
  }
  const generic = (shown) => {
    assert.match(shown, /identity could not be checked/);
    for (const detail of [/too large/, /HTTP 302/, /redirect/i, /not its own URL/, /evil\.example/, /127\.0\.0\.1/, /bytes/]) {
      assert.doesNotMatch(shown, detail, 'the detail is for the log only');
    }
  };

  try {
    await check('the metadata advertises client ID metadata documents and the auth method none', async () => {
      const metadata = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
      assert.equal(metadata.client_id_metadata_document_supported, true);
      assert.ok(metadata.token_endpoint_auth_methods_supported.includes('none'));
      assert.ok(!metadata.token_endpoint_auth_methods_supported.includes('private_key_jwt'),
                'private_key_jwt is not offered, so ChatGPT does not send assertions');
    });

    await check('ada signs in', async () => { cookie = await signIn(); });

    await check("Claude's document (a jwt-bearer grant, unknown members) completes the flow", () => flow({
      name: 'Claude',
      path: '/oauth/claude-client-metadata',
      redirectUri: 'https://claude.ai/api/mcp/auth_callback',
      document: {
        client_name: 'Claude',
        client_uri: 'https://claude.ai',
        logo_uri: 'https://claude.ai/images/claude_app_icon.png',
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        software_id: 'claude-ai',
        software_version: '2026.12',
      },
    }));

    await check("ChatGPT's document (private_key_jwt, jwks_uri, plural methods) is a public client with PKCE", async () => {
      await flow({
        name: 'ChatGPT',
        path: '/oauth/chatgpt/e2e-connector/client.json',
        redirectUri: 'https://chatgpt.com/connector/oauth/e2e-connector',
        document: {
          client_name: 'ChatGPT',
          redirect_uris: ['https://chatgpt.com/connector/oauth/e2e-connector',
                          'https://chatgpt.com/connector_platform_oauth_redirect'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
          token_endpoint_auth_signing_alg: 'RS256',
          jwks_uri: url('/oauth/chatgpt/e2e-connector/jwks.json'),
          application_type: 'web',
        },
        // An assertion is refused saying why, and does not use the code up.
        async beforeExchange(exchange) {
          const asserted = await postForm(`${base}/oauth/token`, {
            ...exchange,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJjaGF0Z3B0In0.c2lnbmF0dXJl',
          });
          assert.equal(asserted.status, 401, JSON.stringify(asserted.body));
          assert.equal(asserted.body.error, 'invalid_client');
          assert.match(asserted.body.error_description, /private_key_jwt/);
          assert.match(asserted.body.error_description, /public client/);
        },
      });
      assert.equal(documents.hits('/oauth/chatgpt/e2e-connector/jwks.json'), 0, 'the jwks_uri is never fetched');
    });

    await check("VS Code's document (a loopback redirect on any port) completes the flow with the local-program warning",
      () => flow({
        name: 'VS Code',
        path: '/oauth/client-metadata.json',
        redirectUri: 'http://127.0.0.1:54321/',
        document: {
          client_name: 'Visual Studio Code',
          client_uri: 'https://code.visualstudio.com',
          redirect_uris: ['http://127.0.0.1:33418/', 'https://vscode.dev/redirect'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
          application_type: 'native',
        },
        consent: (shown) => assert.match(shown, /sends you back to a program on this computer/),
      }));

    const valid = (clientId, extra = {}) => ({
      client_id: clientId, client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
      token_endpoint_auth_method: 'none', ...extra,
    });

    await check('a document over the 32 KiB cap is refused', async () => {
      documents.put('/big.json', valid(url('/big.json'), { description: 'x'.repeat(40 * 1024) }));
      generic(await refused(url('/big.json')));
      assert.equal(documents.hits('/big.json'), 1);
    });

    await check('a redirect is never followed', async () => {
      const before = documents.hits('/oauth/claude-client-metadata');
      documents.put('/moved.json', null, { status: 302, headers: { Location: url('/oauth/claude-client-metadata') } });
      generic(await refused(url('/moved.json')));
      assert.equal(documents.hits('/moved.json'), 1);
      assert.equal(documents.hits('/oauth/claude-client-metadata'), before, 'the redirect target was not fetched');
    });

    await check("a document whose client_id is another URL (impersonating Claude's) is refused", async () => {
      documents.put('/impostor.json', valid(url('/oauth/claude-client-metadata')));
      generic(await refused(url('/impostor.json')));
    });

    await check('a document listing a redirect URI that is not allowed is refused', async () => {
      documents.put('/bad-redirect.json', valid(url('/bad-redirect.json'),
                                                { redirect_uris: ['http://evil.example/cb'] }));
      generic(await refused(url('/bad-redirect.json'), 'http://evil.example/cb'));
    });

    await check('an http client_id is no metadata document and is never fetched', async () => {
      const before = documents.hits('/oauth/claude-client-metadata');
      const shown = await refused(url('/oauth/claude-client-metadata').replace('https://', 'http://'));
      assert.match(shown, /does not know the client/);
      assert.equal(documents.hits('/oauth/claude-client-metadata'), before);
    });

    await check('asked again, a refused document is not fetched again (remembered for a minute)', async () => {
      generic(await refused(url('/big.json')));
      assert.equal(documents.hits('/big.json'), 1);
    });
  } finally {
    await documents.close();
  }
  return summary('oauth_cimd');
}

main(session);
