/**
 * Handlers of the example chat service. Its state is in a ChatStore (PostgreSQL when
 * DATABASE_URL is set), so any number of workers serve it alike; who sends, joins or leaves is
 * the caller's principal (from its token), never a field of the params.
 *
 * Redelivery: a worker that dies mid-call leaves the call to another run, with the same
 * `ctx.callId`. The store records each effect under that id, so the second run finds the
 * message or membership change of the first instead of making another, and emits the same
 * event again. The event's id is `<callId>:<index>` on every run (HandlerContext), so
 * subscribers get it exactly once: if the first run died before its events were published,
 * this run's copy is the only one; if it died after, gateways drop this copy as seen.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, implement, WarrenError, type Context } from 'warren';
import type { defineChat } from '../../schemas/chat.ts';
import type { Tokens } from './auth.ts';
import type { ChatStore, StoredMessage } from './store/ChatStore.ts';

export const CAPACITY = 50;
type Chat = ReturnType<typeof defineChat>;

export interface ChatHandlerOptions {
  contract: Chat;
  store: ChatStore;
  tokens: Tokens;
  /** Runs after a message is stored and before its event is queued: for fault tests. @default none */
  afterStore?: (message: StoredMessage, ctx: Context) => Promise<void>;
}

/** The signed-in user, or UNAUTHORIZED: the gateway's authorize refuses anonymous calls first, this covers a gateway without it. */
function userOf(ctx: Context): string {
  if (!ctx.principal) throw new WarrenError(ErrorCode.UNAUTHORIZED, 'Sign in first');
  return ctx.principal.id;
}

/** A notification has no callId; its effect is its own, once. */
const callOf = (ctx: Context) => ctx.callId ?? randomUUID();

export function chatHandlers({ contract, store, tokens, afterStore }: ChatHandlerOptions) {
  return implement(contract, {
    async signIn({ name }, ctx) {
      if (!tokens.demoSignIn) throw ctx.error('SignInDisabled');
      const { token, expiresAt } = await tokens.sign(name);
      return { token, user: name, expiresAt };
    },
    async join({ room }, ctx) {
      const user = userOf(ctx);
      const joined = await store.join(room, user, callOf(ctx), CAPACITY);
      if (!joined) throw ctx.error('RoomFull', { room, capacity: CAPACITY });
      if (joined.byThisCall) await ctx.emit('member', { room, user, joined: true, members: joined.members.length }, { topic: room });
      return { room, user, members: joined.members };
    },
    async leave({ room }, ctx) {
      const user = userOf(ctx);
      const left = await store.leave(room, user, callOf(ctx));
      if (left.byThisCall) await ctx.emit('member', { room, user, joined: false, members: left.members.length }, { topic: room });
      return { room, members: left.members.length };
    },
    async send({ room, text }, ctx) {
      const message = await store.send(room, userOf(ctx), text, callOf(ctx));
      if (!message) throw ctx.error('NotMember', { room });
      await afterStore?.(message, ctx);
      await ctx.emit('message', message, { topic: room });
      return message;
    },
    async history({ room, limit }, ctx) {
      if (!(await store.isMember(room, userOf(ctx)))) throw ctx.error('NotMember', { room });
      return { messages: await store.history(room, limit ?? 50) };
    },
  });
}
