/**
 * Helpers shared by the client and reconnect tests: bounded polling, error assertions, state
 * and frame recording, and the stack behind a TcpProxy with the clients of one describe block.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, afterEach, before } from 'node:test';
import WebSocket from 'ws';
import { WarrenClient } from '../../packages/warren-client/src/WarrenClient.ts';
import type { ClientOptions, WebSocketConstructor } from '../../packages/warren-client/src/ClientOptions.ts';
import type { ConnectionState, StateChange } from '../../packages/warren-client/src/ConnectionState.ts';
import { WarrenError } from 'warren-client/protocol';
import { stackForBlock, type Stack, type StackOptions } from './stack.ts';
import { TcpProxy } from './TcpProxy.ts';
import { waitFor } from './async.ts';

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
export function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return waitFor(check, timeoutMs, what);
}

/** `ws` as the client's WebSocket. */
const Socket = WebSocket as unknown as WebSocketConstructor;

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

/** A frame the client sent, as the tests read it. */
export interface SentFrame {
  id?: number | string;
  method: string;
  params?: any;
  timeoutMs?: number;
}

/**
 * `ws`, recording every frame the client sends into `sent` (or what `pick` takes of it): a
 * hand-written spy, no mocking library.
 */
export function recordingWebSocket<T = SentFrame>(sent: T[], pick: (frame: SentFrame) => T = (frame) => frame as T): WebSocketConstructor {
  return function RecordingWebSocket(url: string) {
    const ws = new WebSocket(url);
    const send = ws.send.bind(ws);
    ws.send = ((data: string) => {
      sent.push(pick(JSON.parse(data)));
      send(data);
    }) as typeof ws.send;
    return ws;
  } as unknown as WebSocketConstructor;
}

/**
 * A factory of clients (`ws` as their WebSocket, then `defaults()`, then the options given) that
 * closes every client it made after each test of the describe block it is called in.
 */
export function clientsClosedAfterEach(defaults: () => Partial<ClientOptions> & { url: string }): (options?: Partial<ClientOptions>) => WarrenClient {
  const clients = new Set<WarrenClient>();
  afterEach(() => {
    for (const open of clients) open.close();
    clients.clear();
  });
  return (options = {}) => {
    const created = new WarrenClient({ WebSocket: Socket, ...defaults(), ...options });
    clients.add(created);
    return created;
  };
}

/** Emits the testkit's `shouted` event through a client of its own, straight to the gateway at `url`. */
export async function publishShout(url: string, service: string, topic: string, text: string): Promise<void> {
  const publisher = new WarrenClient({ url, WebSocket: Socket, reconnect: false });
  try {
    assert.deepEqual(await publisher.call(`${service}.shout`, { topic, text }), { ok: true });
  } finally {
    publisher.close();
  }
}

export interface ProxiedStack {
  /** The in-process stack, reached directly. */
  stack: Stack;
  /** Between the clients and the stack's gateway. */
  proxy: TcpProxy;
  /** A client through the proxy, closed after the test. */
  client(options?: Partial<ClientOptions>): WarrenClient;
  /** Cuts the line and keeps the gateway unreachable through the proxy until `reopen()`. */
  outage(client: WarrenClient): Promise<{ reopen(): Promise<void> }>;
}

/**
 * Hooks of the describe block it is called in: an in-process stack behind a TcpProxy for the
 * whole block; after each test, the clients closed and the proxy accepting again.
 */
export function stackBehindProxy(stackOptions: StackOptions, clientDefaults: Partial<ClientOptions> = {}): ProxiedStack {
  const stack = stackForBlock(stackOptions);
  const proxy = new TcpProxy();
  before(async () => {
    await proxy.listen(Number(new URL(stack.url).port));
  });
  after(async () => {
    await proxy.close();
  });
  const client = clientsClosedAfterEach(() => ({ url: proxy.url, ...clientDefaults }));
  afterEach(() => {
    proxy.refusing = false;
  });
  async function outage(c: WarrenClient): Promise<{ reopen(): Promise<void> }> {
    proxy.refusing = true;
    proxy.cut();
    await eventually(() => c.state === 'reconnecting', 'the client noticed');
    return {
      async reopen() {
        proxy.refusing = false;
        await eventually(() => c.state === 'open', 'reconnected');
      },
    };
  }
  return { stack, proxy, client, outage };
}
