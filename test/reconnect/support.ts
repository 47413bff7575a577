/** Small helpers shared by the reconnect tests: bounded polling, error assertions, state recording. */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { WarrenClient } from '../../src/client/WarrenClient.ts';
import type { ConnectionState, StateChange } from '../../src/client/ConnectionState.ts';
import { WarrenError } from '../../src/protocol/WarrenError.ts';

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await delay(10);
  }
}

/** Asserts the promise rejects with a WarrenError of this code, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: number): Promise<WarrenError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof WarrenError, `expected a WarrenError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected code ${code}, got ${caught.code}: ${caught.message}`);
  return caught;
}

/** Records every state change of a client. */
export function recordStates(client: WarrenClient): { changes: StateChange[]; states(): ConnectionState[]; distinct(): ConnectionState[] } {
  const changes: StateChange[] = [];
  client.onState((change) => changes.push(change));
  return {
    changes,
    states: () => changes.map((change) => change.state),
    /** The states with repeats in a row folded: one 'reconnecting' per outage, however many attempts. */
    distinct: () => changes.map((change) => change.state).filter((state, i, all) => state !== all[i - 1]),
  };
}

/** A port that was free a moment ago, for a server that must come back on the same port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
