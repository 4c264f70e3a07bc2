// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era): questions are for
// people, against the real server: see questions_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=… node questions_legacy.mjs   (run_serve_sdk.sh)
import { connector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './questions_session.mjs';

await main(runSession, { label: 'questions legacy (SDK v1)', connect: connector('taskwire-e2e-questions-legacy') });
