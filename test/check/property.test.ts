/**
 * Property: `warren check` never calls a change safe that breaks a client.
 *
 * For random params and results (grammar.ts) and random edits to them (edits.ts):
 * - when no params finding is breaking, every value valid under the OLD params schema is
 *   accepted by the NEW one;
 * - when no result finding is breaking (nor one of the two dangerous widenings below), every
 *   value valid under the NEW result schema is accepted by the OLD one.
 * That is stronger than the "safe ⇒ compatible": a change with only safe findings
 * qualifies, and so does one with dangerous findings that keep the schemas compatible.
 * Values come from the grammar and are checked against the zod schema they were made for, so a
 * generator bug cannot pass for a checker bug. A counterexample is a checker bug.
 *
 * A second property pins the severity of edits to what only zod sees (refinements, transforms,
 * coercion, catch, preprocess steps): on a field of the params, each is a breaking finding of
 * its own rule at that field, whatever the field's type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Finding } from '../../codegen/check/index.ts';
import type { ContractSpec } from '../../src/contract/defineContract.ts';
import { check } from './checkContracts.ts';
import { applyEdits, editArb, repaired } from './edits.ts';
import { objectArb, toZod, valueArb, type Pred, type T } from './grammar.ts';

const RUNS = Number(process.env.CHECK_PROPERTY_RUNS ?? 1000);
/** Replays a failure: fast-check prints the seed of a failing run. */
const SEED = process.env.CHECK_PROPERTY_SEED === undefined ? undefined : Number(process.env.CHECK_PROPERTY_SEED);

const contract = (input: T, output: T): ContractSpec => ({
  service: 'prop',
  methods: { m: { input: toZod(input) as never, output: toZod(output, true) } },
});

/**
 * Dangerous findings that do widen what clients receive: an old client's exhaustive switch sees
 * a value it was never told about. Every other dangerous rule keeps the schemas compatible
 * (a removed param is stripped, a removed optional result field was optional), so the property
 * below holds for them too: it asks more than "all safe".
 */
const DANGEROUS_WIDENINGS = new Set(['output.enum-value-added', 'output.variant-added']);

/** No finding in this part of the method says a client may break. */
const compatible = (findings: Finding[], part: 'input' | 'output') =>
  findings.every(
    (f) =>
      (f.part !== part && !(part === 'input' && f.rule === 'method.params-structure-changed')) ||
      (f.severity !== 'breaking' && !DANGEROUS_WIDENINGS.has(f.rule)),
  );

const caseArb = fc
  .record({
    input: objectArb.map(repaired),
    inputEdits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
    output: objectArb.map(repaired),
    outputEdits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
  })
  .map(({ input, inputEdits, output, outputEdits }) => ({
    before: { input, output },
    after: { input: applyEdits(input, inputEdits), output: applyEdits(output, outputEdits) },
  }))
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      sent: fc.array(valueArb(c.before.input, 'input'), { minLength: 1, maxLength: 12 }),
      received: fc.array(valueArb(c.after.output, 'output'), { minLength: 1, maxLength: 12 }),
    }),
  );

describe('warren check: property — safe means compatible', () => {
  it(`holds for ${RUNS} random contract edits`, (t) => {
    const tally = { inputOk: 0, inputOkChanged: 0, outputOk: 0, outputOkChanged: 0 };
    fc.assert(
      fc.property(caseArb, ({ c, sent, received }) => {
        const [oldIn, newIn] = [toZod(c.before.input), toZod(c.after.input)];
        const [oldOut, newOut] = [toZod(c.before.output, true), toZod(c.after.output, true)];
        const findings = check(contract(c.before.input, c.before.output), contract(c.after.input, c.after.output));
        for (const value of sent) assert.ok(oldIn.safeParse(value).success, `generator: ${JSON.stringify(value)} invalid under old params`);
        for (const value of received) assert.ok(newOut.safeParse(value).success, `generator: ${JSON.stringify(value)} invalid under new result`);
        if (compatible(findings, 'input')) {
          tally.inputOk++;
          if (findings.some((f) => f.part === 'input')) tally.inputOkChanged++;
          for (const value of sent) {
            assert.ok(newIn.safeParse(value).success, `params judged compatible, yet new params reject ${JSON.stringify(value)}\n${JSON.stringify(findings, null, 1)}`);
          }
        }
        if (compatible(findings, 'output')) {
          tally.outputOk++;
          if (findings.some((f) => f.part === 'output')) tally.outputOkChanged++;
          for (const value of received) {
            assert.ok(oldOut.safeParse(value).success, `result judged compatible, yet old result rejects ${JSON.stringify(value)}\n${JSON.stringify(findings, null, 1)}`);
          }
        }
      }),
      { numRuns: RUNS, includeErrorInReport: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    t.diagnostic(`judged compatible: ${JSON.stringify(tally)}`);
    // Not vacuous: many edits are judged compatible, and many of those did change the schema.
    assert.ok(tally.inputOkChanged >= RUNS / 20, `too few compatible params changes: ${JSON.stringify(tally)}`);
    assert.ok(tally.outputOkChanged >= RUNS / 20, `too few compatible result changes: ${JSON.stringify(tally)}`);
  });
});

/** One edit to a params field that only zod's own account (the lock's x-zod) can see, and the rule it must trigger. */
const zodEditArb = fc
  .record({ input: objectArb.map((o) => repaired(o) as typeof o), field: fc.nat(), arg: fc.nat({ max: 20 }) })
  .filter(({ input }) => input.fields.length > 0)
  .map(({ input, field, arg }) => {
    const after = structuredClone(input) as typeof input;
    const f = after.fields[field % after.fields.length]!;
    const t = f.type;
    let expected: string;
    if (t.k === 'number' && arg % 3 === 1 && (t.coerce || t.catch || t.preprocess)) {
      if (t.coerce) [t.coerce, expected] = [false, 'input.coerce-removed'];
      else if (t.catch) [t.catch, expected] = [false, 'input.catch-removed'];
      else [t.preprocess, expected] = [false, 'input.transform-changed'];
    } else if (t.k === 'string' && arg % 3 === 2) {
      [t.trim, expected] = [!t.trim, 'input.transform-changed'];
    } else {
      const had = t.refine;
      const options = ([undefined, 'noSpace', 'noX'] as (Pred | undefined)[]).filter((p) => p !== had);
      t.refine = options[arg % options.length];
      expected = had === undefined ? 'input.refinement-added' : t.refine === undefined ? 'input.refinement-removed' : 'input.refinement-changed';
    }
    return { before: input, after, name: f.name, expected, skip: t.k === 'format' && expected.includes('refinement') };
  });

describe('warren check: property — what only zod sees still breaks params', () => {
  it(`holds for ${Math.ceil(RUNS / 2)} random edits to a refinement, transform, coercion, catch or preprocess step`, () => {
    const empty: T = { k: 'object', fields: [], strict: false };
    let checked = 0;
    fc.assert(
      fc.property(zodEditArb, ({ before, after, name, expected, skip }) => {
        if (skip) return;
        checked++;
        const findings = check(contract(before, empty), contract(after, empty));
        const hit = findings.some((f) => f.part === 'input' && f.rule === expected && f.severity === 'breaking' && f.path.startsWith(`$.${name}`));
        assert.ok(hit, `expected ${expected} at $.${name}, got\n${JSON.stringify(findings, null, 1)}`);
      }),
      { numRuns: Math.ceil(RUNS / 2), includeErrorInReport: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    assert.ok(checked >= RUNS / 4, `too few applicable edits: ${checked}`);
  });
});
