import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatTraceparent, parseTraceparent } from '../../src/protocol/traceContext.ts';

const RUNS = { numRuns: 2000 };
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const traceId = hex(32).filter((id) => !/^0+$/.test(id));
const spanId = hex(16).filter((id) => !/^0+$/.test(id));
const flags = fc.integer({ min: 0, max: 255 });

/** W3C's rules for a traceparent, written out independently of the parser's regular expression. */
function oracle(text: string): boolean {
  const parts = text.split('-');
  if (parts.length < 4) return false;
  const [version, trace, span, flag] = parts as [string, string, string, string];
  const isHex = (s: string, n: number) => s.length === n && [...s].every((c) => '0123456789abcdef'.includes(c));
  if (!isHex(version, 2) || version === 'ff') return false;
  if (!isHex(trace, 32) || !isHex(span, 16) || !isHex(flag.slice(0, 2), 2)) return false;
  if (/^0+$/.test(trace) || /^0+$/.test(span)) return false;
  if (version === '00') return parts.length === 4 && flag.length === 2;
  // A later version: anything after the 55 characters of version 00 must follow a dash.
  return flag.length === 2;
}

describe('parseTraceparent(value)', () => {
  it('reads back what formatTraceparent writes', () => {
    fc.assert(
      fc.property(traceId, spanId, flags, (t, s, f) => {
        const text = formatTraceparent({ traceId: t, spanId: s, traceFlags: f });
        assert.equal(text.length, 55);
        assert.deepEqual(parseTraceparent(text), { traceId: t, spanId: s, traceFlags: f });
      }),
      RUNS,
    );
  });

  it('accepts exactly what the W3C rules accept, for mutated valid headers', () => {
    const mutated = fc
      .tuple(fc.constantFrom('00', '01', 'cc', 'ff'), traceId, spanId, hex(2), fc.array(fc.tuple(fc.nat(60), fc.constantFrom('0', 'A', '-', 'g', ' ', '')), { maxLength: 3 }), fc.constantFrom('', '-x', 'x', '-'))
      .map(([v, t, s, f, edits, tail]) => {
        let text = `${v}-${t}-${s}-${f}${tail}`;
        for (const [at, c] of edits) text = text.slice(0, at) + c + text.slice(at + 1);
        return text;
      });
    fc.assert(
      fc.property(mutated, (text) => {
        assert.equal(parseTraceparent(text) !== undefined, oracle(text), text);
      }),
      RUNS,
    );
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const parsed = parseTraceparent(text);
        if (parsed) assert.equal(formatTraceparent(parsed), text.slice(0, 55).replace(/^[0-9a-f]{2}/, '00'));
      }),
      RUNS,
    );
  });

  it('refuses the cases W3C names', () => {
    const t = '4bf92f3577b34da6a3ce929d0e0e4736';
    const s = '00f067aa0ba902b7';
    assert.ok(parseTraceparent(`00-${t}-${s}-01`));
    for (const bad of [
      `00-${'0'.repeat(32)}-${s}-01`, // all-zero trace id
      `00-${t}-${'0'.repeat(16)}-01`, // all-zero span id
      `ff-${t}-${s}-01`, // version ff
      `00-${t.toUpperCase()}-${s}-01`, // uppercase hex
      `00-${t}-${s}-01-extra`, // version 00 with more after it
      `00-${t}-${s}-1`, // short flags
      '',
    ]) {
      assert.equal(parseTraceparent(bad), undefined, bad);
    }
    // A later version may carry more fields after a dash; they are ignored.
    assert.deepEqual(parseTraceparent(`01-${t}-${s}-01-what-comes-next`), { traceId: t, spanId: s, traceFlags: 1 });
    assert.equal(parseTraceparent(`01-${t}-${s}-01x`), undefined);
  });
});
