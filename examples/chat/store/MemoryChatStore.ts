/**
 * The chat's state in this process: for `warren serve` (gateway and workers share it) with no
 * database. Separate `warren gateway` / `warren worker` processes each get their own, so they
 * need DATABASE_URL. The records of which call made which change are bounded (an LRU of the
 * latest ones), as are the messages kept per room.
 */
import { LRUCache } from 'lru-cache';
import type { ChatStore, MemberResult, StoredMessage } from './ChatStore.ts';

/** Messages kept per room. */
const KEEP = 1000;
/** Calls remembered, well past what a redelivery window holds at chat rates. */
const CALLS = 100_000;

interface Room {
  /** user → the call that made the latest change of that user's membership */
  members: Map<string, string>;
  messages: StoredMessage[];
  last: number;
}

export class MemoryChatStore implements ChatStore {
  readonly kind = 'memory';
  readonly #rooms = new Map<string, Room>();
  readonly #sent = new LRUCache<string, StoredMessage>({ max: CALLS });
  /** `room\0user` → the call that made the user leave */
  readonly #left = new LRUCache<string, string>({ max: CALLS });

  #room(name: string): Room {
    let room = this.#rooms.get(name);
    if (!room) this.#rooms.set(name, (room = { members: new Map(), messages: [], last: 0 }));
    return room;
  }

  async join(name: string, user: string, callId: string, capacity: number): Promise<MemberResult | undefined> {
    const room = this.#room(name);
    if (!room.members.has(user)) {
      if (room.members.size >= capacity) return undefined;
      room.members.set(user, callId);
    }
    return { byThisCall: room.members.get(user) === callId, members: [...room.members.keys()] };
  }

  async leave(name: string, user: string, callId: string): Promise<MemberResult> {
    const room = this.#room(name);
    const key = `${name}\0${user}`;
    if (room.members.delete(user)) this.#left.set(key, callId);
    return { byThisCall: !room.members.has(user) && this.#left.get(key) === callId, members: [...room.members.keys()] };
  }

  async isMember(name: string, user: string): Promise<boolean> {
    return this.#rooms.get(name)?.members.has(user) ?? false;
  }

  async send(name: string, user: string, text: string, callId: string): Promise<StoredMessage | undefined> {
    const earlier = this.#sent.get(callId);
    if (earlier) return earlier;
    const room = this.#room(name);
    if (!room.members.has(user)) return undefined;
    const message = { id: ++room.last, room: name, user, text, at: new Date().toISOString() };
    room.messages.push(message);
    if (room.messages.length > KEEP) room.messages.shift();
    this.#sent.set(callId, message);
    return message;
  }

  async history(name: string, limit: number): Promise<StoredMessage[]> {
    return this.#rooms.get(name)?.messages.slice(-limit) ?? [];
  }

  async close(): Promise<void> {}
}
