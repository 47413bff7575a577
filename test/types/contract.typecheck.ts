/**
 * Type-level tests of defineContract's `orderBy`: its parameter is the method's validated params
 * (z.output of its input schema), inferred without an annotation. Compiled, never run, by
 * test/codegen/types.test.ts, twice: against the sources and against the emitted declarations
 * (dist), as a user of the published package sees them. Every `@ts-expect-error` line must be a
 * compile error, and every `expectType<Equal<…>>` must hold exactly.
 */
import { z } from 'zod';
import { defineContract, implement, type ContractSpec } from 'warren';

/** True only when A and B are the same type (not merely mutually assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function expectType<T extends true>(): void;

const Room = z.string().min(1);

// Each method's orderBy gets that method's own params, exactly, whatever their shape.
export const typed = defineContract({
  service: 'typed',
  methods: {
    send: {
      input: z.object({ room: Room, text: z.string() }),
      output: z.null(),
      orderBy: (input) => {
        expectType<Equal<typeof input, { room: string; text: string }>>();
        return input.room;
      },
    },
    byPosition: {
      input: z.tuple([z.string(), z.number()]),
      output: z.null(),
      orderBy: (input) => {
        expectType<Equal<typeof input, [string, number]>>();
        return input[0];
      },
    },
    either: {
      input: z.union([z.tuple([z.string()]), z.object({ room: z.string() })]),
      output: z.null(),
      orderBy: (input) => {
        expectType<Equal<typeof input, [string] | { room: string }>>();
        return Array.isArray(input) ? input[0] : input.room;
      },
    },
    // The validated params: after transforms and defaults (z.output), as the gateway has them.
    transformed: {
      input: z.object({ room: z.string().transform((room) => room.length), shard: z.string().default('a') }),
      output: z.null(),
      orderBy: (input) => {
        expectType<Equal<typeof input, { room: number; shard: string }>>();
        return `${input.shard}:${input.room}`;
      },
    },
    unordered: { input: z.object({ room: Room }), output: z.null(), roles: ['member'] },
    constant: { input: z.object({}), output: z.null(), orderBy: () => 'one' },
    // An annotation that accepts what the schema gives still compiles.
    annotated: { input: z.object({ room: Room }), output: z.null(), orderBy: (input: { room?: string }) => input.room ?? '' },
  },
});

// The contract keeps its exact spec: the other options' literals, and handlers typed from it.
expectType<Equal<(typeof typed)['service'], 'typed'>>();
expectType<Equal<(typeof typed)['methods']['unordered']['roles'], readonly ['member']>>();
implement(typed, {
  send: (input) => {
    expectType<Equal<typeof input, { room: string; text: string }>>();
    return null;
  },
  byPosition: (input) => {
    expectType<Equal<typeof input, [string, number]>>();
    return null;
  },
  either: () => null,
  transformed: (input) => {
    expectType<Equal<typeof input, { room: number; shard: string }>>();
    return null;
  },
  unordered: () => null,
  constant: () => null,
  annotated: () => null,
});

// A spec known only as ContractSpec (built elsewhere, its schemas unknown) is still accepted.
declare const built: ContractSpec;
defineContract(built);

// A key the params do not have.
defineContract({
  service: 'nope',
  methods: {
    send: {
      input: z.object({ room: Room }),
      output: z.null(),
      // @ts-expect-error `nope` is not a field of the params
      orderBy: (input) => input.nope,
    },
  },
});

// A key that is not a string.
defineContract({
  service: 'number',
  methods: {
    send: {
      input: z.object({ room: Room, seq: z.number() }),
      output: z.null(),
      // @ts-expect-error the key must be a string, `seq` is a number
      orderBy: (input) => input.seq,
    },
  },
});

// A parameter annotated with a type the params are not.
defineContract({
  service: 'param',
  methods: {
    send: {
      input: z.object({ room: Room }),
      output: z.null(),
      // @ts-expect-error the params are an object, not a number
      orderBy: (input: number) => String(input),
    },
  },
});
defineContract({
  service: 'field',
  methods: {
    send: {
      input: z.object({ room: Room }),
      output: z.null(),
      // @ts-expect-error the params have no `key` field
      orderBy: (input: { key: string }) => input.key,
    },
  },
});

// Positional params: an index past the tuple's end.
defineContract({
  service: 'tuple',
  methods: {
    send: {
      input: z.tuple([z.string()]),
      output: z.null(),
      // @ts-expect-error the tuple has one element
      orderBy: (input) => input[1],
    },
  },
});

// One method's key function is checked against its own params, not a sibling's.
defineContract({
  service: 'sibling',
  methods: {
    join: { input: z.object({ room: Room }), output: z.null(), orderBy: (input) => input.room },
    send: {
      input: z.object({ channel: z.string() }),
      output: z.null(),
      // @ts-expect-error `room` is join's field; send's params have `channel`
      orderBy: (input) => input.room,
    },
  },
});
