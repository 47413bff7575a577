/**
 * The architecture's floor, worker half: consume each method's durable queue, run the
 * handler on the parsed params, reply to replyTo with the correlationId, then ack.
 * BASELINE_CONFIRM=1 replies on a confirm channel and acks once the reply is confirmed;
 * BASELINE_REPLY_CONFIRM=1 replies on a confirm channel but acks at once, with the reply.
 */
import amqp from 'amqplib';
import { echo, price, type EchoInput, type OrderInput } from '../service.ts';

const PREFIX = process.env.BASELINE_PREFIX ?? 'benchbase';
const CONFIRM = process.env.BASELINE_CONFIRM === '1';
/** BASELINE_REPLY_CONFIRM=1: replies on a confirm channel, the ack sent with the reply (not after its confirm). */
const REPLY_CONFIRM = process.env.BASELINE_REPLY_CONFIRM === '1';
const handlers: Record<string, (params: never) => unknown> = {
  'bench.echo': (params: EchoInput) => echo(params),
  'bench.validate': (params: OrderInput) => price(params),
};
const connection = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
const channel = CONFIRM || REPLY_CONFIRM ? await connection.createConfirmChannel() : await connection.createChannel();
await channel.prefetch(Number(process.env.BASELINE_PREFETCH ?? 32));
await channel.assertExchange(`${PREFIX}.rpc`, 'direct', { durable: true });
for (const [method, handler] of Object.entries(handlers)) {
  const { queue } = await channel.assertQueue(`${PREFIX}.rpc.${method}`, { durable: true });
  await channel.bindQueue(queue, `${PREFIX}.rpc`, method);
  await channel.consume(queue, (message) => {
    if (!message) return;
    const result = Buffer.from(JSON.stringify(handler(JSON.parse(message.content.toString()) as never)));
    const { replyTo, correlationId } = message.properties;
    if (!CONFIRM) {
      channel.sendToQueue(replyTo, result, { correlationId });
      return channel.ack(message);
    }
    channel.publish('', replyTo, result, { correlationId }, () => channel.ack(message));
  });
}
console.log(JSON.stringify({ msg: 'consuming' }));
process.on('SIGTERM', () => void connection.close().finally(() => process.exit(0)));
