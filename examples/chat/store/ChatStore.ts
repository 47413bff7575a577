/**
 * Where the chat keeps its state: members, messages and each room's sequence. Two stores
 * implement it: PostgresChatStore (DATABASE_URL set; shared by every worker and gateway) and
 * MemoryChatStore (in this process only; enough for `warren serve`).
 *
 * Every change is recorded under the call that made it (`callId`), in the same transaction as
 * the change, so a redelivered call finds its own effect instead of making it again: `send`
 * returns the message it stored the first time, and `join` / `leave` report `byThisCall` for the
 * change they made then. The handler re-emits the same event on such a run, with the same
 * event id, so a run that died before its events were published still gets them out, and
 * gateways drop the copy when the first run did publish them.
 */
export interface StoredMessage {
  id: number;
  room: string;
  user: string;
  text: string;
  at: string;
}

export interface MemberResult {
  /** True when this call (this run or an earlier run of the same call) made the change. */
  byThisCall: boolean;
  /** Members present after the change, oldest first. */
  members: string[];
}

export interface ChatStore {
  /** `memory` or `postgres`, for the start-up log line. */
  readonly kind: string;
  /** Adds `user` to `room`; undefined when the room is full and `user` is not in it. */
  join(room: string, user: string, callId: string, capacity: number): Promise<MemberResult | undefined>;
  leave(room: string, user: string, callId: string): Promise<MemberResult>;
  isMember(room: string, user: string): Promise<boolean>;
  /**
   * Stores a message under the room's next id, once per `callId`: a second call with the same
   * id returns the first message. Undefined when `user` is not a member of `room`.
   */
  send(room: string, user: string, text: string, callId: string): Promise<StoredMessage | undefined>;
  /** The latest `limit` messages, oldest first. */
  history(room: string, limit: number): Promise<StoredMessage[]>;
  close(): Promise<void>;
}
