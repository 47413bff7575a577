/**
 * What the JSON-RPC gateway tests (jsonrpc.*.test.ts) share: raw frames and the assertions on
 * them, sockets closed after each test, and the stack they talk to.
 */
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FrameSocket } from './FrameSocket.ts';
import { stackForBlock, startStack, type Stack, type StackOptions } from './stack.ts';

export const SERVICE = 'jrpc';
export const m = (name: string) => `${SERVICE}.${name}`;
export const SHOUTED = m('shouted');

/** Sockets opened by the running test; closeSocketsAfterEach terminates them. */
const opened = new Set<FrameSocket>();

export async function connect(url: string, options?: ConstructorParameters<typeof FrameSocket>[1]): Promise<FrameSocket> {
  const socket = new FrameSocket(url, options);
  opened.add(socket);
  await socket.opened;
  return socket;
}

/** A stack of its own, with other gateway options, for one test; closed after it. */
export async function withStack(options: Omit<StackOptions, 'service'>, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ ...options, service: SERVICE });
  try {
    await run(stack);
  } finally {
    await stack.close();
  }
}

export function request(id: unknown, method: string, params?: unknown, extra: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }), ...extra };
}

export function notification(method: string, params?: unknown) {
  return { jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) };
}

/** Reads frames until one is the response with this id; the frames before it are returned too. */
export async function until(socket: FrameSocket, id: unknown, timeoutMs = 10_000): Promise<{ response: any; before: any[] }> {
  const before: any[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await socket.next(Math.max(1, deadline - Date.now()));
    if (!Array.isArray(frame) && frame.id === id && ('result' in frame || 'error' in frame)) return { response: frame, before };
    before.push(frame);
  }
}

/** A request whose reply must be the very next frame: proves nothing else was sent in between. */
export async function assertNextIsSentinel(socket: FrameSocket, tag: string): Promise<void> {
  const reply = await socket.request(request(`sentinel-${tag}`, m('echo'), { value: tag }));
  assert.equal(reply.id, `sentinel-${tag}`, `expected the sentinel reply, got ${JSON.stringify(reply)}`);
  assert.deepEqual(reply.result.value, tag);
}

export function assertError(frame: any, code: number, id: unknown = frame.id): void {
  assert.ok(frame && typeof frame === 'object' && !Array.isArray(frame), `expected one response object, got ${JSON.stringify(frame)}`);
  assert.equal(frame.jsonrpc, '2.0');
  assert.ok(Object.hasOwn(frame, 'id'), 'an error response always carries an id');
  assert.deepEqual(frame.id, id);
  assert.ok(!Object.hasOwn(frame, 'result'), 'an error response has no result');
  assert.equal(typeof frame.error?.message, 'string');
  assert.equal(frame.error.code, code, `expected code ${code}, got ${JSON.stringify(frame.error)}`);
}

export function sortIds(ids: unknown[]): unknown[] {
  return [...ids].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function assertIssues(error: any): void {
  const issues = error?.data?.issues;
  assert.ok(Array.isArray(issues), `error.data.issues must be an array, got ${JSON.stringify(error)}`);
  for (const issue of issues) {
    assert.deepEqual(Object.keys(issue).sort(), ['code', 'message', 'path']);
    assert.equal(typeof issue.code, 'string');
    assert.equal(typeof issue.message, 'string');
    assert.ok(Array.isArray(issue.path));
  }
}

/** Terminates, after each test of the describe block it is called in, the sockets that test opened. */
export function closeSocketsAfterEach(): void {
  afterEach(async () => {
    const closing = [...opened].map((socket) => {
      socket.ws.terminate();
      return socket.closed;
    });
    opened.clear();
    await Promise.all(closing);
  });
}

/** The stack most tests talk to, for the describe block it is called in: maxBatch 8, to test the limit cheaply. */
export function sharedStack(): Stack {
  return stackForBlock({ service: SERVICE, gateway: { maxBatch: 8 } });
}
