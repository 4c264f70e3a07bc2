// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era) through review mode
// against the real server: see review_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=… node review_legacy.mjs   (run_serve_sdk.sh)
import { connector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './review_session.mjs';

await main(runSession, { label: 'review legacy (SDK v1)', connect: connector('taskwire-e2e-review-legacy') });
