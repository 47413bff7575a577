/**
 * Types JSON Schema (or JSON on the wire) cannot carry: defineContract refuses them where the
 * contract is declared, naming the message and the field path, so that neither codegen nor the
 * gateway's discovery document meets them later. codegen keeps the same refusal, as a
 * CodegenError, for a contract that did not come from defineContract.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { CodegenError, generate } from '../../codegen/index.ts';
import { defineContract, type Contract, type ContractSpec } from '../../src/contract/defineContract.ts';
import { ROOT } from './generateInto.ts';

/** The message of the TypeError defineContract throws for this contract. */
function refusal(methods: ContractSpec['methods'], events: ContractSpec['events'] = {}): string {
  try {
    defineContract({ service: 'bad', methods, events });
  } catch (err) {
    assert.ok(err instanceof TypeError, String(err));
    return err.message;
  }
  assert.fail('defineContract accepted an unrepresentable contract');
}

const ok = z.object({ id: z.string() });

describe('defineContract() refuses what JSON Schema cannot express', () => {
  it('z.date() in an input, naming the field path', () => {
    assert.match(
      refusal({ create: { input: z.object({ meta: z.object({ when: z.date() }) }), output: ok } }),
      /^bad\.create input at field "meta\.when": Date cannot be represented in JSON Schema; send an ISO 8601 string/,
    );
  });

  it('a transform in an output (its result has no knowable shape)', () => {
    const message = refusal({ read: { input: ok, output: z.object({ items: z.array(z.object({ n: z.string().transform(Number) })) }) } });
    assert.match(message, /^bad\.read output at field "items\[\]\.n": Transforms cannot be represented/);
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
      const message = refusal({ m: { input: ok, output } });
      assert.ok(message.startsWith(`bad.m output at field "${path}": `), message);
      assert.match(message, reason);
    }
  });

  it('z.promise() and z.file(), which zod would map to something that is not what travels', () => {
    assert.match(refusal({ m: { input: ok, output: z.object({ later: z.promise(z.string()) }) } }), /^bad\.m output at field "later": z\.promise\(\) is not JSON/);
    assert.match(refusal({ m: { input: z.object({ upload: z.file() }), output: ok } }), /^bad\.m input at field "upload": z\.file\(\) cannot travel/);
  });

  it('a whole message that may be undefined, or void', () => {
    assert.match(refusal({ m: { input: ok, output: z.string().optional() } }), /^bad\.m output \(at the root\): a whole message cannot be optional/);
    assert.match(refusal({ m: { input: ok, output: z.void() } }), /use z\.null\(\)/);
  });

  it('an event payload, naming the event', () => {
    assert.match(refusal({ m: { input: ok, output: ok } }, { happened: { payload: z.object({ at: z.date() }) } }), /^bad\.happened payload at field "at": Date/);
  });

  it('a method named like an SDK member (notify, on)', () => {
    assert.match(refusal({ notify: { input: ok, output: ok } }), /clashes with the generated SDK's api\.bad\.notify/);
  });

  it('codegen refuses the same, naming message and path, for a contract that bypassed defineContract', () => {
    const contract = { service: 'bad', methods: { m: { input: z.object({ at: z.object({ when: z.date() }) }), output: ok } }, kind: 'warren.contract' } as Contract;
    assert.throws(
      () => generate([contract], { source: 'test' }),
      (err: unknown) => {
        assert.ok(err instanceof CodegenError, String(err));
        assert.equal(err.messageName, 'bad.m input');
        assert.equal(err.path, 'at.when');
        assert.match(err.message, /^warren codegen: bad\.m input at field "at\.when": Date cannot be represented/);
        return true;
      },
    );
  });
});

describe('warren codegen with a refused contract', () => {
  it('fails to load the module (exit 2) with defineContract\'s message, and writes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'warren-refused-'));
    try {
      const result = spawnSync(
        process.execPath,
        ['bin/warren.js', 'codegen', '--service', 'test/codegen/fixtures/refused.ts', '--out', join(out, 'generated')],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(result.status, 2);
      assert.match(result.stderr, /Could not load service module .*refused\.ts: calendar\.booked payload at field "slot\.start": Date cannot be represented/);
      assert.doesNotMatch(result.stderr, /at \w+ \(/, 'no stack trace');
      assert.deepEqual(readdirSync(out), []);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
