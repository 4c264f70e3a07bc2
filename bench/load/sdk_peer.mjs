// The "SDK peer" of the load benchmark: a small MCP server written with the official TypeScript
// SDK v2 (@modelcontextprotocol/server + @modelcontextprotocol/node), serving the same task data
// and the same two tools (get_task, list_tasks) as our server, so that bench/load compares
// the two under the same wrk load (check.lua) for both protocol eras.
//
//   node bench/load/sdk_peer.mjs --port PORT     (PORT 0 picks a free port)
//
// Prints "listening 127.0.0.1:<port>" once it accepts connections on http://127.0.0.1:<port>/mcp
// and runs until SIGTERM or SIGINT. It serves the SDK's idiomatic stateless way: createMcpHandler
// builds a fresh McpServer from the factory for every request, answering 2026-07-28 per-request
// envelope requests and (legacy: 'stateless', the default) 2025-11-25 requests without a session.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

// The SDK is not a project dependency: it lives with the pinned npm test tools under build/tools
// (scripts/install-test-tools). Load it from there, whatever the working directory.
const require = createRequire(new URL('../../build/tools/node_modules/', import.meta.url));
const { McpServer, createMcpHandler } = require('@modelcontextprotocol/server');
const { toNodeHandler, localhostHostValidation, localhostOriginValidation } = require('@modelcontextprotocol/node');
const z = require('zod/v4');

// Task data: 10,000 tasks in id order, shaped like our server's task objects.
const STATUSES = ['TODO', 'IN_PROGRESS', 'DONE', 'CANCELLED'];
const START = Date.UTC(2026, 0, 1);
const tasks = new Map();
for (let i = 1; i <= 10000; i++) {
  const time = new Date(START + i * 1000).toISOString();
  tasks.set(i, {
    id: i, organizationId: 1, organization: 'acme', parentId: null,
    title: `Task number ${i}`,
    description: `Some **markdown** describing what task ${i} needs.`,
    descriptionFormat: 'markdown', status: STATUSES[i % 4], assignee: null, owners: ['ada'],
    labels: [], createdBy: 'ada', version: 1, createdAt: time, updatedAt: time, completedAt: null,
  });
}
const summary = (task) => ({ ...task, description: task.description.slice(0, 200) });

const json = (out) => ({ content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out });

// Schemas are built once and shared by every per-request server instance.
const getTaskInput = z.object({ taskId: z.number().int().min(1) });
const getTaskOutput = z.object({ task: z.looseObject({}) });
const listTasksInput = z.object({
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.string().optional(),
});
const listTasksOutput = z.object({ tasks: z.array(z.looseObject({})), nextCursor: z.string().nullable() });

// The factory createMcpHandler calls for every request.
function buildServer() {
  const server = new McpServer({ name: 'taskwire-sdk-peer', version: '1.0.0' });
  server.registerTool('get_task', {
    description: 'Get one task with its details.',
    inputSchema: getTaskInput,
    outputSchema: getTaskOutput,
  }, async ({ taskId }) => {
    const task = tasks.get(taskId);
    if (!task) return { content: [{ type: 'text', text: `task ${taskId} not found` }], isError: true };
    return json({
      task: { ...task, parent: null, subtasks: [], latestMessages: [], messageCount: 0, openQuestions: [] },
    });
  });
  server.registerTool('list_tasks', {
    description: 'List tasks in id order, a page at a time.',
    inputSchema: listTasksInput,
    outputSchema: listTasksOutput,
  }, async ({ limit, cursor }) => {
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(after) || after < 0) {
      return { content: [{ type: 'text', text: `invalid cursor ${cursor}` }], isError: true };
    }
    const page = [];
    for (let id = after + 1; id <= tasks.size && page.length < limit; id++) page.push(summary(tasks.get(id)));
    const last = page.length ? page[page.length - 1].id : after;
    return json({ tasks: page, nextCursor: last < tasks.size ? String(last) : null });
  });
  return server;
}

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : NaN;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node sdk_peer.mjs --port PORT');
  process.exit(2);
}

const handler = createMcpHandler(buildServer);
const mcp = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();

const http = createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  if (req.url === '/mcp' || req.url.startsWith('/mcp?')) {
    mcp(req, res);
  } else {
    res.writeHead(404).end();
  }
});
// Idle keep-alive connections stay open a minute, as Taskwire's do (server.idle_timeout), rather
// than Node's default 5 s: the benchmark's idle test holds 10,000 of them.
http.keepAliveTimeout = 60_000;
http.listen(port, '127.0.0.1', () => {
  console.log(`listening 127.0.0.1:${http.address().port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    http.close();
    http.closeAllConnections();
    await handler.close();
    process.exit(0);
  });
}
