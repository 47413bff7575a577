/**
 * The chat's state in PostgreSQL, shared by every worker and gateway that has the same
 * DATABASE_URL. A room's sequence is its row in chat_rooms, incremented in the transaction that
 * stores the message: the row lock orders concurrent sends to one room, whichever worker runs
 * them, and a rolled-back send leaves no gap. Each message keeps the call that sent it under a
 * unique key, and each membership the call that last changed it (see ChatStore.ts).
 */
import pg from 'pg';
import { ErrorCode, WarrenError } from 'warren';
import type { ChatStore, MemberResult, StoredMessage } from './ChatStore.ts';

/** Made once per database, by whichever process starts first; the advisory lock keeps two from racing. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS chat_rooms (
  room text PRIMARY KEY,
  last_id bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS chat_members (
  room text NOT NULL REFERENCES chat_rooms (room),
  user_name text NOT NULL,
  present boolean NOT NULL,
  call_id text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room, user_name)
);
CREATE TABLE IF NOT EXISTS chat_messages (
  room text NOT NULL REFERENCES chat_rooms (room),
  id bigint NOT NULL,
  user_name text NOT NULL,
  text text NOT NULL,
  at text NOT NULL,
  call_id text NOT NULL UNIQUE,
  PRIMARY KEY (room, id)
);`;

const MESSAGE_COLUMNS = 'id, room, user_name, text, at';

interface MessageRow {
  id: string;
  room: string;
  user_name: string;
  text: string;
  at: string;
}

const messageOf = (row: MessageRow): StoredMessage => ({ id: Number(row.id), room: row.room, user: row.user_name, text: row.text, at: row.at });

/** Errors that mean the database cannot be reached now, rather than a bug: answered UNAVAILABLE. */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (/^(ECONN|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH)/.test(code) || /^(08|57P)/.test(code));
}

export class PostgresChatStore implements ChatStore {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  #schema: Promise<void> | undefined;

  constructor(connectionString: string) {
    // allowExitOnIdle: the pool's idle sockets never keep a process alive that is done.
    this.#pool = new pg.Pool({ connectionString, max: 5, allowExitOnIdle: true, connectionTimeoutMillis: 5000 });
    // An idle client whose server went away emits here; the next query reconnects.
    this.#pool.on('error', () => {});
  }

  /** Creates the tables if they are missing; safe to run from many processes at once. Retried after a failure. */
  ready(): Promise<void> {
    this.#schema ??= this.#transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('warren-chat-schema'))");
      await client.query(SCHEMA);
    }).catch((err: unknown) => {
      this.#schema = undefined;
      throw err;
    });
    return this.#schema;
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw unreachable(err) ? new WarrenError(ErrorCode.UNAVAILABLE, 'Chat database unavailable') : err;
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw unreachable(err) ? new WarrenError(ErrorCode.UNAVAILABLE, 'Chat database unavailable') : err;
    } finally {
      client.release();
    }
  }

  async #run<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    return this.#transaction(work);
  }

  /** Takes the room's row lock (making the room if new): one change to a room's members at a time. */
  static async #lockRoom(client: pg.PoolClient, room: string): Promise<void> {
    await client.query('INSERT INTO chat_rooms (room) VALUES ($1) ON CONFLICT (room) DO UPDATE SET room = EXCLUDED.room', [room]);
  }

  static async #members(client: pg.PoolClient, room: string): Promise<string[]> {
    const { rows } = await client.query<{ user_name: string }>(
      'SELECT user_name FROM chat_members WHERE room = $1 AND present ORDER BY changed_at, user_name',
      [room],
    );
    return rows.map((row) => row.user_name);
  }

  join(room: string, user: string, callId: string, capacity: number): Promise<MemberResult | undefined> {
    return this.#run(async (client) => {
      await PostgresChatStore.#lockRoom(client, room);
      const { rows } = await client.query<{ present: boolean; call_id: string }>(
        'SELECT present, call_id FROM chat_members WHERE room = $1 AND user_name = $2',
        [room, user],
      );
      let by = rows[0]?.present ? rows[0].call_id : undefined;
      if (by === undefined) {
        const { rows: count } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM chat_members WHERE room = $1 AND present', [room]);
        if (count[0]!.n >= capacity) return undefined;
        await client.query(
          `INSERT INTO chat_members (room, user_name, present, call_id) VALUES ($1, $2, true, $3)
           ON CONFLICT (room, user_name) DO UPDATE SET present = true, call_id = EXCLUDED.call_id, changed_at = now()`,
          [room, user, callId],
        );
        by = callId;
      }
      return { byThisCall: by === callId, members: await PostgresChatStore.#members(client, room) };
    });
  }

  leave(room: string, user: string, callId: string): Promise<MemberResult> {
    return this.#run(async (client) => {
      await PostgresChatStore.#lockRoom(client, room);
      await client.query(
        'UPDATE chat_members SET present = false, call_id = $3, changed_at = now() WHERE room = $1 AND user_name = $2 AND present',
        [room, user, callId],
      );
      const { rows } = await client.query<{ present: boolean; call_id: string }>(
        'SELECT present, call_id FROM chat_members WHERE room = $1 AND user_name = $2',
        [room, user],
      );
      const byThisCall = rows[0] !== undefined && !rows[0].present && rows[0].call_id === callId;
      return { byThisCall, members: await PostgresChatStore.#members(client, room) };
    });
  }

  async isMember(room: string, user: string): Promise<boolean> {
    await this.ready();
    const { rows } = await this.#query('SELECT 1 FROM chat_members WHERE room = $1 AND user_name = $2 AND present', [room, user]);
    return rows.length > 0;
  }

  send(room: string, user: string, text: string, callId: string): Promise<StoredMessage | undefined> {
    return this.#run(async (client) => {
      const earlier = await client.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE call_id = $1`, [callId]);
      if (earlier.rows[0]) return messageOf(earlier.rows[0]);
      const member = await client.query('SELECT 1 FROM chat_members WHERE room = $1 AND user_name = $2 AND present', [room, user]);
      if (member.rows.length === 0) return undefined;
      // The room's row lock, held to the commit: concurrent sends to the room take ids in turn.
      const { rows } = await client.query<{ last_id: string }>('UPDATE chat_rooms SET last_id = last_id + 1 WHERE room = $1 RETURNING last_id', [room]);
      const inserted = await client.query<MessageRow>(
        `INSERT INTO chat_messages (room, id, user_name, text, at, call_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (call_id) DO NOTHING RETURNING ${MESSAGE_COLUMNS}`,
        [room, rows[0]!.last_id, user, text, new Date().toISOString(), callId],
      );
      if (inserted.rows[0]) return messageOf(inserted.rows[0]);
      // Another run of this call (a copy the broker delivered twice) committed first: its message stands.
      throw new SentMeanwhile();
    }).catch(async (err: unknown) => {
      if (!(err instanceof SentMeanwhile)) throw err;
      const { rows } = await this.#query(`SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE call_id = $1`, [callId]);
      return messageOf(rows[0] as MessageRow);
    });
  }

  async history(room: string, limit: number): Promise<StoredMessage[]> {
    await this.ready();
    const { rows } = await this.#query(`SELECT ${MESSAGE_COLUMNS} FROM chat_messages WHERE room = $1 ORDER BY id DESC LIMIT $2`, [room, limit]);
    return (rows as MessageRow[]).map(messageOf).reverse();
  }

  async #query(text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.#pool.query(text, values);
    } catch (err) {
      throw unreachable(err) ? new WarrenError(ErrorCode.UNAVAILABLE, 'Chat database unavailable') : err;
    }
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/** Rolls back a send whose call another run already stored (its increment of the sequence with it). */
class SentMeanwhile extends Error {}
