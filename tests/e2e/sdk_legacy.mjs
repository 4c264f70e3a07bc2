// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era) against the fixture:
// initialize, list tools, call a tool, answer the server's sampling request, end the session.
//   node sdk_legacy.mjs URL
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const url = new URL(process.argv[2]);
const client = new Client({ name: 'taskwire-e2e-legacy', version: '1.0.0' },
                          { capabilities: { sampling: {} } });
client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
  role: 'assistant',
  content: { type: 'text', text: `echo: ${request.params.messages[0].content.text}` },
  model: 'e2e-model',
}));
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);
assert.ok(transport.sessionId, 'the server minted a session');
assert.equal(client.getServerVersion().name, 'taskwire-conformance');

const { tools } = await client.listTools();
assert.ok(tools.some((tool) => tool.name === 'test_simple_text'), 'test_simple_text is listed');
const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
assert.equal(simple.content[0].text, 'This is a simple text response for testing.');

const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hello' } });
assert.equal(sampled.content[0].text, 'LLM response: echo: hello');

const invalid = await client.callTool({ name: 'test_sampling', arguments: { prompt: 42 } });
assert.equal(invalid.isError, true);
assert.match(invalid.content[0].text, /arguments\.prompt must be a string/);

await transport.terminateSession();
await client.close();
console.log('legacy SDK client: ok');
