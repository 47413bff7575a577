/**
 * Everything Warren relies on in amqplib beyond its documented API, in one place. Each has a
 * test against a real broker (test/transport/amqplibInternals.test.ts) that fails, naming the
 * assumption, when an amqplib update moves it.
 *
 * - The socket under a connection: amqplib keeps it as the private `connection.stream`.
 *   Warren needs it to send a turn's frames in one system call (coalesceWrites.ts).
 * - The error a publisher confirm fails with: a broker nack is `Error('message nacked')`,
 *   anything else (the channel closed before the confirm) is another error.
 * - The object form of a URL (`connect({ hostname, port, … }, { recovery })`, documented) is
 *   read afresh on every attempt of the recovery, so changing its fields between two attempts
 *   moves the next one to another node (AmqpConnection's failover).
 */
import type { Writable } from 'node:stream';

/**
 * The socket under an amqplib connection (a ChannelModel); undefined if a future version
 * moves it, so the caller can say so instead of failing.
 */
export function amqpSocket(model: unknown): Writable | undefined {
  const stream = (model as { connection?: { stream?: unknown } } | undefined)?.connection?.stream;
  return stream && typeof (stream as Writable).cork === 'function' ? (stream as Writable) : undefined;
}

/** True for a confirm callback's error that is the broker's nack, false for a channel that closed. */
export function isNack(err: Error): boolean {
  return err.message === 'message nacked';
}
