/**
 * The memory transport's history of one replayable event: the events in publish order, each
 * with its offset, trimmed to the retention (age and payload bytes, as a RabbitMQ stream) and
 * to MAX_EVENTS, so a process that emits without end holds a bounded log.
 */
import { randomUUID } from 'node:crypto';
import { maxAgeMs } from '../contract/eventDelivery.ts';
import type { Retention } from '../protocol/retention.ts';
import type { EventHistory, EventMessage, EventPosition, StoredEvent } from './Transport.ts';

/** Most events one log keeps, whatever its retention. */
export const MAX_EVENTS = 100_000;

interface Entry {
  event: StoredEvent;
  at: number;
  bytes: number;
}

export class MemoryEventLog implements EventHistory {
  readonly #entries: Entry[] = [];
  /** Index in #entries of the oldest kept entry: trimming moves it, compaction reclaims the space. */
  #head = 0;
  #nextOffset = 0;
  #bytes = 0;
  readonly #maxAgeMs: number | undefined;
  readonly #maxBytes: number | undefined;
  readonly #readers = new Set<(event: StoredEvent) => void>();
  readonly #now: () => number;

  constructor(retention: Retention, now: () => number = Date.now) {
    this.#maxAgeMs = retention.maxAge === undefined ? undefined : maxAgeMs(retention.maxAge);
    this.#maxBytes = retention.maxBytes;
    this.#now = now;
  }

  /** Number of events kept now. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  append(message: EventMessage): StoredEvent {
    const offset = this.#nextOffset++;
    const id = message.id ?? randomUUID();
    const event: StoredEvent = { ...message, id, position: { offset, epoch: id } };
    const bytes = Buffer.byteLength(message.payload);
    this.#entries.push({ event, at: this.#now(), bytes });
    this.#bytes += bytes;
    this.#trim();
    for (const reader of [...this.#readers]) queueMicrotask(() => this.#readers.has(reader) && reader(event));
    return event;
  }

  #trim(): void {
    const oldest = this.#maxAgeMs === undefined ? -Infinity : this.#now() - this.#maxAgeMs;
    while (this.size > 0) {
      const first = this.#entries[this.#head]!;
      const over = this.size > MAX_EVENTS || (this.#maxBytes !== undefined && this.#bytes > this.#maxBytes) || first.at < oldest;
      // The last event stays, as a RabbitMQ stream keeps its last segment.
      if (!over || this.size === 1) break;
      this.#bytes -= first.bytes;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
  }

  async read(from: number | 'next', onEvent: (event: StoredEvent) => void): Promise<{ stop(): Promise<void> }> {
    this.#trim();
    let stopped = false;
    // Replays what is kept now, then hands over to the live path in the same turn: nothing is
    // appended in between, so nothing is missed or delivered twice.
    const backlog = from === 'next' ? [] : this.#entries.slice(this.#head).filter((entry) => entry.event.position.offset >= from);
    const reader = (event: StoredEvent) => {
      if (!stopped) onEvent(event);
    };
    this.#readers.add(reader);
    queueMicrotask(() => {
      for (const entry of backlog) if (!stopped) onEvent(entry.event);
    });
    return {
      stop: async () => {
        stopped = true;
        this.#readers.delete(reader);
      },
    };
  }

  async tail(): Promise<EventPosition | undefined> {
    return this.size === 0 ? undefined : this.#entries[this.#entries.length - 1]!.event.position;
  }
}
