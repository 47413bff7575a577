/** Handlers of the example math service. */
import { setTimeout as sleep } from 'node:timers/promises';
import { implement } from 'warren';
import { math } from '../../schemas/math.ts';

export const mathService = implement(math, {
  add([a, b]) {
    return a + b;
  },
  subtract(params) {
    const [minuend, subtrahend] = Array.isArray(params) ? params : [params.minuend, params.subtrahend];
    return minuend - subtrahend;
  },
  sum(numbers) {
    return numbers.reduce((total, n) => total + n, 0);
  },
  divide({ dividend, divisor }, ctx) {
    if (divisor === 0) throw ctx.error('DivisionByZero');
    return { quotient: dividend / divisor };
  },
  async slow({ ms }, ctx) {
    const started = Date.now();
    // Rejects with the abort reason when the deadline passes, so no work outlives its caller.
    await sleep(ms, undefined, { signal: ctx.signal });
    return { sleptMs: Date.now() - started };
  },
});
