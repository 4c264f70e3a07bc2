// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through a realistic Taskwire session against the real server: see tasks_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node tasks_modern.mjs   (run_serve_sdk.sh)
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { environment, runSession } from './tasks_session.mjs';

const url = new URL(environment().TW_URL);

async function connect(key) {
  const client = new Client({ name: 'taskwire-e2e-tasks-modern', version: '1.0.0' },
                            { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  }));
  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  return {
    callTool: (params) => client.callTool(params),
    readResource: (params) => client.readResource(params),
    listResourceTemplates: () => client.listResourceTemplates(),
    getPrompt: (params) => client.getPrompt(params),
    complete: (params) => client.complete(params),
    close: () => client.close(),
  };
}

let failed = 1;
try {
  failed = await runSession({ label: 'tasks modern (2026-07-28)', connect });
} catch (error) {
  console.log(`FAIL  session aborted: ${error?.stack ?? error}`);
}
process.exit(failed === 0 ? 0 : 1);
