// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through a realistic Taskwire session against the real server: see tasks_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node tasks_modern.mjs   (run_serve_sdk.sh)
import { connector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './tasks_session.mjs';

await main(runSession, { label: 'tasks modern (2026-07-28)', connect: connector('taskwire-e2e-tasks-modern') });
