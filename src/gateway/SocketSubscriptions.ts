/**
 * The subscriptions of one socket: `rpc.subscribe` / `rpc.unsubscribe` params, the
 * `authorizeSubscribe` hook, the per-socket limit, and undoing them all when the socket
 * closes. The gateway-wide fan-out lives in Subscriptions.
 */
import type { Logger } from '../contract/implement.ts';
import type { Registry } from '../contract/registry.ts';
import { silentLogger } from '../log.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { isValidTopic } from '../protocol/routing.ts';
import type { Principal } from '../protocol/call.ts';
import { errorOf } from '../protocol/errors.ts';
import type { GatewayOptions } from './GatewayOptions.ts';
import type { Subscriber, Subscriptions } from './Subscriptions.ts';

export interface SocketSubscriptionsDeps {
  registry: Registry;
  subscriptions: Subscriptions;
  maxSubscriptions: number;
  /** The socket's caller, as `authenticate` returned it. @default null */
  principal?: Principal | null;
  authorizeSubscribe?: GatewayOptions['authorizeSubscribe'];
  /** Where a failing `authorizeSubscribe` is reported. @default silent */
  log?: Logger;
}

interface Target {
  event: string;
  topic: string | undefined;
}

/**
 * Reads `{ event, topic }` or `[event, topic]`; throws INVALID_PARAMS naming what is wrong,
 * also for positional params past the two.
 */
function readTarget(registry: Registry, params: unknown): Target {
  const raw = Array.isArray(params)
    ? { event: params[0], topic: params[1] }
    : ((params ?? {}) as { event?: unknown; topic?: unknown });
  const issues = [];
  if (Array.isArray(params) && params.length > 2) {
    issues.push({ code: 'too_big', path: [], message: 'Too many params: expected at most 2 (event, topic)' });
  }
  if (typeof raw.event !== 'string' || !registry.events.has(raw.event)) {
    issues.push({ code: 'invalid_value', path: ['event'], message: 'Unknown event' });
  }
  if (raw.topic !== undefined && raw.topic !== null && !isValidTopic(raw.topic)) {
    issues.push({ code: 'invalid_format', path: ['topic'], message: 'Topic must be 1-200 UTF-8 bytes without dots, *, # or whitespace' });
  }
  if (issues.length > 0) throw new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', { data: { issues } });
  return { event: raw.event as string, topic: (raw.topic ?? undefined) as string | undefined };
}

const keyOf = ({ event, topic }: Target) => `${event}\u0000${topic ?? '*'}`;

export class SocketSubscriptions {
  readonly #subscriber: Subscriber;
  readonly #deps: SocketSubscriptionsDeps;
  readonly #held = new Map<string, Target>();
  #closed = false;

  constructor(subscriber: Subscriber, deps: SocketSubscriptionsDeps) {
    this.#subscriber = subscriber;
    this.#deps = deps;
  }

  get size(): number {
    return this.#held.size;
  }

  async subscribe(params: unknown): Promise<true> {
    const target = readTarget(this.#deps.registry, params);
    const key = keyOf(target);
    if (this.#held.has(key)) return true;
    if (this.#deps.authorizeSubscribe) {
      // Judged before the limit, as roles are before params: a refused subscription is
      // UNAUTHORIZED whatever else the socket holds.
      await this.#authorize(target);
      // The hook may have taken its time: the socket may be gone, or hold the subscription now.
      if (this.#closed) throw new WarrenError(ErrorCode.UNAVAILABLE, 'Connection closed');
      if (this.#held.has(key)) return true;
    }
    if (this.#held.size >= this.#deps.maxSubscriptions) {
      throw new WarrenError(ErrorCode.OVERLOADED, `More than ${this.#deps.maxSubscriptions} subscriptions on this connection`);
    }
    this.#held.set(key, target);
    try {
      await this.#deps.subscriptions.add(this.#subscriber, target.event, target.topic);
    } catch {
      this.#held.delete(key);
      throw new WarrenError(ErrorCode.UNAVAILABLE, 'Could not subscribe: broker unavailable');
    }
    // The socket closed while the binding was made: undo it, nobody will unsubscribe.
    if (this.#closed) void this.#deps.subscriptions.remove(this.#subscriber, target.event, target.topic).catch(() => {});
    return true;
  }

  /** Only `true` from the hook lets the subscription through; see GatewayOptions.authorizeSubscribe. */
  async #authorize({ event, topic }: Target): Promise<void> {
    const { authorizeSubscribe, principal = null, registry, log = silentLogger } = this.#deps;
    let verdict: unknown;
    try {
      verdict = await authorizeSubscribe!(principal, { event, topic, spec: registry.events.get(event)!.spec });
    } catch (thrown) {
      throw errorOf(thrown, (err) => log.error({ err, event }, 'authorizeSubscribe hook failed'));
    }
    if (verdict !== true) throw new WarrenError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
  }

  async unsubscribe(params: unknown): Promise<boolean> {
    const target = readTarget(this.#deps.registry, params);
    if (!this.#held.delete(keyOf(target))) return false;
    await this.#deps.subscriptions.remove(this.#subscriber, target.event, target.topic).catch(() => {});
    return true;
  }

  /** Drops every subscription of the socket. */
  close(): void {
    this.#closed = true;
    for (const { event, topic } of this.#held.values()) {
      this.#deps.subscriptions.remove(this.#subscriber, event, topic).catch(() => {});
    }
    this.#held.clear();
  }
}
