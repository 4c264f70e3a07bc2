// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per client)
// through the jobs session against the real server: see jobs_session.mjs.
//   node jobs_legacy.mjs   (run by run_serve_sdk.sh with jobs_setup.sh)
import { connector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './jobs_session.mjs';

await main(runSession, { label: 'jobs legacy (SDK v1)', connect: connector('taskwire-e2e-jobs-legacy') });
