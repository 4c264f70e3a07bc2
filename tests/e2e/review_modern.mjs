// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through review mode against the real server: see review_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=… node review_modern.mjs   (run_serve_sdk.sh)
import { connector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './review_session.mjs';

await main(runSession, { label: 'review modern (2026-07-28)', connect: connector('taskwire-e2e-review-modern') });
