// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28):
// questions are for people, against the real server: see questions_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=… node questions_modern.mjs   (run_serve_sdk.sh)
import { connector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './questions_session.mjs';

await main(runSession, { label: 'questions modern (2026-07-28)', connect: connector('taskwire-e2e-questions-modern') });
