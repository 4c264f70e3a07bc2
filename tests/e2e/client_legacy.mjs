// Connects the official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per
// client) to the server under test, for the *_legacy.mjs scripts.
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
// which the SDK's StdioClientTransport spawns; the client also has subscribeResource,
// onResourceUpdated(handler) and stderr() (what the bridge wrote on standard error); when it
// cannot connect, the error's `stderr` holds what the bridge wrote.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { bridgeServer, clientCalls, connectOrClose, environment, stderrOf } from './harness.mjs';

export function connector(name) {
  return async (key, { url = environment(['TW_URL']).TW_URL, fetch } = {}) => {
    const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } },
      fetch,
    });
    await client.connect(transport);
    assert.ok(transport.sessionId, 'the server minted a session');
    assert.equal(client.getServerVersion().name, 'taskwire');
    return {
      ...clientCalls(client),
      callToolWith: (params, options) => client.callTool(params, undefined, options),
      close: async () => {
        try {
          await transport.terminateSession();
        } finally {
          await client.close();
        }
      },
    };
  };
}

export function stdioConnector(name) {
  return async (key) => {
    const client = new Client({ name, version: '1.0.0' }, { capabilities: {} });
    const transport = new StdioClientTransport(bridgeServer(key));
    const stderr = stderrOf(transport);
    await connectOrClose(client, transport, stderr);
    assert.equal(client.getServerVersion().name, 'taskwire');
    return {
      ...clientCalls(client),
      subscribeResource: (params) => client.subscribeResource(params),
      onResourceUpdated: (handler) =>
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => handler(notification.params)),
      stderr,
      close: () => client.close(),
    };
  };
}
