// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per client)
// through a realistic Taskwire session against the real server: see tasks_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node tasks_legacy.mjs   (run_serve_sdk.sh)
import { connector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './tasks_session.mjs';

await main(runSession, { label: 'tasks legacy (SDK v1)', connect: connector('taskwire-e2e-tasks-legacy') });
