// Connects the official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to
// 2026-07-28) to the server under test, for the *_modern.mjs scripts.
//   const connect = connector('taskwire-e2e-…');
//   const client = await connect(key, { url, fetch });
// key: the API key sent as "Authorization: Bearer", none if undefined; url: the endpoint
// (TW_URL if not given); fetch: handed to the transport, which makes every HTTP request with it.
// Resolves to a connected client with listTools, callTool, readResource, listResourceTemplates,
// getPrompt, complete and close; rejects if the server refuses the connection.
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { clientCalls, environment } from './harness.mjs';

export function connector(name) {
  return async (key, { url = environment(['TW_URL']).TW_URL, fetch } = {}) => {
    const client = new Client({ name, version: '1.0.0' },
                              { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } },
      fetch,
    }));
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    return {
      ...clientCalls(client),
      close: () => client.close(),
    };
  };
}
