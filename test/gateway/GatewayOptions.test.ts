/** new Gateway(options): defaults merged in one place, every bad value refused by name. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_DEFAULTS, resolveGatewayOptions, type GatewayOptions } from '../../src/gateway/GatewayOptions.ts';
import { Gateway } from '../../src/gateway/Gateway.ts';
import { MemoryBroker } from '../../src/transport/MemoryBroker.ts';
import { MemoryTransport } from '../../src/transport/MemoryTransport.ts';

const base: GatewayOptions = { transport: new MemoryTransport({ broker: new MemoryBroker() }), contracts: [] };

describe('resolveGatewayOptions(options)', () => {
  it('fills every limit with its documented default', () => {
    const resolved = resolveGatewayOptions(base);
    for (const [name, value] of Object.entries(GATEWAY_DEFAULTS)) assert.equal(resolved[name as keyof typeof resolved], value, name);
    assert.deepEqual(
      { frameRate: resolved.frameRate, frameBurst: resolved.frameBurst, handshakeTimeoutMs: resolved.handshakeTimeoutMs, idleTimeoutMs: resolved.idleTimeoutMs },
      { frameRate: 5000, frameBurst: 10000, handshakeTimeoutMs: 5000, idleTimeoutMs: 0 },
    );
  });

  it('keeps values given and lets 0 switch off what may be switched off', () => {
    const resolved = resolveGatewayOptions({ ...base, frameRate: 0, rateLimitCloseMs: 0, idleTimeoutMs: 0, heartbeatMs: 0, maxConnections: 3 });
    assert.equal(resolved.frameRate, 0);
    assert.equal(resolved.maxConnections, 3);
  });

  const bad: [keyof GatewayOptions, unknown][] = [
    ['maxPayload', 0],
    ['defaultTimeoutMs', 2 ** 31],
    ['maxBatch', 1.5],
    ['maxInFlight', -1],
    ['maxSubscriptions', '10'],
    ['heartbeatMs', -1],
    ['frameRate', Number.NaN],
    ['frameBurst', 0],
    ['rateLimitCloseMs', Infinity],
    ['sendHighWaterMark', 0],
    ['sendLowWaterMark', GATEWAY_DEFAULTS.sendHighWaterMark + 1],
    ['slowReaderTimeoutMs', 0],
    ['handshakeTimeoutMs', 0],
    ['maxPendingUpgrades', 0],
    ['maxConnections', 0],
    ['idleTimeoutMs', -5],
    ['authenticate', 'yes'],
    ['authorize', {}],
    ['allowedOrigins', 'https://app.example'],
  ];
  for (const [name, value] of bad) {
    it(`throws a TypeError naming ${name} for ${String(value)}`, () => {
      assert.throws(() => resolveGatewayOptions({ ...base, [name]: value }), (err: Error) => err instanceof TypeError && err.message.startsWith(name));
      assert.throws(() => new Gateway({ ...base, [name]: value }), TypeError);
    });
  }

  it('refuses a frameBurst smaller than maxBatch, since such a batch could never pass', () => {
    assert.throws(() => resolveGatewayOptions({ ...base, maxBatch: 50, frameBurst: 10 }), /^TypeError: frameBurst/);
    assert.doesNotThrow(() => resolveGatewayOptions({ ...base, maxBatch: 50, frameBurst: 10, frameRate: 0 }));
  });

  it('requires a transport and a contracts array', () => {
    assert.throws(() => resolveGatewayOptions({ contracts: [] } as unknown as GatewayOptions), /^TypeError: transport/);
    assert.throws(() => resolveGatewayOptions({ transport: base.transport } as GatewayOptions), /^TypeError: contracts/);
  });
});
