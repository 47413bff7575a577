/**
 * The chat's gateway hooks (the service module exports them; `warren serve|gateway` use them):
 * who the caller is (its token), what it may call, and what it may subscribe to.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from 'warren';
import type { AuthorizeTarget, SubscribeTarget } from 'warren/server';
import type { Tokens } from './auth.ts';
import type { ChatStore } from './store/ChatStore.ts';

export interface ChatAccessOptions {
  /** The chat contract's service name. */
  service: string;
  tokens: Tokens;
  store: ChatStore;
}

export const ADMIN = 'admin';

export function chatAccess({ service, tokens, store }: ChatAccessOptions) {
  const events = new Set([`${service}.message`, `${service}.member`]);
  return {
    authenticate: (request: IncomingMessage) => tokens.authenticate(request),
    /** Anonymous callers may sign in, and call other services; every other chat method needs a token. */
    authorize(principal: Principal | null, { wireName }: AuthorizeTarget): boolean {
      if (principal !== null || !wireName.startsWith(`${service}.`)) return true;
      return wireName === `${service}.signIn`;
    },
    /**
     * A room's events are for its members: the caller must have joined the room (the store is
     * asked, so a join through any worker counts). Every room at once (no topic) is for admins.
     */
    async authorizeSubscribe(principal: Principal | null, { event, topic }: SubscribeTarget): Promise<boolean> {
      if (!events.has(event)) return true;
      if (principal === null) return false;
      if (topic === undefined) return Array.isArray(principal.roles) && principal.roles.includes(ADMIN);
      return store.isMember(topic, principal.id);
    },
  };
}
