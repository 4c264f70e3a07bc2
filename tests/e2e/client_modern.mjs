// Connects the official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to
// 2026-07-28) to the server under test, for the *_modern.mjs scripts.
//   const connect = connector('taskwire-e2e-…');
//   const client = await connect(key, { url, fetch });
// key: the API key sent as "Authorization: Bearer", none if undefined; url: the endpoint
// (TW_URL if not given); fetch: handed to the transport, which makes every HTTP request with it.
// Resolves to a connected client with listTools, callTool, readResource, listResourceTemplates,
// getPrompt, complete and close, and callToolWith(params, options) for the SDK's request options
// (onprogress, timeout); rejects if the server refuses the connection.
//   const connect = stdioConnector('taskwire-e2e-…');
//   const client = await connect(key);
// The same client through the stdio bridge (`TW_BINARY mcp stdio --key key --url TW_URL`),
// which the client's StdioClientTransport ('@modelcontextprotocol/client/stdio') spawns; the
// client also has stderr() (what the bridge wrote on standard error); when it cannot connect,
// the error's `stderr` holds what the bridge wrote.
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { bridgeServer, clientCalls, connectOrClose, environment, stderrOf } from './harness.mjs';

// Fresh for every client: pinned to 2026-07-28.
const options = () => ({ capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });

export function connector(name) {
  return async (key, { url = environment(['TW_URL']).TW_URL, fetch } = {}) => {
    const client = new Client({ name, version: '1.0.0' }, options());
    await client.connect(new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } },
      fetch,
    }));
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    return {
      ...clientCalls(client),
      callToolWith: (params, options) => client.callTool(params, options),
      close: () => client.close(),
    };
  };
}

export function stdioConnector(name) {
  return async (key) => {
    const client = new Client({ name, version: '1.0.0' }, options());
    const transport = new StdioClientTransport(bridgeServer(key));
    const stderr = stderrOf(transport);
    await connectOrClose(client, transport, stderr);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    return { ...clientCalls(client), stderr, close: () => client.close() };
  };
}
