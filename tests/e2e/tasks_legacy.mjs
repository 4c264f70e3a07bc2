// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per client)
// through a realistic Taskwire session against the real server: see tasks_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node tasks_legacy.mjs   (run_serve_sdk.sh)
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { environment, runSession } from './tasks_session.mjs';

const url = new URL(environment().TW_URL);

async function connect(key) {
  const client = new Client({ name: 'taskwire-e2e-tasks-legacy', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  assert.ok(transport.sessionId, 'the server minted a session');
  assert.equal(client.getServerVersion().name, 'taskwire');
  return {
    callTool: (params) => client.callTool(params),
    readResource: (params) => client.readResource(params),
    listResourceTemplates: () => client.listResourceTemplates(),
    getPrompt: (params) => client.getPrompt(params),
    complete: (params) => client.complete(params),
    close: async () => {
      await transport.terminateSession();
      await client.close();
    },
  };
}

let failed = 1;
try {
  failed = await runSession({ label: 'tasks legacy (SDK v1)', connect });
} catch (error) {
  console.log(`FAIL  session aborted: ${error?.stack ?? error}`);
}
process.exit(failed === 0 ? 0 : 1);
