/**
 * The ids of the events a gateway delivered a moment ago, so that a second copy of one is
 * dropped. A copy comes from a redelivered call: its worker published the run's events, then
 * died before the call was acked, and the next run published the same ids again (see
 * HandlerContext.ts). The broker redelivers a call within its deadline (10 s by default; a
 * method may set a longer one), and the copies follow the first run by that much at most.
 *
 * The window is bounded both ways, whichever comes first:
 * - by time, DEFAULT_SEEN_TTL_MS (2 minutes): twelve times the default deadline, and past the
 *   deadline of any method that keeps the usual short timeouts. A method whose timeout is
 *   longer than that, and whose worker dies between publishing its events and the ack, can
 *   still deliver a copy;
 * - by count, DEFAULT_SEEN_MAX (100,000 ids): the memory it may hold, 10-20 MB when full
 *   (8 MB for the map beyond the id strings, measured on Node 20). Past about
 *   830 events a second through one gateway the count is reached first and the window is
 *   shorter (100,000 / rate: 10 s at 10,000 events a second).
 *
 * Built on lru-cache: with `ttl` and `max` it is such a map, evicting the oldest id at the
 * count and ignoring ids older than the ttl. `has` does not refresh an id, so every id leaves
 * the window a fixed time after it was first delivered.
 */
import { LRUCache } from 'lru-cache';

/** How long an event id is remembered. */
export const DEFAULT_SEEN_TTL_MS = 120_000;
/** How many event ids are remembered at most. */
export const DEFAULT_SEEN_MAX = 100_000;

export interface SeenEventsOptions {
  /** @default DEFAULT_SEEN_TTL_MS */
  ttlMs?: number;
  /** @default DEFAULT_SEEN_MAX */
  max?: number;
  /** The clock, in ms; for tests. @default performance.now */
  now?: () => number;
}

export class SeenEvents {
  readonly #ids: LRUCache<string, true>;

  constructor(options: SeenEventsOptions = {}) {
    const ttl = options.ttlMs ?? DEFAULT_SEEN_TTL_MS;
    const max = options.max ?? DEFAULT_SEEN_MAX;
    if (!(Number.isInteger(ttl) && ttl > 0)) throw new TypeError(`ttlMs must be a positive integer, got ${ttl}`);
    if (!(Number.isInteger(max) && max > 0)) throw new TypeError(`max must be a positive integer, got ${max}`);
    this.#ids = new LRUCache<string, true>({
      max,
      ttl,
      // A given clock is read on every check: lru-cache's 1 ms cache of the time would hide its steps.
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  /**
   * True when `id` was seen within the window: the event is a copy, to drop. Otherwise records
   * it and returns false. An event without an id is never a copy.
   */
  check(id: string | undefined): boolean {
    if (id === undefined) return false;
    if (this.#ids.has(id)) return true;
    this.#ids.set(id, true);
    return false;
  }

  /** Ids remembered now, expired ones not yet evicted included. */
  get size(): number {
    return this.#ids.size;
  }
}
