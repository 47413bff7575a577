/**
 * AmqpTransport with a list of nodes: two TCP proxies in front of the one test broker stand for
 * two nodes of a cluster. The transport connects to the first, moves to the next when its node
 * refuses or its connection is cut, says in its log which node it is on, and its calls go on.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resultBody } from 'warren-client/protocol';
import type { Logger } from '../../src/log.ts';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport, type AmqpTransportOptions } from '../../src/transport/AmqpTransport.ts';
import { AMQP_URL, needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { waitFor, withTimeout } from '../helpers/async.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';

interface Logged {
  msg: string | undefined;
  obj: Record<string, unknown>;
}

function recordingLogger(lines: Logged[]): Logger {
  const at = () => (obj: object | string, msg?: string) =>
    lines.push(typeof obj === 'string' ? { msg: obj, obj: {} } : { msg, obj: obj as Record<string, unknown> });
  return { debug: at(), info: at(), warn: at(), error: at() };
}

/** A proxy standing for one node, and its amqp:// URL. */
async function node(): Promise<{ proxy: TcpProxy; url: string }> {
  const proxy = new TcpProxy();
  await proxy.listen(Number(new URL(AMQP_URL).port || 5672));
  return { proxy, url: `amqp://guest:guest@127.0.0.1:${new URL(proxy.url).port}` };
}

describe('AmqpTransport: failover across a list of nodes', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const method = uniqueName('failover.echo');
  const made: AmqpTransport[] = [];
  const proxies: TcpProxy[] = [];

  function transport(options: AmqpTransportOptions): AmqpTransport {
    const t = new AmqpTransport({ reconnectSeconds: 0.05, maxReconnectSeconds: 0.2, ...options });
    made.push(t);
    t.start();
    return t;
  }

  after(async () => {
    await Promise.all(made.map((t) => withTimeout(t.close(), 10_000, 'close()')));
    for (const proxy of proxies) await proxy.close();
    await withChannel((channel) => channel.deleteQueue(methodQueue(method)));
  });

  async function echo(caller: AmqpTransport, text: string): Promise<unknown> {
    const body = await withTimeout(
      new Promise<string>((resolve) => caller.request({ method, params: JSON.stringify(text), deadline: Date.now() + 5_000, principal: null }, resolve)),
      6_000,
      `the answer to ${text}`,
    );
    return JSON.parse(body).result;
  }

  it('moves to the next node when its connection is cut and the node refuses, and back, logging each node', async () => {
    const [a, b] = [await node(), await node()];
    proxies.push(a.proxy, b.proxy);
    const worker = transport({ url: AMQP_URL });
    await worker.whenReady(10_000);
    await worker.serve(method, async ({ call }) => resultBody(JSON.parse(call.params)));
    const lines: Logged[] = [];
    const caller = transport({ url: `${a.url},${b.url}`, log: recordingLogger(lines) });
    await caller.whenReady(10_000);
    const connects = () => lines.filter((l) => l.msg === 'connected to RabbitMQ').map((l) => l.obj);
    const port = (url: string) => new URL(url).port;
    assert.deepEqual(connects(), [{ url: a.url.replace('guest:guest', '***'), node: '1/2' }]);
    assert.equal(await echo(caller, 'on a'), 'on a');

    a.proxy.refusing = true;
    a.proxy.cut();
    await waitFor(() => lines.some((l) => l.msg === 'disconnected from RabbitMQ; reconnecting'), 5_000, 'the cut to be noticed');
    // Made during the failover: held, then published on the next node.
    const during = echo(caller, 'during the failover');
    await waitFor(() => connects().length === 2, 10_000, 'a connection to b');
    assert.equal(connects()[1]!.node, '2/2');
    assert.equal(port(connects()[1]!.url as string), port(b.url));
    assert.equal(await during, 'during the failover');
    assert.equal(await echo(caller, 'on b'), 'on b');
    assert.equal(b.proxy.connections, 1);
    const lost = lines.find((l) => l.msg === 'disconnected from RabbitMQ; reconnecting')!;
    assert.equal(port(lost.obj.url as string), port(a.url), 'the log names the node it left');
    assert.equal(port(lost.obj.next as string), port(b.url), 'and the one it tries next');

    a.proxy.refusing = false;
    b.proxy.refusing = true;
    b.proxy.cut();
    await waitFor(() => connects().length === 3, 10_000, 'a connection back to a');
    assert.equal(connects()[2]!.node, '1/2');
    assert.equal(await echo(caller, 'on a again'), 'on a again');
  });

  it('starts on the second node when the first refuses, and says so', async () => {
    const [a, b] = [await node(), await node()];
    proxies.push(a.proxy, b.proxy);
    a.proxy.refusing = true;
    const lines: Logged[] = [];
    const caller = transport({ url: [a.url, b.url], log: recordingLogger(lines) });
    await caller.whenReady(10_000);
    const refused = lines.find((l) => l.msg === 'RabbitMQ unreachable; retrying');
    assert.ok(refused, 'the refusal is logged');
    assert.equal(new URL(refused.obj.url as string).port, new URL(a.url).port);
    assert.equal(new URL(refused.obj.next as string).port, new URL(b.url).port);
    assert.equal(lines.find((l) => l.msg === 'connected to RabbitMQ')?.obj.node, '2/2');
    assert.ok(a.proxy.accepted >= 1 && a.proxy.connections === 0 && b.proxy.connections === 1);
    assert.equal(await echo(caller, 'on b from the start'), 'on b from the start');
  });
});
