/**
 * The service every benchmarked system serves, Warren's `bench` contract and its handlers:
 * `bench.echo` (trivial params and result), `bench.validate` (a ~1 KB nested order with real
 * constraints, in and out) and `bench.emit` (publishes one `bench.tick` event, for fan-out).
 * The peers (tRPC, Socket.IO, raw ws) import the same schemas and handler bodies.
 */
import { z } from 'zod';
import { defineContract } from '../src/contract/defineContract.ts';
import { implement } from '../src/contract/implement.ts';

export const EchoParams = z.object({ seq: z.number().int().nonnegative(), text: z.string().max(64) });

const Item = z.object({
  sku: z.string().regex(/^[A-Z]{3}-\d{4,8}$/),
  name: z.string().min(1).max(80),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: z.number().nonnegative().max(1_000_000),
  tags: z.array(z.string().min(1).max(16)).max(5),
});

export const Order = z.object({
  orderId: z.string().min(8).max(64),
  customer: z.object({
    id: z.number().int().positive(),
    name: z.string().min(1).max(80),
    email: z.string().min(3).max(120).regex(/^[^@\s]+@[^@\s]+$/),
    tier: z.enum(['free', 'pro', 'enterprise']),
  }),
  items: z.array(Item).min(1).max(50),
  shipping: z.object({
    street: z.string().min(1).max(120),
    city: z.string().min(1).max(80),
    postcode: z.string().min(3).max(12),
    country: z.enum(['DE', 'FR', 'GB', 'NL', 'US', 'JP']),
    express: z.boolean(),
  }),
  notes: z.string().max(500).optional(),
});

export const PricedOrder = Order.extend({ total: z.number().nonnegative(), itemCount: z.number().int().nonnegative() });

export const TickPayload = z.object({ sentAt: z.number(), seq: z.number().int() });

export const bench = defineContract({
  service: 'bench',
  description: 'Benchmark methods: trivial, validation-heavy, and an event fan-out trigger.',
  methods: {
    echo: { input: EchoParams, output: EchoParams },
    validate: { input: Order, output: PricedOrder },
    emit: { input: TickPayload, output: z.object({ ok: z.boolean() }) },
    emitKept: { input: TickPayload, output: z.object({ ok: z.boolean() }) },
  },
  events: {
    tick: { payload: TickPayload },
    /** `tick`, replayable: the fan-out of an event stored in its history first. */
    kept: { payload: TickPayload, delivery: 'replayable', retention: { maxAge: '1h' } },
  },
});

export type EchoInput = z.output<typeof EchoParams>;
export type OrderInput = z.output<typeof Order>;

/** The handler bodies, shared with the peers so every system does the same work. */
export function echo(input: EchoInput): EchoInput {
  return input;
}

export function price(order: OrderInput): z.input<typeof PricedOrder> {
  let total = 0;
  let itemCount = 0;
  for (const item of order.items) {
    total += item.quantity * item.unitPrice;
    itemCount += item.quantity;
  }
  return { ...order, total: Math.round(total * 100) / 100, itemCount };
}

/** A sample order of about 1 KB of JSON, valid against `Order`. */
export function sampleOrder(seq = 1): OrderInput {
  return {
    orderId: `ord-${String(seq).padStart(10, '0')}`,
    customer: { id: 4242, name: 'Ada Lovelace', email: 'ada@example.org', tier: 'pro' },
    items: Array.from({ length: 6 }, (_, i) => ({
      sku: `ABC-${1000 + i}`,
      name: `Widget number ${i} in a sturdy box`,
      quantity: 1 + i,
      unitPrice: 9.99 + i,
      tags: ['blue', 'large', `batch${i}`],
    })),
    shipping: { street: '12 Analytical Engine Road', city: 'London', postcode: 'N1 9GU', country: 'GB', express: false },
    notes: 'Leave the parcel with the neighbour if nobody answers the door; fragile contents inside.',
  };
}

export const contracts = [bench];

export const implementations = [
  implement(bench, {
    echo: (input) => echo(input),
    validate: (input) => price(input),
    emit: async (input, ctx) => {
      await ctx.emit('tick', input, { topic: 'fan' });
      return { ok: true };
    },
    emitKept: async (input, ctx) => {
      await ctx.emit('kept', input, { topic: 'fan' });
      return { ok: true };
    },
  }),
];
