/**
 * An event's delivery as the contract declares it: eventDelivery() with its defaults, maxAgeMs()
 * and its grammar (RabbitMQ's x-max-age), and what defineContract refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
// The package's public entry: the runtime and users import these from 'warren'.
import { DEFAULT_RETENTION, eventDelivery, maxAgeMs } from '../../src/index.ts';
import { defineContract, type EventSpec } from '../../src/contract/defineContract.ts';

/** CI runs one fixed seed, so that a landing does not depend on the draw; local runs draw anew. */
const SEED_TEXT = process.env.DELIVERY_PROPERTY_SEED ?? (process.env.CI === 'true' ? '1' : undefined);
const OPTIONS = { numRuns: 2000, ...(SEED_TEXT === undefined ? {} : { seed: Number(SEED_TEXT) }) };

const DAY = 86_400_000;
const UNITS = { Y: 365 * DAY, M: 30 * DAY, D: DAY, h: 3_600_000, m: 60_000, s: 1000 } as const;
type Unit = keyof typeof UNITS;

/**
 * The grammar, written out by hand rather than as the implementation's regex: digits 0-9 with
 * no leading zero, then exactly one unit, and n × unit a safe integer.
 */
function oracle(text: string): number | undefined {
  if (text.length < 2) return undefined;
  const unit = text.at(-1)!;
  const digits = text.slice(0, -1);
  if (!Object.hasOwn(UNITS, unit)) return undefined;
  if (digits[0] === '0') return undefined;
  for (const c of digits) if (c < '0' || c > '9') return undefined;
  const ms = BigInt(digits) * BigInt(UNITS[unit as Unit]);
  return ms <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ms) : undefined;
}

function contractWith(event: Partial<EventSpec>) {
  return defineContract({
    service: 'chat',
    methods: { send: { input: z.object({}), output: z.null() } },
    events: { message: { payload: z.string(), ...event } as EventSpec },
  });
}

/** Asserts that defineContract refuses the event with a TypeError naming it and saying `fix`. */
function assertRefused(event: Record<string, unknown>, fix: RegExp): void {
  assert.throws(
    () => contractWith(event as Partial<EventSpec>),
    (err: unknown) => {
      assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
      assert.match(err.message, /^chat\.message: /, 'names the service and the event');
      assert.match(err.message, fix);
      return true;
    },
    JSON.stringify(event, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)),
  );
}

describe('eventDelivery(spec)', () => {
  it("is volatile by default, and for delivery: 'volatile'", () => {
    assert.deepEqual(eventDelivery({}), { kind: 'volatile' });
    assert.deepEqual(eventDelivery({ delivery: 'volatile' }), { kind: 'volatile' });
  });

  it("gives a replayable event without retention the default { maxAge: '1D' }", () => {
    assert.deepEqual(DEFAULT_RETENTION, { maxAge: '1D' });
    assert.deepEqual(eventDelivery({ delivery: 'replayable' }), { kind: 'replayable', maxAge: '1D' });
  });

  it('keeps the declared limits, and only those: the default is for a missing retention, not a missing maxAge', () => {
    assert.deepEqual(eventDelivery({ delivery: 'replayable', retention: { maxAge: '7D' } }), { kind: 'replayable', maxAge: '7D' });
    assert.deepEqual(eventDelivery({ delivery: 'replayable', retention: { maxBytes: 1_000_000 } }), { kind: 'replayable', maxBytes: 1_000_000 });
    assert.deepEqual(eventDelivery({ delivery: 'replayable', retention: { maxAge: '12h', maxBytes: 5 } }), { kind: 'replayable', maxAge: '12h', maxBytes: 5 });
    assert.deepEqual(Object.keys(eventDelivery({ delivery: 'replayable', retention: { maxBytes: 5 } })), ['kind', 'maxBytes']);
  });

  it('is pure: a new object each time, and the spec is left as it was', () => {
    const spec = Object.freeze({ delivery: 'replayable' as const, retention: Object.freeze({ maxAge: '1h' }) });
    const [a, b] = [eventDelivery(spec), eventDelivery(spec)];
    assert.deepEqual(a, b);
    assert.notEqual(a, b);
    (a as { maxAge?: string }).maxAge = '2h';
    assert.deepEqual(eventDelivery({ delivery: 'replayable' }), { kind: 'replayable', maxAge: '1D' });
    assert.deepEqual(spec, { delivery: 'replayable', retention: { maxAge: '1h' } });
  });

  it('resolves what a contract declares', () => {
    const contract = contractWith({ delivery: 'replayable', retention: { maxBytes: 10 } });
    assert.deepEqual(eventDelivery(contract.events!.message!), { kind: 'replayable', maxBytes: 10 });
  });
});

describe('maxAgeMs(maxAge)', () => {
  it('counts Y as 365 days and M as 30, like RabbitMQ', () => {
    const table: [string, number][] = [
      ['1s', 1000],
      ['90m', 5_400_000],
      ['2h', 7_200_000],
      ['1D', DAY],
      ['7D', 7 * DAY],
      ['1M', 30 * DAY],
      ['1Y', 365 * DAY],
      ['10Y', 3650 * DAY],
    ];
    for (const [text, ms] of table) assert.equal(maxAgeMs(text), ms, text);
  });

  it('refuses what is outside the grammar with a TypeError that shows the form', () => {
    for (const text of ['', '0D', '01D', '1', 'D', '1d', '1H', '1 D', ' 1D', '1D ', '1.5h', '-1h', '+1h', '1e3s', '1hh', '1h30m', '１D', '٣D', '1W', '1ms']) {
      assert.throws(() => maxAgeMs(text), (err: unknown) => err instanceof TypeError && /Y, M, D, h, m, s/.test(err.message), JSON.stringify(text));
    }
    for (const value of [1, null, undefined, {}, ['1D']]) assert.throws(() => maxAgeMs(value as never), TypeError);
  });

  it('refuses a maxAge past 2^53 - 1 ms, which a number cannot hold exactly', () => {
    const lastYears = Math.floor(Number.MAX_SAFE_INTEGER / UNITS.Y);
    assert.equal(maxAgeMs(`${lastYears}Y`), lastYears * UNITS.Y);
    assert.throws(() => maxAgeMs(`${lastYears + 1}Y`), TypeError);
    assert.throws(() => maxAgeMs(`${'9'.repeat(400)}s`), TypeError);
  });

  it('property: every n followed by one unit parses to n × unit, and defineContract takes it', () => {
    const valid = fc.constantFrom(...(Object.keys(UNITS) as Unit[])).chain((unit) =>
      fc.tuple(fc.constant(unit), fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: Math.floor(Number.MAX_SAFE_INTEGER / UNITS[unit]) }))),
    );
    fc.assert(
      fc.property(valid, ([unit, n]) => {
        const text = `${n}${unit}`;
        assert.equal(maxAgeMs(text), n * UNITS[unit]);
        assert.deepEqual(eventDelivery(contractWith({ delivery: 'replayable', retention: { maxAge: text } }).events!.message!), { kind: 'replayable', maxAge: text });
      }),
      OPTIONS,
    );
  });

  it('property: every string outside the grammar is refused, by maxAgeMs and by defineContract', () => {
    // Arbitrary text, and text built from the grammar's own pieces and its near misses.
    const pieces = fc
      .array(fc.constantFrom('0', '1', '7', '9', 'Y', 'M', 'D', 'h', 'm', 's', 'd', 'H', 'W', ' ', '-', '+', '.', 'e', '١', '\n'), { maxLength: 7 })
      .map((chars) => chars.join(''));
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ maxLength: 8 }), pieces);
    fc.assert(
      fc.property(text, (candidate) => {
        const expected = oracle(candidate);
        if (expected !== undefined) return assert.equal(maxAgeMs(candidate), expected);
        assert.throws(() => maxAgeMs(candidate), TypeError, JSON.stringify(candidate));
        // `s`: the text shown may hold a line terminator (U+2028 is written as is by JSON.stringify).
        assertRefused({ delivery: 'replayable', retention: { maxAge: candidate } }, /retention\.maxAge .* must be a positive integer followed by one unit/s);
      }),
      OPTIONS,
    );
  });
});

describe('defineContract: event delivery', () => {
  it('accepts volatile and replayable events, with or without retention', () => {
    contractWith({});
    contractWith({ delivery: 'volatile' });
    contractWith({ delivery: 'replayable' });
    contractWith({ delivery: 'replayable', retention: { maxAge: '7D' } });
    contractWith({ delivery: 'replayable', retention: { maxBytes: 1 } });
    contractWith({ delivery: 'replayable', retention: { maxAge: '30m', maxBytes: Number.MAX_SAFE_INTEGER } });
  });

  it('refuses an unknown delivery, naming the two it takes', () => {
    for (const delivery of ['durable', 'Replayable', '', 1, null]) assertRefused({ delivery }, /delivery .* must be 'volatile' or 'replayable'/);
  });

  it('refuses a retention on a volatile event, saying to add delivery or remove retention', () => {
    assertRefused({ retention: { maxAge: '1h' } }, /retention is for replayable events only: add delivery: 'replayable', or remove retention/);
    assertRefused({ delivery: 'volatile', retention: { maxAge: '1h' } }, /replayable events only/);
  });

  it('refuses a malformed maxAge, showing the form', () => {
    for (const maxAge of ['1 day', '1d', '0h', '24', 24, '']) assertRefused({ delivery: 'replayable', retention: { maxAge } }, /retention\.maxAge .*\(such as '1h' or '7D'\)/);
  });

  it('refuses a non-positive, non-integer or unsafe maxBytes', () => {
    for (const maxBytes of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '100', 10n]) {
      assertRefused({ delivery: 'replayable', retention: { maxBytes } }, /retention\.maxBytes .* must be a positive safe integer/);
    }
  });

  it('refuses retention: {} (no limit), pointing at the default', () => {
    assertRefused({ delivery: 'replayable', retention: {} }, /retention sets no limit: give maxAge .*, maxBytes, or both; leave retention out for the default \{ maxAge: '1D' \}/);
    assertRefused({ delivery: 'replayable', retention: { maxAge: undefined } }, /sets no limit/);
  });

  it('refuses a retention that is not an object, or has a field it does not know', () => {
    for (const retention of ['1D', null, ['1D'], 5]) assertRefused({ delivery: 'replayable', retention }, /retention must be an object/);
    assertRefused({ delivery: 'replayable', retention: { maxage: '1D' } }, /unknown field "maxage": use maxAge and\/or maxBytes/);
  });
});
