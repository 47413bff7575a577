import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineContract, isContract, type ContractSpec } from '../../src/contract/defineContract.ts';
import { implement } from '../../src/contract/implement.ts';
import { buildRegistry } from '../../src/contract/registry.ts';

const ok = { input: z.object({ text: z.string() }), output: z.object({ id: z.string() }) };

function chat(overrides: Partial<ContractSpec> = {}): ContractSpec {
  return {
    service: 'chat',
    methods: { send: ok, join: { input: z.tuple([z.string()]), output: z.boolean(), timeoutMs: 500 } },
    events: { message: { payload: z.object({ text: z.string() }) } },
    errors: { RoomFull: { code: 4001, message: 'Room full', data: z.object({ capacity: z.number() }) } },
    ...overrides,
  };
}

/** Asserts that defining `spec` throws a TypeError whose message names `culprit`. */
function assertRejects(spec: ContractSpec, culprit: string): void {
  assert.throws(
    () => defineContract(spec),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
      assert.ok(error.message.includes(culprit), `"${error.message}" does not name ${culprit}`);
      return true;
    },
  );
}

describe('defineContract(spec)', () => {
  it('returns a frozen contract that isContract recognises', () => {
    const contract = defineContract(chat());
    assert.equal(contract.kind, 'warren.contract');
    assert.equal(contract.service, 'chat');
    assert.ok(Object.isFrozen(contract));
    assert.equal(isContract(contract), true);
    assert.equal(isContract(chat()), false);
    assert.equal(isContract(null), false);
  });

  it('rejects a bad service name', () => {
    for (const service of ['', '1chat', 'chat.room', 'chat room', 'chat-room', '_chat', 'ch*t', 'chät']) {
      assertRejects(chat({ service }), JSON.stringify(service));
    }
  });

  it('rejects the service name rpc, which JSON-RPC reserves for rpc.* methods', () => {
    assertRejects(chat({ service: 'rpc' }), 'rpc');
  });

  it('rejects a bad method name', () => {
    for (const name of ['', 'send.now', '1send', 'send-now', 'se nd', '__proto__x']) {
      assertRejects(chat({ methods: { [name]: ok } }), JSON.stringify(name));
    }
  });

  it('rejects a bad event name', () => {
    for (const name of ['', 'msg.new', '9msg', 'msg#']) {
      assertRejects(chat({ events: { [name]: { payload: z.string() } } }), JSON.stringify(name));
    }
  });

  it('rejects a bad error name', () => {
    for (const name of ['', 'Room.Full', '0Full', 'Room Full']) {
      assertRejects(chat({ errors: { [name]: { code: 4001, message: 'x' } } }), JSON.stringify(name));
    }
  });

  it('rejects an input that is not named, positional or a union of one of each', () => {
    const inputs = [
      z.string(),
      z.record(z.string(), z.number()),
      z.union([z.object({}), z.object({ a: z.number() })]),
      z.union([z.tuple([]), z.array(z.number())]),
      z.union([z.object({}), z.tuple([]), z.array(z.number())]),
      z.object({}).optional(),
      z.any(),
    ];
    for (const input of inputs) {
      assert.throws(
        () => defineContract(chat({ methods: { send: { input: input as never, output: z.null() } } })),
        /^TypeError: chat\.send: input must be a z\.object \(named params\), a z\.tuple or z\.array \(positional params\), or a z\.union of one positional and one named shape/,
      );
    }
  });

  it('accepts named, positional (tuple, rest, array) and either inputs', () => {
    const inputs = [
      z.object({}),
      z.strictObject({ a: z.number() }),
      z.looseObject({}),
      z.tuple([]),
      z.tuple([z.number()], z.string()),
      z.tuple([]).rest(z.number()),
      z.array(z.number()),
      z.union([z.tuple([z.number()]), z.object({ n: z.number() })]),
      z.union([z.object({ n: z.number() }), z.array(z.number())]),
    ];
    for (const input of inputs) defineContract(chat({ methods: { send: { input, output: z.null() } } }));
  });

  it('types handler input from a union input as the union of both shapes', () => {
    const contract = defineContract({
      service: 'spec',
      methods: { subtract: { input: z.union([z.tuple([z.number(), z.number()]), z.object({ minuend: z.number(), subtrahend: z.number() })]), output: z.number() } },
    });
    implement(contract, {
      subtract(params) {
        const both: [number, number] | { minuend: number; subtrahend: number } = params;
        // @ts-expect-error the input may be the named shape, which has no index 0
        void params[0];
        return Array.isArray(both) ? both[0] - both[1] : both.minuend - both.subtrahend;
      },
    });
  });

  it('refuses a message JSON Schema cannot describe, naming the message and the field', () => {
    const cases: [Partial<ContractSpec>, RegExp][] = [
      [{ methods: { send: { input: z.object({ meta: z.object({ when: z.date() }) }), output: z.null() } } }, /^chat\.send input at field "meta\.when": Date cannot be represented in JSON Schema; send an ISO 8601 string/],
      [{ methods: { send: { input: z.object({}), output: z.object({ n: z.string().transform(Number) }) } } }, /^chat\.send output at field "n": Transforms cannot be represented/],
      [{ events: { message: { payload: z.object({ m: z.map(z.string(), z.number()) }) } } }, /^chat\.message payload at field "m": .*use z\.record\(\) instead of z\.map\(\)/],
      [{ errors: { RoomFull: { code: 4001, message: 'Room full', data: z.object({ n: z.bigint() }) } } }, /^chat\.RoomFull data at field "n": BigInt/],
      [{ methods: { send: { input: z.object({}), output: z.string().optional() } } }, /^chat\.send output \(at the root\): a whole message cannot be optional/],
    ];
    for (const [overrides, message] of cases) {
      assert.throws(() => defineContract(chat(overrides)), (error: unknown) => error instanceof TypeError && message.test(error.message));
    }
  });

  it('accepts a transform in an input: the wire carries its input side', () => {
    defineContract(chat({ methods: { send: { input: z.object({ n: z.string().transform(Number) }), output: z.null() } } }));
  });

  it('refuses a method named like a member the generated SDK gives every service (notify, on)', () => {
    for (const name of ['notify', 'on']) assertRejects(chat({ methods: { [name]: ok } }), `chat.${name}: the method name "${name}" clashes`);
  });

  it('rejects an output that is not a zod schema', () => {
    assertRejects(chat({ methods: { send: { input: z.object({}), output: { type: 'string' } as never } } }), 'chat.send');
  });

  it('rejects a non-positive or non-integer timeoutMs', () => {
    for (const timeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100' as never]) {
      assertRejects(chat({ methods: { send: { ...ok, timeoutMs } } }), 'chat.send');
    }
  });

  it("accepts queueType 'classic' or 'quorum' and rejects anything else, naming the method", () => {
    for (const queueType of ['classic', 'quorum'] as const) defineContract(chat({ methods: { send: { ...ok, queueType } } }));
    for (const queueType of ['mirrored', '', 1, null] as never[]) assertRejects(chat({ methods: { send: { ...ok, queueType } } }), 'chat.send: queueType');
  });

  it("accepts an orderBy function, and refuses one that is not a function or beside queueType 'classic'", () => {
    defineContract(chat({ methods: { send: { ...ok, orderBy: (input: { room?: string }) => String(input.room) } } }));
    defineContract(chat({ methods: { send: { ...ok, orderBy: () => 'one', queueType: 'quorum' } } }));
    for (const orderBy of ['room', 1, null] as never[]) assertRejects(chat({ methods: { send: { ...ok, orderBy } } }), 'chat.send: orderBy must be a function');
    assertRejects(chat({ methods: { send: { ...ok, orderBy: () => 'one', queueType: 'classic' } } }), 'chat.send: orderBy needs quorum queues');
  });

  it('rejects a timeoutMs longer than a timer can wait (2^31 - 1 ms)', () => {
    defineContract(chat({ methods: { send: { ...ok, timeoutMs: 2 ** 31 - 1 } } }));
    assertRejects(chat({ methods: { send: { ...ok, timeoutMs: 2 ** 31 } } }), 'chat.send');
  });

  it('rejects an event payload that is not a zod schema', () => {
    assertRejects(chat({ events: { message: { payload: 'string' as never } } }), 'chat.message');
  });

  it('rejects error codes inside -32768..-32000', () => {
    for (const code of [-32768, -32700, -32603, -32099, -32000]) {
      assertRejects(chat({ errors: { Bad: { code, message: 'x' } } }), 'Bad');
    }
  });

  it('accepts error codes next to the reserved range', () => {
    for (const code of [-32769, -31999, 0, 1, 4001]) defineContract(chat({ errors: { Fine: { code, message: 'x' } } }));
  });

  it('rejects a non-integer error code', () => {
    for (const code of [1.5, Number.NaN, '4001' as never]) assertRejects(chat({ errors: { Bad: { code, message: 'x' } } }), 'Bad');
  });

  it('rejects two errors with the same code, naming both', () => {
    const errors = { RoomFull: { code: 4001, message: 'a' }, RoomClosed: { code: 4001, message: 'b' } };
    assertRejects(chat({ errors }), 'RoomFull');
    assertRejects(chat({ errors }), 'RoomClosed');
  });

  it('rejects an event named like a method', () => {
    assertRejects(chat({ events: { send: { payload: z.object({}) } } }), 'chat.send');
  });
});

describe('buildRegistry(contracts)', () => {
  it('maps wire names `<service>.<method>` and `<service>.<event>`', () => {
    const contract = defineContract(chat());
    const calc = defineContract({ service: 'calc', methods: { add: { input: z.tuple([z.number(), z.number()]), output: z.number() } } });
    const registry = buildRegistry([contract, calc]);
    assert.deepEqual([...registry.methods.keys()].sort(), ['calc.add', 'chat.join', 'chat.send']);
    const send = registry.methods.get('chat.send')!;
    assert.equal(send.wireName, 'chat.send');
    assert.equal(send.name, 'send');
    assert.equal(send.contract, contract);
    assert.equal(send.spec, contract.methods.send);
    assert.deepEqual([...registry.events.keys()], ['chat.message']);
    assert.equal(registry.events.get('chat.message')!.name, 'message');
  });

  it('indexes declared errors by code, per service', () => {
    const registry = buildRegistry([defineContract(chat())]);
    const declared = registry.errors.get('chat')!.get(4001)!;
    assert.equal(declared.name, 'RoomFull');
    assert.equal(declared.message, 'Room full');
  });

  it('does not resolve a method under another service', () => {
    const registry = buildRegistry([defineContract(chat())]);
    assert.equal(registry.methods.get('send'), undefined);
    assert.equal(registry.methods.get('calc.send'), undefined);
    assert.equal(registry.methods.get('chat.toString'), undefined);
  });

  it('rejects two contracts with the same service', () => {
    const first = defineContract(chat());
    const second = defineContract({ service: 'chat', methods: { other: ok } });
    assert.throws(
      () => buildRegistry([first, second]),
      (error: unknown) => error instanceof TypeError && error.message.includes('"chat"'),
    );
  });
});

describe('implement(contract, handlers)', () => {
  const contract = defineContract({
    service: 'calc',
    methods: {
      add: { input: z.tuple([z.number(), z.number()]), output: z.number() },
      neg: { input: z.object({ n: z.number() }), output: z.number() },
    },
  });

  const add = ([a, b]: [number, number]) => a + b;
  const neg = ({ n }: { n: number }) => -n;

  it('binds one handler per method', () => {
    const handlers = { add, neg };
    const implementation = implement(contract, handlers);
    assert.equal(implementation.contract, contract);
    assert.equal(implementation.handlers, handlers);
  });

  it('rejects a missing handler, naming it', () => {
    assert.throws(
      () => implement(contract, { add } as never),
      (error: unknown) => error instanceof TypeError && error.message.includes('calc.neg'),
    );
  });

  it('rejects a handler that is not a function', () => {
    assert.throws(
      () => implement(contract, { add, neg: 1 } as never),
      (error: unknown) => error instanceof TypeError && error.message.includes('calc.neg'),
    );
  });

  it('rejects an extra handler, naming it', () => {
    assert.throws(
      () => implement(contract, { add, neg, mul: () => 0 } as never),
      (error: unknown) => error instanceof TypeError && error.message.includes('calc.mul'),
    );
  });
});
