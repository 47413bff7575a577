/**
 * The generated SDK carries each method's `idempotent` from the contract to the runtime:
 * after a lost connection the idempotent method's call is resent and answered, the other's
 * rejects with CONNECTION_LOST, with no option set by the app.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ClientOptions } from '../../packages/warren-client/src/ClientOptions.ts';
import type { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import { ErrorCode } from 'warren-client/protocol';
import { generateInto } from '../codegen/generateInto.ts';
import { flakyContract, flakyService } from './flakyService.ts';
import { eventually, rejectsWith, stackBehindProxy } from '../helpers/clients.ts';

const SERVICE = 'rsdk';
const { implementation, runs } = flakyService(SERVICE);

type Row = { id: string; run: number };
interface FlakySdk {
  connect(options: ClientOptions): {
    rsdk: { charge(input: { id: string; ms: number }): Promise<Row>; lookup(input: { id: string; ms: number }, options?: { idempotent?: boolean }): Promise<Row> };
    $client: WarrenClient;
  };
}

describe('generated SDK: idempotent methods from the contract', () => {
  const { stack, proxy } = stackBehindProxy({ service: 'rsdkkit', implementations: [implementation] });
  let dir: string;

  before(() => {
    dir = generateInto([flakyContract(SERVICE)], 'warren-reconnect-sdk-');
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('only the idempotent method passes { idempotent: true }, and the caller may still override it', () => {
    const text = readFileSync(join(dir, 'client.ts'), 'utf8');
    assert.match(text, /lookup: \(input, options\) => client\.call<RsdkLookupOutput>\('rsdk\.lookup', params\(input\), \{ idempotent: true, \.\.\.options \}\),/);
    assert.match(text, /charge: \(input, options\) => client\.call<RsdkChargeOutput>\('rsdk\.charge', params\(input\), options\),/);
    assert.match(text, /Idempotent: a call cut off by a lost connection is sent again/);
  });

  it('after a cut the idempotent call is resent and answered; the other rejects with CONNECTION_LOST', async () => {
    const sdk = (await import(join(dir, 'client.ts'))) as FlakySdk;
    const api = sdk.connect({ url: proxy.url, WebSocket: WebSocket as never, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, heartbeatMs: 0 });
    try {
      await api.$client.ready();
      const charge = rejectsWith(api.rsdk.charge({ id: 'sdk-charge', ms: 500 }), ErrorCode.CONNECTION_LOST);
      const lookup = api.rsdk.lookup({ id: 'sdk-lookup', ms: 500 });
      const optedOut = rejectsWith(api.rsdk.lookup({ id: 'sdk-opted-out', ms: 500 }, { idempotent: false }), ErrorCode.CONNECTION_LOST);
      await eventually(() => stack.gateway.inFlight === 3, 'the calls reached the gateway');
      proxy.cut();
      await charge;
      await optedOut;
      assert.deepEqual(await lookup, { id: 'sdk-lookup', run: 2 });
      assert.equal(runs.get('sdk-charge'), 1);
      assert.equal(runs.get('sdk-opted-out'), 1);
    } finally {
      api.$client.close();
    }
  });
});
