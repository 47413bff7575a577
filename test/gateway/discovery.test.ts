/**
 * GatewayOptions.discovery on a gateway built in code: `GET /openrpc.json` and `rpc.discover`
 * answer the contracts' OpenRPC document; a method the document cannot describe (positional
 * params with a rest element) is left out of it alone, with one warning naming it.
 * (test/codegen/discovery.test.ts checks the same through `warren serve`.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { z } from 'zod';
import { ErrorCode } from 'warren-client/protocol';
import { defineContract } from '../../src/contract/defineContract.ts';
import { implement, type Logger } from '../../src/contract/implement.ts';
import { FrameSocket } from '../helpers/FrameSocket.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

type Doc = Record<string, any>;

const variadic = defineContract({
  service: 'vari',
  methods: {
    sum: { input: z.tuple([]).rest(z.number()), output: z.number() },
    echo: { input: z.object({ text: z.string() }), output: z.string() },
  },
});
const variadicService = implement(variadic, {
  sum: (numbers) => numbers.reduce((total, n) => total + n, 0),
  echo: ({ text }) => text,
});

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & { warnings: { obj: object | string; msg: string | undefined }[] } {
  const warnings: { obj: object | string; msg: string | undefined }[] = [];
  return { debug() {}, info() {}, error() {}, warn: (obj, msg) => void warnings.push({ obj, msg }), warnings };
}

async function call(url: string, request: object): Promise<Doc> {
  const socket = await FrameSocket.open(url);
  try {
    return await socket.request(request);
  } finally {
    socket.ws.close();
    await socket.closed;
  }
}

const wireNames = (doc: Doc) => (doc.methods as { name: string }[]).map((method) => method.name);

describe('new Gateway({ discovery: true }) embedded', () => {
  let stack: Stack;
  const log = recordingLogger();
  before(async () => {
    stack = await startStack({ gateway: { discovery: true, log } });
  });
  after(async () => {
    await stack?.close();
  });

  it('GET /openrpc.json answers a valid OpenRPC document naming this gateway', async () => {
    const response = await fetch(`${stack.http}/openrpc.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const doc = (await response.json()) as Doc;
    assert.equal(validateOpenRPCDocument(doc as never), true);
    assert.deepEqual(doc.servers, [{ name: 'this gateway', url: stack.url }]);
    assert.ok(wireNames(doc).includes('math.add'), wireNames(doc).join(', '));
    assert.ok(wireNames(doc).includes(`${stack.service}.echo`), wireNames(doc).join(', '));
    assert.deepEqual(log.warnings, [], 'every method of these contracts is described');
  });

  it('rpc.discover answers the same document', async () => {
    const served = (await (await fetch(`${stack.http}/openrpc.json`)).json()) as Doc;
    const reply = await call(stack.url, { jsonrpc: '2.0', id: 'd', method: 'rpc.discover' });
    assert.equal(reply.id, 'd');
    assert.deepEqual(reply.result, served);
  });
});

describe('discovery with a variadic method', () => {
  let stack: Stack;
  const log = recordingLogger();
  before(async () => {
    stack = await startStack({ implementations: [variadicService], gateway: { discovery: true, log } });
  });
  after(async () => {
    await stack?.close();
  });

  it('leaves that method alone out of the document, and says once which one', async () => {
    const doc = (await (await fetch(`${stack.http}/openrpc.json`)).json()) as Doc;
    assert.equal(validateOpenRPCDocument(doc as never), true);
    const names = wireNames(doc);
    assert.ok(!names.includes('vari.sum'), names.join(', '));
    assert.ok(names.includes('vari.echo') && names.includes('math.add'), names.join(', '));
    assert.equal(log.warnings.length, 1, JSON.stringify(log.warnings));
    assert.equal((log.warnings[0]!.obj as { method?: string }).method, 'vari.sum');
    assert.match(log.warnings[0]!.msg ?? '', /vari\.sum/);
  });

  it('still answers rpc.discover, and still serves the method', async () => {
    const discovered = await call(stack.url, { jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
    assert.equal(discovered.error, undefined, JSON.stringify(discovered.error));
    assert.ok(wireNames(discovered.result).includes('vari.echo'));
    const sum = await call(stack.url, { jsonrpc: '2.0', id: 2, method: 'vari.sum', params: [1, 2, 3] });
    assert.equal(sum.result, 6);
  });
});

describe('a gateway without discovery', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('serves no document: /openrpc.json is 404 and rpc.discover -32601', async () => {
    assert.equal((await fetch(`${stack.http}/openrpc.json`)).status, 404);
    const reply = await call(stack.url, { jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
    assert.equal(reply.error?.code, ErrorCode.METHOD_NOT_FOUND);
  });
});
