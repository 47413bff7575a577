/**
 * The gateway's side of replayable events: per event, one live reader of its history (the
 * transport's EventHistory: a RabbitMQ stream, or the memory log), shared by every socket of
 * this gateway subscribed to it, and per resuming subscription a catch-up reader from the
 * position the client sent (`since`).
 *
 * How a resume joins the live feed without a gap or a duplicate: the subscription is registered
 * first, and buffers what the live reader delivers; its head is the last event the live reader
 * delivered (or the tail the live reader started after), and the catch-up reader replays from
 * `since`. Every event carries its offset, and a subscription
 * delivers an event only past the last offset it delivered, so the two readers can overlap
 * freely. Once the catch-up has reached the tail and the first buffered event, the buffer is
 * flushed and the catch-up reader stopped: from then on the live reader alone feeds it.
 *
 * A `since` the history can no longer honour (older than the retention kept, or naming an event
 * that is not the one at that offset: the history was recreated) gets an `rpc.historyLost`
 * notification instead, and the subscription continues live from the tail.
 *
 * A redelivered call that had published its events already publishes them again, with the same
 * ids, at later offsets. Per event, the feed remembers the offset of the first copy of each id
 * any of its readers read (the same window as SeenEvents: 2 minutes, 100,000 ids), and every
 * later copy is skipped, for every subscription alike, on the live and the catch-up path.
 */
import type { Logger } from '../contract/implement.ts';
import type { Retention } from '../protocol/retention.ts';
import type { EventHistory, EventPosition, StoredEvent, Transport } from '../transport/Transport.ts';
import type { Subscriber } from './Subscriptions.ts';
import { LRUCache } from 'lru-cache';
import { DEFAULT_SEEN_MAX, DEFAULT_SEEN_TTL_MS } from './SeenEvents.ts';

/** Live events one catching-up subscription holds back; past it, its catch-up reads them instead. */
const MAX_BUFFERED = 10_000;
/** How long a resume waits for the first event of its catch-up before it fails (UNAVAILABLE). */
const CATCH_UP_CHECK_MS = 10_000;

/** The position before the first event of a history: resuming from it replays everything kept. */
export const BEFORE_FIRST: EventPosition = { offset: -1, epoch: '' };

/** The notification frame of a stored event (encoded once for all its subscribers). */
export function storedEventFrame(event: StoredEvent): string {
  const { offset, epoch } = event.position;
  return (
    `{"jsonrpc":"2.0","method":${JSON.stringify(event.event)},` +
    `"params":{"topic":${JSON.stringify(event.topic)},"payload":${event.payload},"position":{"offset":${offset},"epoch":${JSON.stringify(epoch)}}}}`
  );
}

export function historyLostFrame(event: string, topic: string | undefined, since: EventPosition): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'rpc.historyLost', params: { event, ...(topic === undefined ? {} : { topic }), since } });
}

interface Reader {
  stop(): Promise<void>;
}

class ReplaySubscription {
  /** Offset of the last event handed to the socket (or skipped as another topic's). */
  last = -1;
  live = false;
  buffer: StoredEvent[] = [];
  /** While catching up: the catch-up must reach this offset (the tail when it started, or the last dropped buffered event). */
  reachAtLeast = -1;
  catchUp: Reader | undefined;
  /** False while a resume waits to learn that the history holds the event `since` names. */
  checked = true;
  closed = false;

  constructor(
    readonly subscriber: Subscriber,
    readonly topic: string | undefined,
  ) {}

  /** Sends the event if it is new to this subscription and of its topic. */
  offer(event: StoredEvent, frame?: string | Buffer): void {
    if (event.position.offset <= this.last) return;
    this.last = event.position.offset;
    if (this.topic === undefined || this.topic === event.topic) this.subscriber.send(frame ?? storedEventFrame(event));
  }
}

/** Per event id, the offset of the first copy read: a copy at another offset is a duplicate. */
class FirstCopies {
  readonly #offsets = new LRUCache<string, number>({ max: DEFAULT_SEEN_MAX, ttl: DEFAULT_SEEN_TTL_MS });

  isCopy(event: StoredEvent): boolean {
    const id = event.id;
    if (id === undefined) return false;
    const first = this.#offsets.get(id);
    if (first === undefined) {
      this.#offsets.set(id, event.position.offset);
      return false;
    }
    return first !== event.position.offset;
  }
}

class EventFeed {
  readonly subscriptions = new Set<ReplaySubscription>();
  readonly copies = new FirstCopies();
  /** The last event the live reader delivered; undefined before the first. */
  liveHead: EventPosition | undefined;
  #live: Promise<Reader> | undefined;

  constructor(
    readonly event: string,
    readonly history: EventHistory,
  ) {}

  /**
   * The history's tail when the live reader started: it reads from the event after it, so every
   * event stored later reaches it, also across a reconnect (it resumes after the last it read).
   */
  startedAt: EventPosition = BEFORE_FIRST;

  /** Starts the live reader once: the tail is asked once per feed, not per subscription. */
  start(): Promise<Reader> {
    return (this.#live ??= (async () => {
      this.startedAt = (await this.history.tail()) ?? BEFORE_FIRST;
      return this.history.read(this.startedAt.offset + 1, (event) => this.#onLive(event));
    })());
  }

  async stop(): Promise<void> {
    const live = this.#live;
    this.#live = undefined;
    await (await live)?.stop();
  }

  /** The later of the live reader's last event and `tail`. */
  head(tail: EventPosition | undefined): EventPosition {
    const live = this.liveHead;
    if (!live) return tail ?? BEFORE_FIRST;
    return tail && tail.offset > live.offset ? tail : live;
  }

  #onLive(event: StoredEvent): void {
    if (!this.liveHead || event.position.offset > this.liveHead.offset) this.liveHead = event.position;
    if (this.copies.isCopy(event)) return;
    let frame: string | Buffer | undefined;
    for (const subscription of this.subscriptions) {
      if (subscription.live) {
        // Encoded once for every live subscriber it goes to.
        if (frame === undefined && (subscription.topic === undefined || subscription.topic === event.topic)) frame = Buffer.from(storedEventFrame(event));
        subscription.offer(event, frame);
      } else {
        subscription.buffer.push(event);
        if (subscription.buffer.length > MAX_BUFFERED) {
            // The catch-up reads these too; it must now get at least this far before going live.
          subscription.reachAtLeast = Math.max(subscription.reachAtLeast, event.position.offset);
          subscription.buffer = [];
        }
        this.maybeGoLive(subscription);
      }
    }
  }

  /** A catching-up subscription that has everything up to its buffer goes live. */
  maybeGoLive(subscription: ReplaySubscription): void {
    if (subscription.live || !subscription.checked || subscription.last < subscription.reachAtLeast) return;
    const first = subscription.buffer[0];
    if (first && subscription.last < first.position.offset - 1) return;
    this.goLive(subscription);
  }

  /** From now on the live reader alone feeds the subscription: the buffer first, the catch-up reader stopped. */
  goLive(subscription: ReplaySubscription): void {
    subscription.live = true;
    for (const event of subscription.buffer) subscription.offer(event);
    subscription.buffer = [];
    const reader = subscription.catchUp;
    subscription.catchUp = undefined;
    void reader?.stop();
  }
}

export interface ReplaySubscribeResult {
  /** Where the subscription starts: the position the client sent, or the history's tail. */
  position: EventPosition;
  /** The history could not replay from `since`: an `rpc.historyLost` went out first. */
  historyLost: boolean;
}

export class ReplayableEvents {
  readonly #transport: Transport;
  readonly #log: Logger;
  readonly #feeds = new Map<string, EventFeed>();
  readonly #bySubscriber = new Map<Subscriber, Map<string, ReplaySubscription>>();

  constructor(transport: Transport, log: Logger) {
    this.#transport = transport;
    this.#log = log;
  }

  async subscribe(subscriber: Subscriber, event: string, retention: Retention, topic: string | undefined, since: EventPosition | undefined): Promise<ReplaySubscribeResult> {
    let feed = this.#feeds.get(event);
    if (!feed) this.#feeds.set(event, (feed = new EventFeed(event, this.#transport.history(event, retention))));
    const subscription = new ReplaySubscription(subscriber, topic);
    let own = this.#bySubscriber.get(subscriber);
    if (!own) this.#bySubscriber.set(subscriber, (own = new Map()));
    const key = `${event}\u0000${topic ?? '*'}`;
    own.set(key, subscription);
    feed.subscriptions.add(subscription);
    try {
      await feed.start();
      // This subscription buffers the live reader from before this: every later event reaches it.
      const head = feed.head(feed.startedAt);
      subscription.reachAtLeast = head.offset;
      if (!since) {
        subscription.last = head.offset;
        feed.maybeGoLive(subscription);
        return { position: head, historyLost: false };
      }
      const stale = since.offset > head.offset || (since.offset === -1 && since.epoch !== '');
      if (stale || (await this.#catchUp(feed, subscription, since))) return this.#lost(feed, subscription, since, head);
      return { position: since, historyLost: false };
    } catch (err) {
      feed.subscriptions.delete(subscription);
      if (own.get(key) === subscription) own.delete(key);
      await this.#release(feed);
      throw err;
    }
  }

  /**
   * Starts the catch-up reader at `since`; resolves true when the history does not hold the
   * event `since` names (it is past the retention, or another event is at its offset: the
   * history was recreated), once the first event read says so.
   */
  async #catchUp(feed: EventFeed, subscription: ReplaySubscription, since: EventPosition): Promise<boolean> {
    subscription.last = since.offset;
    // Nothing stored yet: nothing to replay.
    if (subscription.reachAtLeast === -1) {
      feed.maybeGoLive(subscription);
      return false;
    }
    let verdict!: (lost: boolean) => void;
    const checked = new Promise<boolean>((resolve) => (verdict = resolve));
    // An event is always read (`since` is at or before the head, which the history keeps); this
    // only bounds a broker that stops answering. Not knowing is no proof the history is lost:
    // the resume fails (UNAVAILABLE), and the client tries again.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      verdict(false);
    }, CATCH_UP_CHECK_MS);
    let first = true;
    let lost = false;
    subscription.checked = false;
    subscription.catchUp = await feed.history.read(Math.max(0, since.offset), (event) => {
      if (subscription.live || subscription.closed || lost || timedOut) return;
      if (first) {
        first = false;
        const { offset, epoch } = event.position;
        // From the start, the first event kept must be the first ever stored; else the event at `since`.
        lost = since.offset === -1 ? offset !== 0 : offset !== since.offset || epoch !== since.epoch;
        clearTimeout(timer);
        verdict(lost);
        if (lost) return;
        subscription.checked = true;
      }
      // A copy is passed over, not sent: the subscription is past it all the same.
      if (feed.copies.isCopy(event)) subscription.last = Math.max(subscription.last, event.position.offset);
      else subscription.offer(event);
      feed.maybeGoLive(subscription);
    });
    const result = await checked;
    if (timedOut) {
      const reader = subscription.catchUp;
      subscription.catchUp = undefined;
      await reader?.stop();
      throw new Error(`no event of ${feed.event}'s history read within ${CATCH_UP_CHECK_MS} ms`);
    }
    return result;
  }

  /** Goes live from the head (`head`, or a later event the live reader delivered since). */
  #lost(feed: EventFeed, subscription: ReplaySubscription, since: EventPosition, head: EventPosition): ReplaySubscribeResult {
    const reader = subscription.catchUp;
    subscription.catchUp = undefined;
    void reader?.stop();
    const start = feed.head(head);
    subscription.checked = true;
    this.#log.info({ event: feed.event, since, head: start.offset }, 'resume from a position the history no longer holds: history lost');
    subscription.subscriber.send(historyLostFrame(feed.event, subscription.topic, since));
    subscription.last = Math.max(subscription.last, start.offset);
    feed.goLive(subscription);
    return { position: start, historyLost: true };
  }

  async unsubscribe(subscriber: Subscriber, event: string, topic: string | undefined): Promise<void> {
    const own = this.#bySubscriber.get(subscriber);
    const key = `${event}\u0000${topic ?? '*'}`;
    const subscription = own?.get(key);
    if (!subscription) return;
    own!.delete(key);
    if (own!.size === 0) this.#bySubscriber.delete(subscriber);
    subscription.closed = true;
    await subscription.catchUp?.stop();
    const feed = this.#feeds.get(event);
    if (!feed) return;
    feed.subscriptions.delete(subscription);
    await this.#release(feed);
  }

  /** The last subscription of an event went: its live reader stops. */
  async #release(feed: EventFeed): Promise<void> {
    if (feed.subscriptions.size > 0 || this.#feeds.get(feed.event) !== feed) return;
    this.#feeds.delete(feed.event);
    await feed.stop();
  }
}
