/**
 * The inclusion tests behind `constraint-loosened` for patterns and formats: every "included"
 * answer is checked against strings that match the narrower side, and the subset's edges
 * (groups, alternation, lookaround, flags) answer "not provably included".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIncluded } from '../../codegen/check/formats.ts';
import { regexIncluded } from '../../codegen/check/regexInclusion.ts';

const SAMPLES = ['', 'a', 'ab', 'abc', 'a1', 'z9-', 'A', 'aaaa', 'a-b', 'x'.repeat(40), '12', 'a.b', 'a\nb', ' ', 'ÿ', 'é'];

describe('regexIncluded(a, b)', () => {
  const included: [string, string][] = [
    ['^[a-z]{1,32}$', '^[a-z0-9-]{1,64}$'],
    ['^[a-c]*$', '^[a-z]*$'],
    ['^a[a-z]*$', '^[a-z]+$'],
    ['^\\d{2}$', '^[0-9]+$'],
    ['^[a-z]+$', '^[^A-Z]*$'],
    ['^[a-z]{2}$', '^[a-z]{1,2}$'],
    ['^a{1,2}a{3}$', '^a{4,5}$'],
    ['^[a-z]+$', '^.*$'],
  ];
  for (const [a, b] of included) {
    it(`${a} ⊆ ${b}`, () => {
      assert.equal(regexIncluded(a, b), true);
      for (const s of SAMPLES) if (new RegExp(a).test(s)) assert.ok(new RegExp(b).test(s), `${JSON.stringify(s)} matches ${a} but not ${b}`);
    });
  }
  const not: [string, string][] = [
    ['^[a-z0-9-]{1,64}$', '^[a-z]{1,32}$'],
    ['^[a-z]*$', '^[a-z]+$'],
    ['^(ab)+$', '^(ab|c)+$'],
    ['^a$', '^(?=a)a$'],
    ['^a|b$', '^[ab]$'],
    ['^\\bab$', '^[a-z]+$'],
    ['a', '^a$'],
    ['^.$', '^[^x]$'],
    ['^ab$', 'a'],
  ];
  for (const [a, b] of not) it(`${a} ⊄ ${b} (or not provable)`, () => assert.equal(regexIncluded(a, b), false));
});

describe('formatIncluded(f, g)', () => {
  const yes: [object, object][] = [
    [{ name: 'uuid' }, { name: 'guid' }],
    [{ name: 'uuid', version: 'v4' }, { name: 'uuid' }],
    [{ name: 'datetime', offset: false, local: false, precision: null }, { name: 'datetime', offset: true, local: false, precision: null }],
    [{ name: 'datetime', offset: false, local: false, precision: 3 }, { name: 'datetime', offset: false, local: false, precision: null }],
    [{ name: 'time', precision: -1 }, { name: 'time', precision: null }],
  ];
  const no: [object, object][] = [
    [{ name: 'guid' }, { name: 'uuid' }],
    [{ name: 'uuid' }, { name: 'uuid', version: 'v4' }],
    [{ name: 'datetime', offset: true, local: false, precision: null }, { name: 'datetime', offset: false, local: false, precision: null }],
    [{ name: 'datetime', offset: false, local: false, precision: -1 }, { name: 'datetime', offset: false, local: false, precision: null }],
    [{ name: 'email' }, { name: 'uuid' }],
    [{ name: 'regex', source: '^[a-z]+$', flags: 'i' }, { name: 'regex', source: '^[a-z]*$', flags: 'i' }],
  ];
  for (const [f, g] of yes) it(`${JSON.stringify(f)} ⊆ ${JSON.stringify(g)}`, () => assert.equal(formatIncluded(f as never, g as never), true));
  for (const [f, g] of no) it(`${JSON.stringify(f)} ⊄ ${JSON.stringify(g)}`, () => assert.equal(formatIncluded(f as never, g as never), false));
});
