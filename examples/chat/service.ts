/**
 * The example service: its contracts and their handlers, as `warren serve --service` loads them,
 * the gateway's access hooks (bearer JWTs, subscriptions for room members), and its chat page
 * (`web`), which `warren serve` / `warren gateway` serve at `/` with the generated SDK bundled
 * at `/sdk.js`. Paths are relative to this file.
 *
 * Environment: DATABASE_URL (PostgreSQL; without it the state lives in this process),
 * WARREN_JWT_SECRET (the tokens' signing key; without it a development key, said on stderr),
 * WARREN_CHAT_DEMO_SIGNIN=1 (demo sign-in with a real key).
 */
import { chat, contracts } from '../../schemas/index.ts';
import { chatAccess } from './access.ts';
import { Tokens } from './auth.ts';
import { chatHandlers } from './handlers.ts';
import { mathService } from './math.ts';
import { openChatStore } from './store/openChatStore.ts';

const tokens = new Tokens();
const store = openChatStore();
announce();

export { contracts };
export const implementations = [chatHandlers({ contract: chat, store, tokens }), mathService];
export const { authenticate, authorize, authorizeSubscribe } = chatAccess({ service: chat.service, tokens, store });
export const web = { root: 'web', sdk: '../../generated/client.ts' };

/** What an operator must know at start: where the state is, and whether the tokens can be trusted. */
function announce(): void {
  const where = store.kind === 'memory' ? 'this process only (set DATABASE_URL for PostgreSQL)' : 'PostgreSQL (DATABASE_URL)';
  console.error(`chat example: state in ${where}`);
  if (tokens.development) {
    console.error('chat example: WARREN_JWT_SECRET is not set: tokens are signed with the DEV DEFAULT key, which anyone can read; set it in production');
  }
  console.error(`chat example: demo sign-in (chat.signIn, any name, no password) is ${tokens.demoSignIn ? 'ON' : 'off'}`);
}
