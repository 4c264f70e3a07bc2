// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through the trash and forks against the real server: see trash_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node trash_modern.mjs   (run_serve_sdk.sh)
import { connector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './trash_session.mjs';

await main(runSession, { label: 'trash modern (2026-07-28)', connect: connector('taskwire-e2e-trash-modern') });
