/** The OpenRPC and AsyncAPI documents: valid by their own official tools, and saying what we mean. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { dereferenceDocument, validateOpenRPCDocument } from '@open-rpc/schema-utils-js';
import { buildModel, renderAsyncApi, renderOpenRpc } from '../../codegen/index.ts';
import { contracts as sinkContracts } from './fixtures/kitchenSink.ts';
import { ROOT } from './generateInto.ts';

type Doc = Record<string, any>;
const committed = (file: string): Doc => JSON.parse(readFileSync(join(ROOT, 'generated', file), 'utf8'));

async function asyncApiErrors(document: object): Promise<string[]> {
  const diagnostics = await new Parser().validate(JSON.stringify(document));
  return diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join('.')}: ${d.message}`);
}

describe('generated/openrpc.json', () => {
  const doc = committed('openrpc.json');

  it('is a valid OpenRPC 1.3.2 document (validateOpenRPCDocument)', () => {
    assert.equal(doc.openrpc, '1.3.2');
    assert.equal(validateOpenRPCDocument(doc as never), true);
  });

  it('dereferences: every $ref points into components', async () => {
    const resolved = (await dereferenceDocument(structuredClone(doc) as never)) as Doc;
    const send = resolved.methods.find((m: Doc) => m.name === 'chat.send');
    assert.equal(send.result.schema.type, 'object');
    assert.equal(send.errors[0].code, 1001);
  });

  it('lists every method with by-name or by-position params, result and declared errors', () => {
    const names = doc.methods.map((m: Doc) => m.name);
    assert.deepEqual(names, ['chat.signIn', 'chat.join', 'chat.leave', 'chat.send', 'chat.history', 'math.add', 'math.subtract', 'math.sum', 'math.divide', 'math.slow', 'rpc.subscribe', 'rpc.unsubscribe']);
    const add = doc.methods.find((m: Doc) => m.name === 'math.add');
    assert.equal(add.paramStructure, 'by-position');
    assert.deepEqual(add.params.map((p: Doc) => [p.name, p.required, p.schema.type]), [['arg0', true, 'number'], ['arg1', true, 'number']]);
    const subtract = doc.methods.find((m: Doc) => m.name === 'math.subtract');
    assert.equal(subtract.paramStructure, 'either');
    assert.deepEqual(subtract.params.map((p: Doc) => [p.name, p.required, p.schema.type]), [['minuend', true, 'number'], ['subtrahend', true, 'number']]);
    // Its tuple items are titled like the named params, so the one list describes both shapes.
    assert.equal(subtract['x-params-by-position'], undefined);
    assert.deepEqual(subtract['x-params-schema'], { $ref: '#/components/schemas/MathSubtractInput' });
    assert.deepEqual(doc.components.schemas.MathSubtractInput.oneOf.map((s: Doc) => s.type), ['array', 'object']);
    const sum = doc.methods.find((m: Doc) => m.name === 'math.sum');
    assert.equal(sum.paramStructure, 'by-position');
    assert.deepEqual(sum.params, [{ name: 'rest', required: false, schema: { type: 'number' }, 'x-variadic': true }]);
    const history = doc.methods.find((m: Doc) => m.name === 'chat.history');
    assert.equal(history.paramStructure, 'by-name');
    assert.deepEqual(history.params.map((p: Doc) => [p.name, p.required]), [['room', true], ['limit', false]]);
    assert.equal(history.description, 'The latest messages of a room you joined, oldest first.');
    assert.equal(doc.methods.find((m: Doc) => m.name === 'math.slow')['x-timeout-ms'], 5000);
    assert.deepEqual(doc.components.errors.ChatRoomFull.data.required, ['room', 'capacity']);
    assert.equal(doc.components.errors.MathDivisionByZero.code, 2001);
    assert.equal(doc.components.errors.InvalidParams.code, -32602);
  });

  it('validation is not vacuous: a method without params is refused', () => {
    const broken = structuredClone(doc);
    delete broken.methods[0].params;
    assert.notEqual(validateOpenRPCDocument(broken as never), true);
  });

  it('the kitchen-sink contract also gives a valid document', () => {
    assert.equal(validateOpenRPCDocument(renderOpenRpc(buildModel(sinkContracts)) as never), true);
  });

  it('rpc.subscribe has no since param when no event is replayable, and says how each event is delivered', () => {
    const subscribe = doc.methods.find((m: Doc) => m.name === 'rpc.subscribe');
    assert.deepEqual(subscribe.params.map((p: Doc) => p.name), ['event', 'topic']);
    assert.match(subscribe.description, /- `chat\.message`: payload `ChatMessagePayload`, volatile\./);
  });

  it('rpc.subscribe takes an optional since { offset, epoch } when an event is replayable, and lists each retention', () => {
    const sink = renderOpenRpc(buildModel(sinkContracts)) as Doc;
    const subscribe = sink.methods.find((m: Doc) => m.name === 'rpc.subscribe');
    assert.deepEqual(subscribe.params.map((p: Doc) => [p.name, p.required]), [['event', true], ['topic', false], ['since', false]]);
    const since = subscribe.params[2].schema;
    assert.deepEqual(since.required, ['offset', 'epoch']);
    // -1 (with epoch "") is the position before the first event: resume from everything kept.
    assert.deepEqual(since.properties.offset, { type: 'integer', minimum: -1, description: 'The offset to resume after; -1 (with epoch "") is before the first event.' });
    assert.equal(since.properties.epoch.type, 'string');
    assert.match(since.description, /^Replayable events only \(`sink\.changed`, `sink\.logged`\)/);
    assert.match(subscribe.description, /- `sink\.changed`: payload `SinkChangedPayload`, replayable \(maxAge 7D, maxBytes 1000000\)\. Something changed\./);
    assert.match(subscribe.description, /- `sink\.ticked`: payload `SinkTickedPayload`, volatile$/m);
    assert.match(subscribe.description, /- `sink\.logged`: payload `SinkLoggedPayload`, replayable \(maxAge 1D\)$/m);
    // Unsubscribing needs no position.
    const unsubscribe = sink.methods.find((m: Doc) => m.name === 'rpc.unsubscribe');
    assert.deepEqual(unsubscribe.params.map((p: Doc) => p.name), ['event', 'topic']);
  });
});

describe('generated/asyncapi.json', () => {
  const doc = committed('asyncapi.json');

  it('is AsyncAPI 3.0 with zero error diagnostics (@asyncapi/parser)', async () => {
    assert.equal(doc.asyncapi, '3.0.0');
    assert.deepEqual(await asyncApiErrors(doc), []);
  });

  it('describes request/reply per method and the pushed events on the /rpc channel', async () => {
    const { document } = await new Parser().parse(JSON.stringify(doc));
    assert.ok(document);
    assert.equal(document.channels().get('rpc')?.address(), '/rpc');
    const send = document.operations().get('chat.send')!;
    assert.equal(send.action(), 'receive');
    assert.deepEqual(send.messages().all().map((m) => m.name()), ['chat.send.request']);
    assert.deepEqual(send.reply()?.messages().all().map((m) => m.name()), ['chat.send.result', 'chat.RoomFull.error', 'chat.NotMember.error', 'chat.SignInDisabled.error', 'rpc.error']);
    const event = document.operations().get('chat.message')!;
    assert.equal(event.action(), 'send');
    const payload = event.messages().all()[0]!.payload()!.json() as Doc;
    assert.deepEqual(payload.required, ['jsonrpc', 'method', 'params']);
    assert.equal(payload.properties.method.const, 'chat.message');
    assert.deepEqual(payload.properties.params.required, ['topic', 'payload']);
    assert.ok(document.operations().get('rpc.subscribe'));
  });

  it('validation is not vacuous: an operation on an unknown channel is an error', async () => {
    const broken = structuredClone(doc);
    broken.operations['chat.send'].channel = { $ref: '#/channels/nowhere' };
    assert.notDeepEqual(await asyncApiErrors(broken), []);
  });

  it('the kitchen-sink contract also gives a document with no errors', async () => {
    assert.deepEqual(await asyncApiErrors(renderAsyncApi(buildModel(sinkContracts))), []);
  });

  it('states each event\'s delivery: x-warren-delivery and its description; a volatile push has no position', async () => {
    const message = doc.components.messages['chat.message.notification'];
    assert.deepEqual(message['x-warren-delivery'], { kind: 'volatile' });
    assert.match(message.description, /^A message was posted; the topic is the room\.\n\nDelivery: volatile\. .*at most once/);
    assert.equal(doc.operations['chat.message'].description, message.description);
    assert.deepEqual(message.payload.properties.params.required, ['topic', 'payload']);
    assert.equal(message.payload.properties.params.properties.position, undefined);
    assert.equal(doc.components.messages['rpc.subscribe.request'].payload.properties.params.properties.since, undefined);
  });

  describe('a replayable event (fixtures/kitchenSink.ts)', () => {
    const sink = renderAsyncApi(buildModel(sinkContracts)) as Doc;
    const messages = sink.components.messages;
    const params = (key: string) => messages[key].payload.properties.params;

    it('carries its delivery and retention, defaults applied, in x-warren-delivery and its description', () => {
      assert.deepEqual(messages['sink.changed.notification']['x-warren-delivery'], { kind: 'replayable', maxAge: '7D', maxBytes: 1_000_000 });
      assert.deepEqual(messages['sink.logged.notification']['x-warren-delivery'], { kind: 'replayable', maxAge: '1D' });
      assert.deepEqual(messages['sink.ticked.notification']['x-warren-delivery'], { kind: 'volatile' });
      assert.match(messages['sink.changed.notification'].description, /^Something changed\.\n\nDelivery: replayable \(retention: maxAge 7D, maxBytes 1000000\)\./);
      assert.match(messages['sink.logged.notification'].description, /^Delivery: replayable \(retention: maxAge 1D\)\. .*`since`/);
      assert.match(messages['sink.ticked.notification'].description, /^Delivery: volatile\./);
    });

    it('its pushes require position { offset: integer >= 0, epoch: string }; a volatile event\'s have none', () => {
      for (const key of ['sink.changed.notification', 'sink.logged.notification']) {
        assert.deepEqual(params(key).required, ['topic', 'payload', 'position'], key);
        const position = params(key).properties.position;
        assert.deepEqual(position.required, ['offset', 'epoch']);
        assert.equal(position.properties.offset.type, 'integer');
        assert.equal(position.properties.offset.minimum, 0);
        assert.equal(position.properties.epoch.type, 'string');
      }
      assert.deepEqual(params('sink.ticked.notification').required, ['topic', 'payload']);
      assert.equal(params('sink.ticked.notification').properties.position, undefined);
    });

    it('rpc.subscribe takes an optional since of the same shape (its offset may be -1); rpc.unsubscribe does not', () => {
      const subscribe = params('rpc.subscribe.request');
      assert.deepEqual(subscribe.required, ['event']);
      assert.deepEqual(Object.keys(subscribe.properties), ['event', 'topic', 'since']);
      const { description: _a, ...since } = subscribe.properties.since;
      const { description: _b, ...position } = params('sink.changed.notification').properties.position;
      assert.deepEqual(since.required, position.required);
      assert.deepEqual(since.properties.epoch, position.properties.epoch);
      assert.deepEqual({ ...since.properties.offset, minimum: 0, description: '' }, { ...position.properties.offset, description: '' });
      assert.equal(since.properties.offset.minimum, -1);
      assert.match(subscribe.properties.since.description, /`sink\.changed`, `sink\.logged`/);
      assert.deepEqual(Object.keys(params('rpc.unsubscribe.request').properties), ['event', 'topic']);
    });

    it('parses: the position schema is what @asyncapi/parser reads on the push', async () => {
      const { document } = await new Parser().parse(JSON.stringify(sink));
      assert.ok(document);
      const payload = document.operations().get('sink.changed')!.messages().all()[0]!.payload()!.json() as Doc;
      assert.deepEqual(payload.properties.params.required, ['topic', 'payload', 'position']);
      assert.deepEqual(document.messages().get('sink.changed.notification')?.extensions().get('x-warren-delivery')?.value(), { kind: 'replayable', maxAge: '7D', maxBytes: 1_000_000 });
    });
  });
});
