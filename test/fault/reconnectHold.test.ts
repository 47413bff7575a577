/**
 * The reconnect hold, with the broker cut away from a caller (a TCP proxy between the two; the
 * broker itself stays up). Calls made without a connection wait for it: published when it is
 * back within the hold, answered UNAVAILABLE after the hold when it is not, always before their
 * deadline; past `maxHeldCalls` they are answered UNAVAILABLE at once. A call in flight at the cut
 * waits as long, then UNAVAILABLE, rather than for its deadline.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, resultBody } from 'warren-client/protocol';
import type { Logger } from '../../src/log.ts';
import { methodQueue } from '../../src/protocol/routing.ts';
import { AmqpTransport } from '../../src/transport/AmqpTransport.ts';
import { AMQP_URL, needsBroker, uniqueName, withChannel } from '../helpers/broker.ts';
import { gate, sleep, waitFor, withTimeout, type Gate } from '../helpers/async.ts';
import { TcpProxy } from '../helpers/TcpProxy.ts';

const HOLD_MS = 600;
const MAX_HELD = 20;

interface Answered {
  code: number | undefined;
  message: string | undefined;
  /** ms from the call to its answer. */
  after: number;
}

describe('AmqpTransport: the reconnect hold, broker cut away', { ...(await needsBroker()), timeout: 60_000 }, () => {
  const method = uniqueName('hold.echo');
  const proxy = new TcpProxy();
  const gates: Gate[] = [];
  let worker: AmqpTransport;
  let caller: AmqpTransport;
  let disconnects = 0;

  after(async () => {
    for (const g of gates) g.open();
    proxy.refusing = false;
    await Promise.all([caller, worker].map((t) => t && withTimeout(t.close(), 10_000, 'close()')));
    await proxy.close();
    await withChannel((channel) => channel.deleteQueue(methodQueue(method)));
  });

  const counting: Logger = {
    debug: () => {},
    info: () => {},
    error: () => {},
    warn: (_obj: object | string, msg?: string) => {
      if (msg === 'disconnected from RabbitMQ; reconnecting') disconnects++;
    },
  };

  function ask(params: unknown, timeoutMs = 10_000): Promise<Answered> {
    const startedAt = Date.now();
    return new Promise((resolve) =>
      caller.request({ method, params: JSON.stringify(params), deadline: startedAt + timeoutMs, principal: null }, (body) => {
        const parsed = JSON.parse(body) as { error?: { code: number; message: string } };
        resolve({ code: parsed.error?.code, message: parsed.error?.message, after: Date.now() - startedAt });
      }),
    );
  }

  /** Cuts the caller's connection and refuses its reconnects; resolves once it noticed. */
  async function cut(): Promise<void> {
    const before = disconnects;
    proxy.refusing = true;
    proxy.cut();
    await waitFor(() => disconnects > before && !caller.isReady(), 5_000, 'the caller to notice the cut');
  }

  async function reconnect(): Promise<void> {
    proxy.refusing = false;
    await caller.whenReady(10_000);
  }

  it('sets up a caller behind the proxy and a worker on the broker', async () => {
    await proxy.listen(Number(new URL(AMQP_URL).port || 5672));
    worker = new AmqpTransport({ url: AMQP_URL });
    worker.start();
    caller = new AmqpTransport({
      url: `amqp://guest:guest@127.0.0.1:${new URL(proxy.url).port}`,
      reconnectSeconds: 0.05,
      maxReconnectSeconds: 0.1,
      reconnectHoldMs: HOLD_MS,
      maxHeldCalls: MAX_HELD,
      log: counting,
    });
    caller.start();
    await Promise.all([worker.whenReady(10_000), caller.whenReady(10_000)]);
    const release = gate();
    gates.push(release);
    await worker.serve(method, async ({ call }) => {
      const params = JSON.parse(call.params) as { wait?: boolean };
      if (params.wait) await release.promise;
      return resultBody('ok');
    });
    assert.equal((await ask({})).code, undefined);
  });

  it('a call made while the connection is away is published once it is back within the hold', async () => {
    await cut();
    const held = [ask({ n: 1 }), ask({ n: 2 }), ask({ n: 3 })];
    assert.equal(caller.pendingCount, 3);
    await sleep(HOLD_MS / 3);
    await reconnect();
    const answers = await Promise.all(held);
    assert.deepEqual(answers.map((a) => a.code), [undefined, undefined, undefined], JSON.stringify(answers));
    assert.ok(answers.every((a) => a.after < HOLD_MS + 300), JSON.stringify(answers));
  });

  it('broker away past the hold: UNAVAILABLE after the hold, before the deadline, for calls made meanwhile and the one in flight', async () => {
    const inFlight = ask({ wait: true });
    await sleep(100);
    await cut();
    const cutAt = Date.now();
    const late = ask({ n: 'long deadline' }, 10_000);
    const short = ask({ n: 'deadline inside the hold' }, 300);
    const [lateAnswer, shortAnswer, inFlightAnswer] = await Promise.all([late, short, inFlight]);
    assert.equal(lateAnswer.code, ErrorCode.UNAVAILABLE);
    assert.ok(lateAnswer.after >= HOLD_MS - 10 && lateAnswer.after < HOLD_MS + 300, `answered after ${lateAnswer.after} ms, hold ${HOLD_MS}`);
    assert.match(lateAnswer.message ?? '', /reconnect hold/);
    assert.equal(shortAnswer.code, ErrorCode.UNAVAILABLE, 'UNAVAILABLE, not TIMEOUT: it was never published');
    assert.ok(shortAnswer.after < 350, `answered after ${shortAnswer.after} ms, deadline 300`);
    assert.equal(inFlightAnswer.code, ErrorCode.UNAVAILABLE);
    assert.match(inFlightAnswer.message ?? '', /may have run/);
    const sinceCut = Date.now() - cutAt;
    assert.ok(sinceCut < HOLD_MS + 400, `the call in flight was answered ${sinceCut} ms after the cut, not at its 10 s deadline`);
    assert.equal(caller.pendingCount, 0);
    gates[0]!.open();
    await reconnect();
    assert.equal((await ask({})).code, undefined, 'calls work again');
  });

  it(`the hold is bounded: past ${MAX_HELD} held calls, the next are answered UNAVAILABLE at once`, async () => {
    await cut();
    const flood = Array.from({ length: MAX_HELD * 3 }, (_, n) => ask({ n }));
    assert.equal(caller.pendingCount, MAX_HELD, 'only the bound is held');
    const answers = await Promise.all(flood);
    const refusedAtOnce = answers.filter((a) => a.code === ErrorCode.UNAVAILABLE && a.after < 100);
    const afterTheHold = answers.filter((a) => a.code === ErrorCode.UNAVAILABLE && a.after >= HOLD_MS - 10);
    assert.equal(refusedAtOnce.length, MAX_HELD * 2, JSON.stringify(answers.slice(0, 3)));
    assert.ok(refusedAtOnce.every((a) => /too many calls waiting/.test(a.message ?? '')));
    assert.equal(afterTheHold.length, MAX_HELD);
    await reconnect();
    assert.equal((await ask({})).code, undefined);
    assert.equal(caller.pendingCount, 0);
  });
});
