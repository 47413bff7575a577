/**
 * Reads `warren.dlq` on the real broker with plain amqplib, the way an operator would. The
 * queue is shared by every run, so only the messages of the given method are taken (acked);
 * the others go back when the channel closes.
 */
import amqplib from 'amqplib';
import { DEAD_LETTER_QUEUE, Header } from '../../src/protocol/routing.ts';
import { AMQP_URL } from '../helpers/broker.ts';

export interface DeadLetterMessage {
  params: string;
  attempts: number;
  reason: string;
  queue: string;
  correlationId: string | undefined;
}

function text(value: unknown): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
}

/** Removes and returns the dead letters of `method`, oldest first, on the broker at `url` (the test broker unless given). */
export async function takeDeadLetters(method: string, url = AMQP_URL): Promise<DeadLetterMessage[]> {
  const connection = await amqplib.connect(url, { timeout: 2000 });
  connection.on('error', () => {});
  const taken: DeadLetterMessage[] = [];
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.checkQueue(DEAD_LETTER_QUEUE);
    // Every get holds its message unacked until the channel closes, so none is seen twice.
    for (;;) {
      const message = await channel.get(DEAD_LETTER_QUEUE, { noAck: false });
      if (message === false) break;
      const headers = message.properties.headers ?? {};
      if (text(headers[Header.DEAD_METHOD]) !== method) continue;
      taken.push({
        params: message.content.toString('utf8'),
        attempts: Number(headers[Header.ATTEMPTS]),
        reason: text(headers[Header.DEAD_REASON]),
        queue: text(headers[Header.DEAD_QUEUE]),
        correlationId: message.properties.correlationId,
      });
      channel.ack(message);
    }
    await channel.close();
  } finally {
    await connection.close().catch(() => {});
  }
  return taken;
}
