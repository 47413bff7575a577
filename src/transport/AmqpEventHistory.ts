/**
 * Replayable events on RabbitMQ: one stream per event (`warren.stream.<event>`, an append-only,
 * replicated log; RabbitMQ 3.9 and later), written by workers with publisher confirms and read
 * by gateways from an offset over AMQP 0.9.1 (consumer argument `x-stream-offset`). Each stored
 * event carries its topic in a header and its id as `messageId`; its offset is the stream's.
 *
 * RabbitMQ 3.10 streams filter nothing on the server (that came with 3.13): a reader gets
 * every topic of the event, and the gateway keeps the ones its sockets subscribed to.
 *
 * Readers share one channel per connection (the caller's `history` group). A reader follows
 * the group: after a reconnect it consumes again from the offset after the last event it
 * delivered, so a connection loss costs a reader nothing but time.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import { streamArguments, type Retention } from '../protocol/retention.ts';
import { TOPIC_HEADER, eventStream, readTraceHeaders, traceHeaders } from '../protocol/routing.ts';
import type { ChannelGroup, Lane } from './AmqpChannelGroup.ts';
import { declareQueue, type AmqpConnection } from './AmqpConnection.ts';
import type { EventHistory, EventMessage, EventPosition, StoredEvent } from './Transport.ts';

/** Unacked events one reader may hold: a stream consumer needs a prefetch. */
const READER_PREFETCH = 1000;
/** tail(): once the last chunk started arriving, this much quiet means it has all arrived. */
const TAIL_QUIET_MS = 50;
/**
 * tail(): the most it reads after the first event. While events keep coming, quiet never comes;
 * any event read is at or past the tail when it was asked, which is all a caller needs.
 */
const TAIL_MAX_READ_MS = 200;
/** tail(): no event this long after asking for the last chunk means the stream holds none. */
export const TAIL_EMPTY_MS = 1500;

/** Declares a replayable event's stream once per connection (its arguments are the retention). */
export class StreamDeclarations {
  readonly #done = new WeakMap<ChannelModel, Map<string, Promise<void>>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  ensure(model: ChannelModel, event: string, retention: Retention): Promise<void> {
    let declared = this.#done.get(model);
    if (!declared) this.#done.set(model, (declared = new Map()));
    const stream = eventStream(event);
    let done = declared.get(stream);
    if (!done) {
      done = declareQueue(model, stream, { durable: true, arguments: streamArguments(retention) }).then((refused) => {
        // Another retention than the stream was made with: it keeps the one it has.
        if (refused) this.#log.warn({ stream, err: refused }, `stream ${stream} exists with another retention than this contract declares; it keeps its own`);
      });
      done.catch(() => declared!.delete(stream));
      declared.set(stream, done);
    }
    return done;
  }
}

/** The AMQP message of a stored event. */
export function storedEventProperties(message: EventMessage): { messageId: string; headers: Record<string, string>; contentType: string; persistent: true } {
  return { messageId: message.id ?? randomUUID(), headers: { ...traceHeaders(message), [TOPIC_HEADER]: message.topic }, contentType: 'application/json', persistent: true };
}

function storedEvent(event: string, message: ConsumeMessage): StoredEvent | undefined {
  const headers = message.properties.headers ?? {};
  const offset = Number(headers['x-stream-offset']);
  const topic = headers[TOPIC_HEADER];
  const id = message.properties.messageId;
  if (!Number.isSafeInteger(offset) || typeof topic !== 'string' || typeof id !== 'string') return undefined;
  return { event, topic, id, payload: message.content.toString('utf8'), position: { offset, epoch: id }, ...readTraceHeaders(headers) };
}

export interface HistoryChannels {
  model: ChannelModel;
  lane: Lane<Channel>;
}

/** The channel group the readers of one process share. */
export function historyGroup(connection: AmqpConnection): ChannelGroup<HistoryChannels> {
  return connection.group(
    'history',
    async ({ model, channel }) => {
      const lane = await channel('history');
      await lane.channel.prefetch(READER_PREFETCH);
      return { model, lane };
    },
    // A reader starting (a first subscription, a resume) must not make the gateway refuse sockets.
    { readyWithoutFollowers: true },
  );
}

/** The gateway's side: reads one event's stream. */
export class AmqpEventHistory implements EventHistory {
  readonly #event: string;
  readonly #retention: Retention;
  readonly #group: ChannelGroup<HistoryChannels>;
  readonly #streams: StreamDeclarations;

  constructor(event: string, retention: Retention, group: ChannelGroup<HistoryChannels>, streams: StreamDeclarations) {
    this.#event = event;
    this.#retention = retention;
    this.#group = group;
    this.#streams = streams;
  }

  read(from: number | 'next', onEvent: (event: StoredEvent) => void): Promise<{ stop(): Promise<void> }> {
    return this.#follow(from, onEvent);
  }

  async #follow(from: number | 'next' | 'last', onEvent: (event: StoredEvent) => void): Promise<{ stop(): Promise<void> }> {
    const stream = eventStream(this.#event);
    let next: number | 'next' | 'last' = from;
    let stopped = false;
    let active: { channel: Channel; tag: string } | undefined;
    const start = async ({ model, lane }: HistoryChannels): Promise<void> => {
      if (stopped) return;
      await this.#streams.ensure(model, this.#event, this.#retention);
      const { channel } = lane;
      const { consumerTag } = await channel.consume(
        stream,
        (message) => {
          if (!message) return;
          channel.ack(message);
          const event = storedEvent(this.#event, message);
          // A numeric offset may start at the beginning of the chunk that holds it.
          if (!event || stopped || (typeof next === 'number' && event.position.offset < next)) return;
          next = event.position.offset + 1;
          onEvent(event);
        },
        { noAck: false, arguments: { 'x-stream-offset': next } },
      );
      active = { channel, tag: consumerTag };
      if (stopped) await channel.cancel(consumerTag).catch(() => {});
    };
    await this.#group.follow(start);
    return {
      stop: async () => {
        stopped = true;
        this.#group.unfollow(start);
        const was = active;
        active = undefined;
        await was?.channel.cancel(was.tag).catch(() => {});
      },
    };
  }

  /**
   * Reads the stream's last chunk: the last event's position once the chunk has arrived (a
   * pause of TAIL_QUIET_MS, or TAIL_MAX_READ_MS of reading), or undefined when nothing arrives
   * within TAIL_EMPTY_MS (the stream holds no event). A gateway asks once per event, when it
   * starts reading it.
   */
  async tail(): Promise<EventPosition | undefined> {
    let last: EventPosition | undefined;
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const empty = setTimeout(settle, TAIL_EMPTY_MS);
    let cap: ReturnType<typeof setTimeout> | undefined;
    const reader = await this.#follow('last', (event) => {
      if (!last || event.position.offset > last.offset) last = event.position;
      clearTimeout(empty);
      clearTimeout(quiet);
      quiet = setTimeout(settle, TAIL_QUIET_MS);
      cap ??= setTimeout(settle, TAIL_MAX_READ_MS);
    });
    await done;
    clearTimeout(quiet);
    clearTimeout(cap);
    clearTimeout(empty);
    await reader.stop();
    return last;
  }
}
