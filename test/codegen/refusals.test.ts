/**
 * Types JSON Schema (or JSON on the wire) cannot carry: codegen throws a CodegenError naming
 * the contract's message and the field path, never writes a silent `{}`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { CodegenError, generate } from '../../codegen/index.ts';
import { defineContract } from '../../src/contract/defineContract.ts';
import { ROOT } from './generateInto.ts';

function refusal(methods: Parameters<typeof defineContract>[0]['methods'], events = {}): CodegenError {
  const contract = defineContract({ service: 'bad', methods, events });
  try {
    generate([contract], { source: 'test' });
  } catch (err) {
    assert.ok(err instanceof CodegenError, String(err));
    return err;
  }
  assert.fail('codegen accepted an unrepresentable contract');
}

const ok = z.object({ id: z.string() });

describe('generate() refuses what JSON Schema cannot express', () => {
  it('z.date() in an input, naming the field path', () => {
    const err = refusal({ create: { input: z.object({ meta: z.object({ when: z.date() }) }), output: ok } });
    assert.equal(err.messageName, 'bad.create input');
    assert.equal(err.path, 'meta.when');
    assert.match(err.message, /bad\.create input at field "meta\.when": Date cannot be represented in JSON Schema; send an ISO 8601 string/);
  });

  it('a transform in an output (its result has no knowable shape)', () => {
    const err = refusal({ read: { input: ok, output: z.object({ items: z.array(z.object({ n: z.string().transform(Number) })) }) } });
    assert.equal(err.messageName, 'bad.read output');
    assert.equal(err.path, 'items[].n');
    assert.match(err.message, /Transforms cannot be represented/);
  });

  it('accepts a transform in an input: the wire carries its input side', () => {
    const contract = defineContract({ service: 'fine', methods: { m: { input: z.object({ n: z.string().transform(Number) }), output: ok } } });
    const schema = JSON.parse(generate([contract], { source: 'test' }).get('schemas/fine.m.input.json')!);
    assert.deepEqual(schema.properties.n, { type: 'string' });
  });

  it('bigint, custom, map, set, symbol, function in any position', () => {
    const cases: [z.ZodType, string, RegExp][] = [
      [z.object({ n: z.bigint() }), 'n', /BigInt/],
      [z.object({ c: z.custom<string>(() => true) }), 'c', /Custom types/],
      [z.object({ m: z.map(z.string(), z.number()) }), 'm', /Map/],
      [z.object({ s: z.record(z.string(), z.set(z.string())) }), 's[string]', /Set/],
      [z.object({ t: z.tuple([z.string(), z.symbol()]) }), 't[1]', /Symbol/],
      [z.object({ u: z.union([z.string(), z.nan()]) }), 'u', /NaN/],
      [z.object({ f: z.function() }), 'f', /Function types/],
    ];
    for (const [output, path, reason] of cases) {
      const err = refusal({ m: { input: ok, output } });
      assert.equal(err.path, path, err.message);
      assert.match(err.message, reason);
    }
  });

  it('z.promise() and z.file(), which zod would map to something that is not what travels', () => {
    assert.equal(refusal({ m: { input: ok, output: z.object({ later: z.promise(z.string()) }) } }).path, 'later');
    assert.equal(refusal({ m: { input: z.object({ upload: z.file() }), output: ok } }).path, 'upload');
  });

  it('a whole message that may be undefined, or void', () => {
    assert.equal(refusal({ m: { input: ok, output: z.string().optional() } }).path, '');
    assert.match(refusal({ m: { input: ok, output: z.void() } }).message, /use z\.null\(\)/);
  });

  it('an event payload, naming the event', () => {
    const err = refusal({ m: { input: ok, output: ok } }, { happened: { payload: z.object({ at: z.date() }) } });
    assert.equal(err.messageName, 'bad.happened payload');
    assert.equal(err.path, 'at');
  });

  it('positional params with a rest element (OpenRPC by-position params are a fixed list)', () => {
    assert.match(refusal({ m: { input: z.tuple([z.string()]).rest(z.number()), output: ok } }).message, /rest element/);
  });

  it('a method named like an SDK member (notify, on)', () => {
    assert.match(refusal({ notify: { input: ok, output: ok } }).message, /clashes with the SDK/);
  });
});

describe('warren codegen with a refused contract', () => {
  it('exits 1 with the message and writes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'warren-refused-'));
    try {
      const result = spawnSync(
        process.execPath,
        ['bin/warren.js', 'codegen', '--service', 'test/codegen/fixtures/refused.ts', '--out', join(out, 'generated')],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(result.status, 1);
      assert.match(result.stderr, /calendar\.booked payload at field "slot\.start": Date cannot be represented/);
      assert.doesNotMatch(result.stderr, /at \w+ \(/, 'no stack trace');
      assert.deepEqual(readdirSync(out), []);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
