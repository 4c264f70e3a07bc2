// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per client)
// and its auth() against the built-in OAuth authorization server: see oauth_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_PASSWORD_ADA=… … node oauth_legacy.mjs   (run_oauth.sh)
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { clientCalls, environment, main } from './harness.mjs';
import { runSession } from './oauth_session.mjs';

const transport = (provider, { fetch }) =>
  new StreamableHTTPClientTransport(new URL(environment(['TW_URL']).TW_URL), { authProvider: provider, fetch });

const sdk = {
  era: 'legacy',
  addsOfflineAccess: false,
  unionOnStepUp: false,
  auth,
  transport,
  async connect(provider, options) {
    const client = new Client({ name: 'taskwire-e2e-oauth-legacy', version: '1.0.0' }, { capabilities: {} });
    const http = transport(provider, options);
    try {
      await client.connect(http);
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    return {
      ...clientCalls(client),
      // SDK v1 takes no iss (RFC 9207) and does not check it.
      finishAuth: (code) => http.finishAuth(code),
      close: async () => {
        try {
          await http.terminateSession();
        } finally {
          await client.close();
        }
      },
    };
  },
};

await main(runSession, { label: 'oauth legacy (SDK v1)', sdk });
