/** Client options: defaults merged in one place, bad values refused with a TypeError naming the option. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { resolveClientOptions, type ClientOptions, type WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';

const base = { url: 'ws://127.0.0.1:1/rpc', WebSocket: WebSocket as unknown as WebSocketConstructor };

describe('resolveClientOptions(options)', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveClientOptions(base);
    assert.equal(resolved.timeoutMs, 30_000);
    assert.equal(resolved.heartbeatMs, 15_000);
    assert.equal(resolved.heartbeatTimeoutMs, 5000);
    assert.equal(resolved.connectTimeoutMs, 10_000);
    assert.ok(resolved.reconnect);
    const { random, ...policy } = resolved.reconnect;
    assert.deepEqual(policy, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: Number.POSITIVE_INFINITY });
    assert.equal(random, Math.random);
  });

  it('reconnect: true is the defaults, reconnect: false turns reconnecting off, an object overrides some', () => {
    assert.deepEqual({ ...resolveClientOptions({ ...base, reconnect: true }).reconnect }, { ...resolveClientOptions(base).reconnect });
    assert.equal(resolveClientOptions({ ...base, reconnect: false }).reconnect, false);
    const random = () => 0.25;
    const policy = resolveClientOptions({ ...base, reconnect: { initialDelayMs: 10, maxAttempts: 3, random } }).reconnect;
    assert.ok(policy);
    assert.equal(policy.initialDelayMs, 10);
    assert.equal(policy.maxDelayMs, 30_000);
    assert.equal(policy.maxAttempts, 3);
    assert.equal(policy.random, random);
  });

  it('heartbeatMs: 0 turns the heartbeat off', () => {
    assert.equal(resolveClientOptions({ ...base, heartbeatMs: 0 }).heartbeatMs, 0);
  });

  const bad: [string, Partial<ClientOptions> | Record<string, unknown>][] = [
    ['url', { url: '' }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: 2 ** 31 }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['heartbeatMs', { heartbeatMs: -1 }],
    ['heartbeatTimeoutMs', { heartbeatTimeoutMs: 0 }],
    ['connectTimeoutMs', { connectTimeoutMs: '5' }],
    ['reconnect', { reconnect: 'yes' }],
    ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: -5 } }],
    ['reconnect.maxDelayMs', { reconnect: { maxDelayMs: Infinity } }],
    ['reconnect.maxDelayMs', { reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }],
    ['reconnect.factor', { reconnect: { factor: 0.5 } }],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: 1.5 } }],
    ['reconnect.maxAttempts', { reconnect: { maxAttempts: -1 } }],
    ['reconnect.random', { reconnect: { random: 0.5 } }],
  ];
  for (const [name, options] of bad) {
    it(`refuses a bad ${name}: ${JSON.stringify(options)}`, () => {
      assert.throws(() => resolveClientOptions({ ...base, ...options } as ClientOptions), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.ok(error.message.startsWith(name), error.message);
        return true;
      });
    });
  }

  it('refuses a missing WebSocket implementation where there is no global one', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      assert.throws(() => resolveClientOptions({ url: base.url }), TypeError);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });
});
