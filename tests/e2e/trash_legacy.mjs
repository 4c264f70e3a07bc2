// The official TypeScript SDK v1 (@modelcontextprotocol/sdk, legacy era) through the trash and
// forks against the real server: see trash_session.mjs.
//   TW_URL=… TW_KEY_ADA=… TW_KEY_ADA_READ=… TW_KEY_BOB=… node trash_legacy.mjs   (run_serve_sdk.sh)
import { connector, stdioConnector } from './client_legacy.mjs';
import { main } from './harness.mjs';
import { runSession } from './trash_session.mjs';

// A legacy session subscribed to a subtask's resource (through the stdio bridge, whose client
// has subscribeResource) hears of its parent's deletion.
await main(runSession, {
  label: 'trash legacy (SDK v1)',
  connect: connector('taskwire-e2e-trash-legacy'),
  subscriber: stdioConnector('taskwire-e2e-trash-subscriber'),
});
