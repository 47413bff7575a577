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
    scale: { input: z.tuple([z.number().meta({ title: 'factor' })]).rest(z.number().meta({ title: 'values' })), output: z.array(z.number()) },
    subtract: {
      input: z.union([z.tuple([z.number(), z.number()]), z.object({ minuend: z.number(), subtrahend: z.number() })]),
      output: z.number(),
    },
    echo: { input: z.object({ text: z.string() }), output: z.string() },
  },
});
const variadicService = implement(variadic, {
  sum: (numbers) => numbers.reduce((total, n) => total + n, 0),
  scale: ([factor, ...values]) => values.map((v) => v * factor),
  subtract: (params) => (Array.isArray(params) ? params[0] - params[1] : params.minuend - params.subtrahend),
  echo: ({ text }) => text,
});

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & { warnings: { obj: object | string; msg: string | undefined }[] } {
  const warnings: { obj: object | string; msg: string | undefined }[] = [];
  return { debug() {}, info() {}, error() {}, warn: (obj, msg) => void warnings.push({ obj, msg }), warnings };
}

const call = (url: string, request: object): Promise<Doc> => FrameSocket.requestOnce(url, request);

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

  it('rpc.discover refuses positional params with -32602: it takes none', async () => {
    const reply = await call(stack.url, { jsonrpc: '2.0', id: 'x', method: 'rpc.discover', params: ['extra'] });
    assert.equal(reply.error?.code, ErrorCode.INVALID_PARAMS);
    assert.deepEqual(reply.error.data.issues.map((issue: Doc) => issue.code), ['too_big']);
  });
});

describe('discovery with variadic and either methods', () => {
  let stack: Stack;
  const log = recordingLogger();
  before(async () => {
    stack = await startStack({ implementations: [variadicService], gateway: { discovery: true, log } });
  });
  after(async () => {
    await stack?.close();
  });

  it('describes them in a valid document, with no warning', async () => {
    const doc = (await (await fetch(`${stack.http}/openrpc.json`)).json()) as Doc;
    assert.equal(validateOpenRPCDocument(doc as never), true);
    assert.deepEqual(log.warnings, []);
    const method = (name: string) => (doc.methods as Doc[]).find((m) => m.name === name)!;
    const sum = method('vari.sum');
    assert.equal(sum.paramStructure, 'by-position');
    assert.deepEqual(sum.params, [{ name: 'rest', required: false, schema: { type: 'number' }, 'x-variadic': true }]);
    const scale = method('vari.scale');
    assert.deepEqual(scale.params.map((p: Doc) => [p.name, p.required, p['x-variadic'] ?? false]), [['factor', true, false], ['values', false, true]]);
    const subtract = method('vari.subtract');
    assert.equal(subtract.paramStructure, 'either');
    assert.deepEqual(subtract.params.map((p: Doc) => [p.name, p.required]), [['minuend', true], ['subtrahend', true]]);
    // The tuple's items are untitled (arg0, arg1): they do not line up with the named params.
    assert.deepEqual(subtract['x-params-by-position'].map((p: Doc) => p.name), ['arg0', 'arg1']);
    assert.deepEqual(doc.components.schemas.VariSubtractInput.oneOf.map((s: Doc) => s.type), ['array', 'object']);
  });

  it('answers rpc.discover with the same document, and serves the methods', async () => {
    const discovered = await call(stack.url, { jsonrpc: '2.0', id: 1, method: 'rpc.discover' });
    assert.equal(discovered.error, undefined, JSON.stringify(discovered.error));
    assert.ok(['vari.sum', 'vari.scale', 'vari.subtract', 'vari.echo'].every((name) => wireNames(discovered.result).includes(name)));
    assert.equal((await call(stack.url, { jsonrpc: '2.0', id: 2, method: 'vari.sum', params: [1, 2, 3] })).result, 6);
    assert.equal((await call(stack.url, { jsonrpc: '2.0', id: 3, method: 'vari.sum' })).result, 0);
    assert.deepEqual((await call(stack.url, { jsonrpc: '2.0', id: 4, method: 'vari.scale', params: [2, 1, 5] })).result, [2, 10]);
    assert.equal((await call(stack.url, { jsonrpc: '2.0', id: 5, method: 'vari.subtract', params: { subtrahend: 2, minuend: 5 } })).result, 3);
    assert.equal((await call(stack.url, { jsonrpc: '2.0', id: 6, method: 'vari.subtract', params: [5, 2] })).result, 3);
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
