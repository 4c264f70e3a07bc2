// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// against the credential rules of the real server: see credentials_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… TW_BINARY=… TW_DATA_DIR=…
//     node credentials_modern.mjs   (run_serve_sdk.sh)
import { connector } from './client_modern.mjs';
import { runSession } from './credentials_session.mjs';
import { main } from './harness.mjs';

await main(runSession, { label: 'credentials modern (2026-07-28)', connect: connector('taskwire-e2e-credentials-modern') });
