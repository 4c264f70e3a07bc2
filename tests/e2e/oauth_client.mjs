// The client side of an OAuth e2e session (oauth_session.mjs): an in-memory OAuthClientProvider
// for the official TypeScript SDKs' auth(), the loopback redirect target, the https host of client
// metadata documents, a fetch that records what the server answered, and raw token requests.
import https from 'node:https';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

// An OAuthClientProvider (both SDKs' interface) that keeps everything in memory. The
// authorization URL auth() wants the person to visit lands in `pendingAuthorization` (the test
// drives the browser itself).
//   new MemoryProvider({ redirectUrl, metadata, clientMetadataUrl })
export class MemoryProvider {
  constructor({ redirectUrl, metadata, clientMetadataUrl }) {
    this._redirectUrl = redirectUrl;
    this._metadata = metadata;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
    this._client = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this._discovery = undefined;
    this.lastState = undefined;
    this.pendingAuthorization = undefined;
    this.invalidated = [];
  }
  get redirectUrl() { return this._redirectUrl; }
  get clientMetadata() { return this._metadata; }
  state() {
    this.lastState = randomBytes(12).toString('base64url');
    return this.lastState;
  }
  clientInformation() { return this._client; }
  saveClientInformation(information) { this._client = information; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this._tokens = tokens; }
  redirectToAuthorization(url) { this.pendingAuthorization = new URL(url); }
  saveCodeVerifier(verifier) { this._verifier = verifier; }
  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }
  discoveryState() { return this._discovery; }
  saveDiscoveryState(state) { this._discovery = state; }
  invalidateCredentials(scope) {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discovery = undefined;
  }
  // Takes the pending authorization URL (the next auth() must set a new one).
  takeAuthorization() {
    const url = this.pendingAuthorization;
    this.pendingAuthorization = undefined;
    if (!url) throw new Error('auth() asked for no authorization');
    return url;
  }
}

// A loopback HTTP server standing for the native app's redirect target: every request to
// /callback is recorded and answered with a small page.
//   const callbacks = await callbackServer();  callbacks.url, await callbacks.next(ms), callbacks.close()
export async function callbackServer() {
  const received = [];
  const waiting = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    const params = url.searchParams;
    if (waiting.length) waiting.shift()(params); else received.push(params);
    response.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>Connected. You can close this tab.</p>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/callback`,
    // The query of the next callback; rejects after `ms`.
    next(ms = 10_000) {
      if (received.length) return Promise.resolve(received.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no callback within ${ms / 1000} s`)), ms);
        waiting.push((params) => { clearTimeout(timer); resolve(params); });
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// An https server on 127.0.0.1 (certificate and key from PEM files) serving JSON documents by
// path; counts the requests for each. `put` may give another status, headers or a raw body (a
// redirect, an oversized document); `url` may name the host another way (e.g. 'localhost').
//   const host = await documentServer(cert, key); host.put('/c.json', {...}); host.url('/c.json'); host.hits('/c.json')
//   host.put('/moved.json', null, { status: 302, headers: { Location: host.url('/c.json') } })
export async function documentServer(certFile, keyFile) {
  const documents = new Map();
  const hits = new Map();
  const server = https.createServer(
    { cert: readFileSync(certFile), key: readFileSync(keyFile) },
    (request, response) => {
      const path = new URL(request.url, 'https://127.0.0.1').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (!documents.has(path)) {
        response.writeHead(404).end();
        return;
      }
      const { document, status = 200, headers = {}, body } = documents.get(path);
      response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300', ...headers });
      response.end(body ?? (document === null ? '' : JSON.stringify(document)));
    });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: (path, host = '127.0.0.1') => `https://${host}:${port}${path}`,
    put: (path, document, options = {}) => documents.set(path, { document, ...options }),
    hits: (path) => hits.get(path) ?? 0,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// A fetch that records every answer: { method, url, status, wwwAuthenticate, authorization }
// (authorization: the last 12 characters of the bearer token sent, to tell tokens apart).
export function recordingFetch(log) {
  return async (input, init = {}) => {
    const response = await fetch(input, init);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    log.push({
      method: init.method ?? (input instanceof Request ? input.method : 'GET'),
      url: String(input instanceof Request ? input.url : input),
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      authorization: (headers.get('authorization') ?? '').slice(-12),
    });
    return response;
  };
}

// POSTs a form to `url`; resolves to { status, headers, body } (body parsed as JSON when it is).
export async function postForm(url, fields, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, body };
}

// The decoded header and payload of a JWT.
export function decodeJwt(token) {
  const [header, payload] = String(token).split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

// The parameters of a WWW-Authenticate Bearer challenge, by name.
export function challengeParams(header) {
  const params = {};
  for (const match of String(header ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)) params[match[1]] = match[2];
  return params;
}
