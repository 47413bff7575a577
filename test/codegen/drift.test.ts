/**
 * Drift test: the generated SDK's TypeScript types, turned back into JSON Schema by
 * typescript-json-schema, must equal zod's JSON Schema for the same message after the
 * normalisation documented in schemaDrift.ts and codegen/README.md.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildModel } from '../../codegen/index.ts';
import { contracts } from '../../schemas/index.ts';
import { contracts as sinkContracts } from './fixtures/kitchenSink.ts';
import { generateInto, ROOT } from './generateInto.ts';
import { assertNoDrift, compareSchemas, normalise, typeScriptSchemas } from './schemaDrift.ts';

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('drift: generated/client.ts against the example contracts', () => {
  const fromTs = typeScriptSchemas([join(ROOT, 'generated/client.ts')]);
  for (const message of buildModel(contracts).messages) {
    it(`${message.typeName} ≡ ${message.wireName} ${message.kind}`, () => {
      assertNoDrift(message.typeName, message.schema, fromTs(message.typeName));
    });
  }
});

describe('drift: every supported construct (fixtures/kitchenSink.ts)', () => {
  const dir = generateInto(sinkContracts);
  temps.push(dir);
  const fromTs = typeScriptSchemas([join(dir, 'client.ts')]);
  for (const message of buildModel(sinkContracts).messages) {
    it(`${message.typeName} ≡ ${message.wireName} ${message.kind}`, () => {
      assertNoDrift(message.typeName, message.schema, fromTs(message.typeName));
    });
  }
});

describe('assertNoDrift(message, zod, typescript)', () => {
  it('fails naming the message and the JSON path when an interface is wrong', () => {
    const dir = generateInto(contracts);
    temps.push(dir);
    const file = join(dir, 'mismatched.ts');
    // `text` is a number and `room` optional: two drifts the comparator must both name.
    writeFileSync(file, 'export interface ChatSendInput {\n  room?: string;\n  text: number;\n}\n');
    const send = buildModel(contracts).messages.find((m) => m.typeName === 'ChatSendInput')!;
    assert.throws(
      () => assertNoDrift('ChatSendInput', send.schema, typeScriptSchemas([file])('ChatSendInput')),
      (err: Error) => {
        assert.match(err.message, /^ChatSendInput: the SDK type drifted/);
        assert.match(err.message, /\$\.properties\.text\.type: zod "string" ≠ TypeScript "number"/);
        assert.match(err.message, /\$\.required: zod \["room","text"\] ≠ TypeScript \["text"\]/);
        return true;
      },
    );
  });

  it('fails on a missing property and on a nullable lost', () => {
    const zod = { type: 'object', properties: { a: { type: ['string', 'null'] }, b: { type: 'number' } }, required: ['a', 'b'] };
    const ts = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const paths = compareSchemas(normalise(zod), normalise(ts)).map((d) => d.path);
    assert.deepEqual(paths, ['$.properties.a.anyOf', '$.properties.a.type', '$.properties.b', '$.required']);
  });
});

describe('normalise(schema)', () => {
  it('treats integer as number, drops annotations and constraints TypeScript cannot express', () => {
    assert.deepEqual(normalise({ type: 'integer', minimum: 0, maximum: 9, description: 'n', default: 1 }), { type: 'number' });
    assert.deepEqual(normalise({ type: 'string', minLength: 1, pattern: '^a', format: 'email', title: 't' }), { type: 'string' });
  });

  it('makes type arrays, oneOf, enum and anyOf one sorted union', () => {
    const a = normalise({ type: ['string', 'null'] });
    assert.deepEqual(normalise({ anyOf: [{ type: 'null' }, { type: 'string' }] }), a);
    assert.deepEqual(normalise({ oneOf: [{ type: 'string' }, { type: 'null' }] }), a);
    assert.deepEqual(normalise({ type: 'string', enum: ['b', 'a'] }), normalise({ enum: ['a', 'b'] }));
    assert.deepEqual(normalise({ type: 'number', const: 3 }), { const: 3 });
  });

  it('sets additionalProperties aside on objects with properties, keeps a record value type', () => {
    const closed = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const open = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    assert.deepEqual(normalise(closed), normalise(open));
    assert.notDeepEqual(
      normalise({ type: 'object', additionalProperties: { type: 'number' } }),
      normalise({ type: 'object', additionalProperties: { type: 'string' } }),
    );
  });

  it('keeps tuple length: a closed pair differs from a pair with a rest element', () => {
    const zodPair = { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false, minItems: 2, maxItems: 2 };
    const tsPair = { type: 'array', items: [{ type: 'number' }, { type: 'number' }], minItems: 2, maxItems: 2 };
    assert.deepEqual(normalise(zodPair), normalise(tsPair));
    assert.notDeepEqual(normalise(zodPair), normalise({ ...tsPair, maxItems: undefined, additionalItems: { type: 'number' } }));
  });

  it('compares recursive schemas by shape, whatever the definition names', () => {
    const zod = { $ref: '#/definitions/__schema0', definitions: { __schema0: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/definitions/__schema0' } } }, required: ['kids'] } } };
    const ts = { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/definitions/Tree' } } }, required: ['kids'], definitions: { Tree: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/definitions/Tree' } } }, required: ['kids'] } } };
    assert.deepEqual(compareSchemas(normalise(zod), normalise(ts)), []);
  });
});
