/** The chat's store: PostgreSQL when DATABASE_URL is set, else this process's memory. */
import type { ChatStore } from './ChatStore.ts';
import { MemoryChatStore } from './MemoryChatStore.ts';
import { PostgresChatStore } from './PostgresChatStore.ts';

export function openChatStore(databaseUrl = process.env.DATABASE_URL): ChatStore {
  if (!databaseUrl) return new MemoryChatStore();
  const store = new PostgresChatStore(databaseUrl);
  // Tables are made at start; a database that is down now is tried again on the first call.
  store.ready().catch(() => {});
  return store;
}
