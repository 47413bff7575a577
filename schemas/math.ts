import { z } from 'zod';
import { defineContract } from 'warren';

export const math = defineContract({
  service: 'math',
  description: 'Arithmetic, to show positional, named, either and variadic params, a declared error and cancellation.',
  methods: {
    add: {
      description: 'Adds two numbers (positional params).',
      input: z.tuple([z.number(), z.number()]),
      output: z.number(),
    },
    subtract: {
      description: 'Subtracts subtrahend from minuend (params by position or by name).',
      input: z.union([
        z.tuple([z.number().meta({ title: 'minuend' }), z.number().meta({ title: 'subtrahend' })]),
        z.object({ minuend: z.number(), subtrahend: z.number() }),
      ]),
      output: z.number(),
    },
    sum: {
      description: 'Adds any count of numbers (variadic positional params); 0 for none.',
      input: z.array(z.number()),
      output: z.number(),
    },
    divide: {
      description: 'Divides dividend by divisor (named params).',
      input: z.object({ dividend: z.number(), divisor: z.number() }),
      output: z.object({ quotient: z.number() }),
    },
    slow: {
      description: 'Waits `ms` milliseconds, stopping early when the call’s deadline passes.',
      input: z.object({ ms: z.number().int().min(0).max(60_000) }),
      output: z.object({ sleptMs: z.number() }),
      timeoutMs: 5_000,
    },
  },
  errors: {
    DivisionByZero: { code: 2001, message: 'Division by zero', description: 'The divisor was 0.' },
  },
});
