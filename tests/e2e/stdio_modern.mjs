// The official TypeScript SDK v2 client (@modelcontextprotocol/client, pinned to 2026-07-28)
// through the stdio bridge (`taskwire mcp stdio`) to the real server: see stdio_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_BINARY=… node stdio_modern.mjs   (run_serve_sdk.sh)
import { stdioConnector } from './client_modern.mjs';
import { main } from './harness.mjs';
import { runSession } from './stdio_session.mjs';

await main(runSession, { label: 'stdio bridge modern (2026-07-28)', connect: stdioConnector('taskwire-e2e-stdio-modern') });
