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
import type { ReplayableEvents } from './ReplayableEvents.ts';
import type { EventPosition } from '../transport/Transport.ts';
import { replayRetention } from '../contract/eventDelivery.ts';
import type { Retention } from '../protocol/retention.ts';

export interface SocketSubscriptionsDeps {
  registry: Registry;
  subscriptions: Subscriptions;
  replayable: ReplayableEvents;
  maxSubscriptions: number;
  /** The socket's caller, as `authenticate` returned it. @default null */
  principal?: Principal | null;
  authorizeSubscribe?: GatewayOptions['authorizeSubscribe'];
  /** Where a failing `authorizeSubscribe` is reported. @default silent */
  log?: Logger;
  /** The counter of an event's pushes, when the gateway keeps metrics. */
  pushes?: (event: string) => { inc(): void };
}

interface Target {
  event: string;
  topic: string | undefined;
  /** A replayable event's retention; undefined for a volatile one. */
  retention: Retention | undefined;
  /** Resume after this position (replayable events only). */
  since: EventPosition | undefined;
}

function isPosition(value: unknown): value is EventPosition {
  const { offset, epoch } = (value ?? {}) as Partial<EventPosition>;
  return typeof value === 'object' && Number.isSafeInteger(offset) && offset! >= -1 && typeof epoch === 'string' && epoch.length <= 200;
}

/**
 * Reads `{ event, topic, since }` or `[event, topic, since]`; throws INVALID_PARAMS naming what
 * is wrong, also for positional params past the three, and for `since` on a volatile event.
 * `rpc.unsubscribe` (`resumable` false) takes `{ event, topic }` or `[event, topic]`; a named
 * `since` is ignored there.
 */
function readTarget(registry: Registry, params: unknown, resumable: boolean): Target {
  const raw = Array.isArray(params)
    ? { event: params[0], topic: params[1], since: resumable ? params[2] : undefined }
    : ((params ?? {}) as { event?: unknown; topic?: unknown; since?: unknown });
  if (!resumable) raw.since = undefined;
  const issues = [];
  if (Array.isArray(params) && params.length > (resumable ? 3 : 2)) {
    const expected = resumable ? 'at most 3 (event, topic, since)' : 'at most 2 (event, topic)';
    issues.push({ code: 'too_big', path: [], message: `Too many params: expected ${expected}` });
  }
  const entry = typeof raw.event === 'string' ? registry.events.get(raw.event) : undefined;
  if (!entry) issues.push({ code: 'invalid_value', path: ['event'], message: 'Unknown event' });
  if (raw.topic !== undefined && raw.topic !== null && !isValidTopic(raw.topic)) {
    issues.push({ code: 'invalid_format', path: ['topic'], message: 'Topic must be 1-200 UTF-8 bytes without dots, *, # or whitespace' });
  }
  const retention = entry && replayRetention(entry.spec);
  if (raw.since !== undefined && raw.since !== null) {
    if (entry && !retention) {
      issues.push({ code: 'invalid_value', path: ['since'], message: 'This event is volatile: it keeps no history to resume from' });
    } else if (!isPosition(raw.since)) {
      issues.push({ code: 'invalid_type', path: ['since'], message: 'Expected a position: { offset: integer >= -1, epoch: string }' });
    }
  }
  if (issues.length > 0) throw new WarrenError(ErrorCode.INVALID_PARAMS, 'Invalid params', { data: { issues } });
  return {
    event: raw.event as string,
    topic: (raw.topic ?? undefined) as string | undefined,
    retention,
    since: (raw.since ?? undefined) as EventPosition | undefined,
  };
}

const keyOf = ({ event, topic }: Target) => `${event}\u0000${topic ?? '*'}`;

export class SocketSubscriptions {
  readonly #subscriber: Subscriber;
  readonly #deps: SocketSubscriptionsDeps;
  readonly #held = new Map<string, Target>();
  /** Per replayable event, the subscriber that counts its pushes (one object, so unsubscribe finds it). */
  readonly #counting = new Map<string, Subscriber>();
  #closed = false;

  constructor(subscriber: Subscriber, deps: SocketSubscriptionsDeps) {
    this.#subscriber = subscriber;
    this.#deps = deps;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Who a replayable event's history writes to: the socket, through its counter with metrics. */
  #replaySubscriber(event: string): Subscriber {
    const { pushes } = this.#deps;
    if (!pushes) return this.#subscriber;
    let subscriber = this.#counting.get(event);
    if (!subscriber) {
      const counter = pushes(event);
      const socket = this.#subscriber;
      subscriber = {
        send(frame) {
          counter.inc();
          socket.send(frame);
        },
      };
      this.#counting.set(event, subscriber);
    }
    return subscriber;
  }

  /**
   * `true` for a volatile event; for a replayable one, where the subscription starts
   * (`{ position, historyLost }`, see ReplayableEvents).
   */
  async subscribe(params: unknown): Promise<true | { position: EventPosition; historyLost: boolean }> {
    const target = readTarget(this.#deps.registry, params, true);
    const key = keyOf(target);
    // Subscribed already: a replayable one answers where it stands, without replaying again.
    if (this.#held.has(key) && !target.retention) return true;
    if (this.#held.has(key)) throw new WarrenError(ErrorCode.INVALID_PARAMS, 'Already subscribed to this event and topic on this connection');
    if (this.#deps.authorizeSubscribe) {
      // Judged before the limit, as roles are before params: a refused subscription is
      // UNAUTHORIZED whatever else the socket holds.
      await this.#authorize(target);
      // The hook may have taken its time: the socket may be gone, or hold the subscription now.
      if (this.#closed) throw new WarrenError(ErrorCode.UNAVAILABLE, 'Connection closed');
      if (this.#held.has(key)) return true;
    }
    if (target.retention) return this.#subscribeReplayable(key, target, target.retention);
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

  async #subscribeReplayable(key: string, target: Target, retention: Retention): Promise<{ position: EventPosition; historyLost: boolean }> {
    if (this.#held.size >= this.#deps.maxSubscriptions) {
      throw new WarrenError(ErrorCode.OVERLOADED, `More than ${this.#deps.maxSubscriptions} subscriptions on this connection`);
    }
    this.#held.set(key, target);
    let result;
    try {
      result = await this.#deps.replayable.subscribe(this.#replaySubscriber(target.event), target.event, retention, target.topic, target.since);
    } catch (err) {
      this.#held.delete(key);
      this.#deps.log?.warn({ err: (err as Error).message, event: target.event }, 'replayable subscription failed');
      throw new WarrenError(ErrorCode.UNAVAILABLE, 'Could not subscribe: broker unavailable');
    }
    if (this.#closed) void this.#deps.replayable.unsubscribe(this.#replaySubscriber(target.event), target.event, target.topic).catch(() => {});
    return result;
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
    const target = readTarget(this.#deps.registry, params, false);
    if (!this.#held.delete(keyOf(target))) return false;
    await this.#remove(target);
    return true;
  }

  #remove({ event, topic, retention }: Target): Promise<void> {
    const removed = retention ? this.#deps.replayable.unsubscribe(this.#replaySubscriber(event), event, topic) : this.#deps.subscriptions.remove(this.#subscriber, event, topic);
    return removed.catch(() => {});
  }

  /** Drops every subscription of the socket. */
  close(): void {
    this.#closed = true;
    for (const target of this.#held.values()) void this.#remove(target);
    this.#held.clear();
  }
}
