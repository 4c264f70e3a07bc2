// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era) through the stdio bridge
// (`taskwire mcp stdio`) to the real server: see stdio_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_BINARY=… node stdio_legacy.mjs   (run_serve_sdk.sh)
import { stdioConnector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './stdio_session.mjs';

await main(runSession, {
  label: 'stdio bridge legacy (SDK v1)',
  connect: stdioConnector('taskwire-e2e-stdio-legacy'),
  notifications: true,
});
