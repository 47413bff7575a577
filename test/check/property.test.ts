/**
 * Property: `warren check` never calls a change safe that breaks a client.
 *
 * For random params and results (grammar.ts) and random edits to them (edits.ts):
 * - when no params finding is breaking, every value valid under the OLD params schema is
 *   accepted by the NEW one;
 * - when no result finding is breaking, every value valid under the NEW result schema is held
 *   by the OLD one as an old client sees it (grammar.ts `toZod(t, 'client')`): its zod schema,
 *   where an open enum, literal or tagged union also holds any value of its unknown case.
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
import { choiceArb, objectArb, toZod, valueArb, type Pred, type T } from './grammar.ts';

const RUNS = Number(process.env.CHECK_PROPERTY_RUNS ?? 1000);
/**
 * Replays a failure: fast-check prints the seed of a failing run. CI runs one fixed seed, so
 * that a landing does not depend on the draw; local runs draw a new one each time.
 */
const SEED_TEXT = process.env.CHECK_PROPERTY_SEED ?? (process.env.CI === 'true' ? '1' : undefined);
const SEED = SEED_TEXT === undefined ? undefined : Number(SEED_TEXT);

const contract = (input: T, output: T): ContractSpec => ({
  service: 'prop',
  methods: { m: { input: toZod(input) as never, output: toZod(output) } },
});

/**
 * No finding in this part of the method says a client may break. Dangerous rules keep the
 * schemas compatible (a removed param is stripped, a removed optional result field was
 * optional), so the property holds for them too: it asks more than "all safe".
 */
const compatible = (findings: Finding[], part: 'input' | 'output') =>
  findings.every((f) => (f.part !== part && !(part === 'input' && f.rule === 'method.params-structure-changed')) || f.severity !== 'breaking');

/**
 * Result rules about values an old SDK can or cannot hold, and the severity each must have: the
 * generator must produce every one of them (closed enums, literals and tagged unions, their open
 * variants, strict objects).
 */
const EXPECTED_SEVERITIES: Record<string, Finding['severity']> = {
  'output.enum-value-added': 'breaking',
  'output.variant-added': 'breaking',
  'output.closed-field-added': 'breaking',
  'output.object-made-open': 'breaking',
  'output.enum-opened': 'breaking',
  'output.union-opened': 'breaking',
  'output.open-enum-value-added': 'safe',
  'output.open-variant-added': 'safe',
  'output.enum-closed': 'safe',
  'output.union-closed': 'safe',
};

/** Random params and results (`outputs`), each with random edits, and values for both. */
const casesOf = (outputs: fc.Arbitrary<Extract<T, { k: 'object' }>>) => fc
  .record({
    input: objectArb.map(repaired),
    inputEdits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
    output: outputs.map(repaired),
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

type Case = { c: { before: { input: T; output: T }; after: { input: T; output: T } }; sent: unknown[]; received: unknown[] };

describe('warren check: property — safe means compatible', () => {
  const FOCUSED = Math.ceil(RUNS / 2);
  it(`holds for ${RUNS} random contract edits, and ${FOCUSED} to enums, literals, tagged unions and strict objects in results`, (t) => {
    const tally = { inputOk: 0, inputOkChanged: 0, outputOk: 0, outputOkChanged: 0 };
    const seen = new Map<string, number>();
    const holds = ({ c, sent, received }: Case) => {
      const [oldIn, newIn] = [toZod(c.before.input), toZod(c.after.input)];
      const [oldOut, newOut] = [toZod(c.before.output, 'client'), toZod(c.after.output)];
      const findings = check(contract(c.before.input, c.before.output), contract(c.after.input, c.after.output));
      for (const f of findings) {
        if (!(f.rule in EXPECTED_SEVERITIES)) continue;
        assert.equal(f.severity, EXPECTED_SEVERITIES[f.rule], f.rule);
        seen.set(f.rule, (seen.get(f.rule) ?? 0) + 1);
      }
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
          assert.ok(oldOut.safeParse(value).success, `result judged compatible, yet an old client cannot hold ${JSON.stringify(value)}\n${JSON.stringify(findings, null, 1)}`);
        }
      }
    };
    const options = { includeErrorInReport: true, ...(SEED === undefined ? {} : { seed: SEED }) };
    fc.assert(fc.property(casesOf(objectArb), holds), { numRuns: RUNS, ...options });
    fc.assert(fc.property(casesOf(choiceArb), holds), { numRuns: FOCUSED, ...options });
    t.diagnostic(`judged compatible: ${JSON.stringify(tally)}`);
    t.diagnostic(`result rules seen: ${JSON.stringify(Object.fromEntries(seen))}`);
    // The generator makes every closed and open construct, and each came out with its severity.
    for (const id of Object.keys(EXPECTED_SEVERITIES)) assert.ok(RUNS < 500 || seen.has(id), `the generator never produced ${id}`);
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
