// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era, one session per client)
// against the credential rules of the real server: see credentials_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=…
//     node credentials_legacy.mjs   (run_serve_sdk.sh)
import { connector } from './client_legacy.mjs';
import { runSession } from './credentials_session.mjs';
import { main } from './harness.mjs';

await main(runSession, { label: 'credentials legacy (SDK v1)', connect: connector('taskwire-e2e-credentials-legacy') });
