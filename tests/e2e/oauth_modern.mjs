// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28) and
// its auth() against the built-in OAuth authorization server: see oauth_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_PASSWORD_ADA=… … node oauth_modern.mjs   (run_oauth.sh)
import assert from 'node:assert/strict';
import { auth, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { clientCalls, environment, main } from './harness.mjs';
import { runSession } from './oauth_session.mjs';

const transport = (provider, { fetch }) =>
  new StreamableHTTPClientTransport(new URL(environment(['TW_URL']).TW_URL), { authProvider: provider, fetch });

const sdk = {
  era: 'modern',
  addsOfflineAccess: true,
  unionOnStepUp: true,
  auth,
  transport,
  async connect(provider, options) {
    const client = new Client({ name: 'taskwire-e2e-oauth-modern', version: '1.0.0' },
                              { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const http = transport(provider, options);
    try {
      await client.connect(http);
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    return {
      ...clientCalls(client),
      finishAuth: (code, iss) => http.finishAuth(code, iss),
      close: () => client.close(),
    };
  },
};

await main(runSession, { label: 'oauth modern (2026-07-28)', sdk });
