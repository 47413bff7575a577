/**
 * The mapping from a call's order key to its shard: pure data, shared by the transports and
 * their tests. A method whose contract declares `orderBy` is served from ORDER_SHARDS queues
 * instead of one; every call with the same key goes to the same shard, and each shard has one
 * consumer at a time that runs its calls one after another (docs/delivery.md, "Ordered calls").
 */
import { methodQueue } from './routing.ts';

/**
 * Shards of every ordered method. The calls of one key never spread beyond one shard, so this
 * bounds how many workers an ordered method keeps busy at once; it is fixed because changing it
 * moves keys between shards (and queues), which would reorder the calls waiting in them.
 */
export const ORDER_SHARDS = 8;

const utf8 = new TextEncoder();

/**
 * FNV-1a (32 bits) of the key's UTF-8 bytes, modulo the shard count. Stable across processes,
 * platforms and versions, which is all a shard function needs: every gateway must send a key to
 * the same shard. FNV-1a spreads short, similar keys (`room-1`, `room-2`) well.
 */
export function orderShard(key: string, shards = ORDER_SHARDS): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The routing key of a call to one shard of an ordered method, on `warren.rpc`. */
export function shardRoutingKey(method: string, shard: number): string {
  return `${method}.${shard}`;
}

/** The queue of one shard of an ordered method: `warren.rpc.<method>.<shard>`. */
export function shardQueue(method: string, shard: number): string {
  return `${methodQueue(method)}.${shard}`;
}

/**
 * The routing key of a call: the method's, or its shard's when it has an order key. A method
 * name has one dot (`chat.send`), so a shard's key (`chat.send.3`) never names another method.
 */
export function callRoutingKey(method: string, orderKey: string | undefined): string {
  return orderKey === undefined ? method : shardRoutingKey(method, orderShard(orderKey));
}

/**
 * Arguments of a shard queue: a quorum queue with a single active consumer. Quorum, whatever
 * the deployment's queue type, because it counts failed deliveries itself and hands a call that
 * came back (its worker died, or gave the shard away) to the next consumer before the calls
 * behind it; a classic queue has no delivery limit, and Warren's own limit for it republishes
 * the call behind the others, out of order.
 */
export function shardQueueArguments(options: { maxQueueLength?: number | undefined; maxDeliveries: number }): Record<string, string | number | boolean> {
  return {
    'x-queue-type': 'quorum',
    'x-single-active-consumer': true,
    'x-delivery-limit': options.maxDeliveries,
    ...(options.maxQueueLength === undefined ? {} : { 'x-max-length': options.maxQueueLength, 'x-overflow': 'reject-publish' }),
  };
}

/** The header of a shard probe (AmqpShardBalancer): the JSON of the prober's ShardReport. */
export const PROBE_HEADER = 'x-warren-probe';

/** What a worker tells the active consumer of every shard, on every probe round. */
export interface ShardReport {
  /** The worker's id, unique per process. */
  id: string;
  /** Shards it is the active consumer of. */
  active: number;
  /** Of those, shards whose calls it ran lately. */
  busy: number;
}

/** The report in a probe's header; undefined for a header that is not one. */
export function readProbe(headers: Record<string, unknown> | undefined): ShardReport | undefined {
  const raw = headers?.[PROBE_HEADER];
  if (raw === undefined) return undefined;
  try {
    const text = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : '';
    const parsed = JSON.parse(text) as Partial<ShardReport>;
    if (typeof parsed.id !== 'string' || !Number.isInteger(parsed.active) || !Number.isInteger(parsed.busy)) return undefined;
    return { id: parsed.id, active: parsed.active!, busy: parsed.busy! };
  } catch {
    return undefined;
  }
}
