// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through the jobs session against the real server, with the tasks extension: see jobs_session.mjs.
//   node jobs_modern.mjs   (run by run_serve_sdk.sh with jobs_setup.sh)
import { connector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './jobs_session.mjs';

await main(runSession, { label: 'jobs modern (2026-07-28)', connect: connector('taskwire-e2e-jobs-modern'), modern: true });
