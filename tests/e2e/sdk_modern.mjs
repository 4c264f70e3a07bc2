// The official TypeScript SDK v2 (@modelcontextprotocol/client, 2026-07-28) against the fixture:
// discover the server, list tools, call tools statelessly, and take part in a multi round-trip
// request. Run once with negotiation "auto" (probe, then modern) and once pinned to 2026-07-28.
//   node sdk_modern.mjs URL
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const url = new URL(process.argv[2]);
for (const mode of ['auto', { pin: '2026-07-28' }]) {
  const client = new Client({ name: 'taskwire-e2e-modern', version: '1.0.0' },
                            { capabilities: { elicitation: {} }, versionNegotiation: { mode } });
  // Answers the server's input requests: the client retries with them (and the sealed state).
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada', value: 'v' } }));
  await client.connect(new StreamableHTTPClientTransport(url));
  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28', `mode ${JSON.stringify(mode)}`);

  const { tools } = await client.listTools();
  assert.ok(tools.some((tool) => tool.name === 'test_simple_text'), 'test_simple_text is listed');
  const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
  assert.equal(simple.content[0].text, 'This is a simple text response for testing.');
  const failed = await client.callTool({ name: 'test_error_handling', arguments: {} });
  assert.equal(failed.isError, true);

  const greeted = await client.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
  assert.equal(greeted.content[0].text, 'Hello, Ada!');
  const rounds = await client.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
  assert.match(rounds.content[0].text, /^Done: .* then /);

  const resource = await client.readResource({ uri: 'test://template/7/data' });
  assert.match(resource.contents[0].text, /Data for ID: 7/);
  await client.close();
}
console.log('modern SDK client: ok');
