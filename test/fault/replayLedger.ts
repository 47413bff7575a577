/**
 * Ground truth and bookkeeping for the replayable-event fault tests: the stream itself, read
 * from its first offset with a plain amqplib consumer (what was published, in order), a
 * subscriber built on the real SDK that records where its subscription started and the position
 * of every event its handler got, and the count of what a subscriber missed, got twice or got
 * out of order against the stream.
 */
import amqplib from 'amqplib';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';
import { TOPIC_HEADER } from '../../src/protocol/routing.ts';
import { AMQP_URL } from '../helpers/broker.ts';

export interface Position {
  offset: number;
  epoch: string;
}

/** One message of a stream. */
export interface StreamEntry {
  offset: number;
  /** The event's id (`messageId`), which is also its position's epoch. */
  id: string;
  topic: string;
  payload: any;
}

/**
 * Reads a stream from its first offset until nothing arrives for `quietMs` (bounded by
 * `maxMs`), on a connection of its own; entries in offset order.
 */
export async function readStream(stream: string, options: { quietMs?: number; maxMs?: number } = {}): Promise<StreamEntry[]> {
  const quietMs = options.quietMs ?? 1500;
  const connection = await amqplib.connect(AMQP_URL, { timeout: 5000 });
  connection.on('error', () => {});
  const entries: StreamEntry[] = [];
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(1000);
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const bound = setTimeout(settle, options.maxMs ?? 30_000);
    quiet = setTimeout(settle, quietMs * 2);
    await channel.consume(
      stream,
      (message) => {
        if (!message) return;
        channel.ack(message);
        const headers = message.properties.headers ?? {};
        entries.push({
          offset: Number(headers['x-stream-offset']),
          id: String(message.properties.messageId),
          topic: String(headers[TOPIC_HEADER]),
          payload: JSON.parse(message.content.toString('utf8')),
        });
        clearTimeout(quiet);
        quiet = setTimeout(settle, quietMs);
      },
      { noAck: false, arguments: { 'x-stream-offset': 'first' } },
    );
    await done;
    clearTimeout(quiet);
    clearTimeout(bound);
  } finally {
    await connection.close().catch(() => {});
  }
  return entries.sort((a, b) => a.offset - b.offset);
}

/** Ids the stream holds at more than one offset, and the extra copies. */
export function streamCopies(entries: readonly StreamEntry[]): { ids: number; copies: number } {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
  let ids = 0;
  let copies = 0;
  for (const n of counts.values()) {
    if (n > 1) {
      ids++;
      copies += n - 1;
    }
  }
  return { ids, copies };
}

/** An event as a subscriber's handler got it, with the position its frame carried. */
export interface Received {
  position: Position | undefined;
  payload: any;
  topic: string;
  at: number;
}

export interface Tally {
  /** Events of its topic the stream holds after the subscription's start. */
  expected: number;
  received: number;
  /** Expected ids never received. */
  missing: number;
  /** Extra deliveries of an id. */
  duplicated: number;
  /** Events whose offset is not past the one before. */
  outOfOrder: number;
  /** Events of another topic, or whose frame carried no position or an epoch other than the payload's id. */
  wrong: number;
}

/** Counts what one subscriber of `topic`, started at `start`, got against the stream. */
export function tally(entries: readonly StreamEntry[], topic: string, start: Position, received: readonly Received[]): Tally {
  const expected = new Set(entries.filter((e) => e.topic === topic && e.offset > start.offset).map((e) => e.id));
  const counts = new Map<string, number>();
  let outOfOrder = 0;
  let wrong = 0;
  let last = start.offset;
  for (const event of received) {
    const id = `${event.payload.callId}:${event.payload.k}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    if (event.topic !== topic || !event.position || event.position.epoch !== id) wrong++;
    if (event.position) {
      if (event.position.offset <= last) outOfOrder++;
      last = Math.max(last, event.position.offset);
    }
  }
  let missing = 0;
  for (const id of expected) if (!counts.has(id)) missing++;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
  return { expected: expected.size, received: received.length, missing, duplicated, outOfOrder, wrong };
}

/**
 * A subscriber on the real SDK (WarrenClient with `ws`) whose WebSocket also hands every frame
 * to the probe first: so it knows when each rpc.subscribe was answered (the first answer is
 * where the subscription starts) and the position of each event the handler gets.
 */
export class SubscriberProbe {
  readonly client: WarrenClient;
  readonly received: Received[] = [];
  /** When each rpc.subscribe answer with a position arrived (ms since the epoch). */
  readonly subscribedAt: number[] = [];
  /** Where the first subscription started. */
  start: Position | undefined;
  /** onHistoryLost calls. */
  lost = 0;
  /** The position of the frame being handled now. */
  #current: Position | undefined;
  readonly #event: string;

  constructor(url: string, event: string) {
    this.#event = event;
    const tap = (text: string) => this.#tap(text);
    const Tapped = function TappedWebSocket(target: string) {
      const ws = new WebSocket(target);
      // Registered before the SDK's onmessage, so it runs first for every frame.
      ws.on('message', (data) => tap(String(data)));
      return ws;
    } as unknown as WebSocketConstructor;
    this.client = new WarrenClient({ url, WebSocket: Tapped, reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, heartbeatMs: 3000, timeoutMs: 30_000 });
  }

  /** Subscribes to the probe's event on `topic`, recording every event the handler gets. */
  async subscribe(topic: string): Promise<void> {
    await this.client.subscribe(
      this.#event,
      topic,
      (payload, got) => this.received.push({ position: this.#current, payload, topic: got, at: Date.now() }),
      { onHistoryLost: () => this.lost++ },
    );
  }

  #tap(text: string): void {
    let frame: any;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame?.method === this.#event) {
      this.#current = frame.params?.position;
    } else if (frame?.id !== undefined && frame.result?.position) {
      this.subscribedAt.push(Date.now());
      this.start ??= frame.result.position;
    }
  }

  close(): void {
    this.client.close();
  }
}
