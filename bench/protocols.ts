/**
 * The wire formats the load generator speaks. Each adapter encodes one call and decodes one
 * answer with plain string work and one JSON.parse, so every system is driven by the same
 * thin client and the generator costs the same per call whatever it measures.
 *
 * Socket.IO and tRPC are spoken raw (Engine.IO v4 + Socket.IO packets; tRPC's ws message
 * format) rather than through socket.io-client or @trpc/client's wsLink: the servers do
 * exactly the work they do for their official clients, and the generator, which already
 * saturates first on two cores, is not slowed further by a heavier client.
 */

export type ProtocolName = 'jsonrpc' | 'socketio' | 'trpc';

export interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  /** For an error: its code, as the protocol states it. */
  code?: string | number;
}

export interface Protocol {
  /** Path and query appended to the server's base URL. */
  path(base: string): string;
  /** True when this frame completes the handshake (protocols without one never ask). */
  isReady(frame: string): boolean;
  encode(id: number, method: string, paramsJson: string): string;
  /** Decodes a frame into an answer; control frames give undefined, answering through `reply` if needed. */
  decode(frame: string, reply: (frame: string) => void): Answer | undefined;
}

const jsonrpc: Protocol = {
  path: (base) => base,
  isReady: () => true,
  encode: (id, method, params) => `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${params}}`,
  decode(frame) {
    const message = JSON.parse(frame) as { id?: number; result?: unknown; error?: { code?: number } };
    if (typeof message.id !== 'number') return undefined;
    return message.error === undefined ? { id: message.id, ok: true, result: message.result } : { id: message.id, ok: false, code: message.error.code };
  },
};

/** Engine.IO 4: `0{…}` open, `2`/`3` ping/pong, `4` message; Socket.IO: `40` connect, `42<id>[…]` event, `43<id>[…]` ack. */
const socketio: Protocol = {
  path: (base) => `${base.replace(/\/rpc$/, '')}/socket.io/?EIO=4&transport=websocket`,
  isReady: (frame) => frame.startsWith('40'),
  encode: (id, method, params) => `42${id}["${method}",${params}]`,
  decode(frame, reply) {
    if (frame === '2') {
      reply('3');
      return undefined;
    }
    if (frame.startsWith('0')) {
      reply('40');
      return undefined;
    }
    if (!frame.startsWith('43')) return undefined;
    const bracket = frame.indexOf('[');
    const id = Number(frame.slice(2, bracket));
    const args = JSON.parse(frame.slice(bracket)) as unknown[];
    const first = args[0] as { error?: unknown } | undefined;
    if (first && typeof first === 'object' && 'error' in first) return { id, ok: false };
    return { id, ok: true, result: first };
  },
};

/** tRPC 11 over ws: `{"id","method":"mutation","params":{"path","input"}}` → `{"id","result":{"type":"data","data"}}`. */
const trpc: Protocol = {
  path: (base) => base,
  isReady: () => true,
  encode: (id, method, params) => `{"id":${id},"method":"mutation","params":{"path":"${method}","input":${params}}}`,
  decode(frame) {
    if (frame === 'PING' || frame === 'PONG') return undefined;
    const message = JSON.parse(frame) as { id?: number; result?: { data?: unknown }; error?: { data?: { code?: string } } };
    if (typeof message.id !== 'number') return undefined;
    if (message.error === undefined) return { id: message.id, ok: true, result: message.result?.data };
    return { id: message.id, ok: false, code: message.error.data?.code ?? 'error' };
  },
};

export const protocols: Record<ProtocolName, Protocol> = { jsonrpc, socketio, trpc };

/** Socket.IO needs its handshake before the first call; the others are usable once open. */
export function needsHandshake(name: ProtocolName): boolean {
  return name === 'socketio';
}
