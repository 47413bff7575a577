/**
 * The worker's series, bound per method when the worker starts: the methods come from the
 * contracts it serves, the outcome codes from Warren's table and the contracts' errors.
 */
import type { Registry } from 'prom-client';
import { CounterFamily, HistogramFamily, type CounterCell, type HistogramCell } from './cells.ts';
import { OutcomeChildren, knownCodes, outcomeOfBody } from './registry.ts';

/** Seconds; from a trivial handler to one that runs to a long deadline. */
export const HANDLER_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Outcome of a delivery whose deadline had passed before it ran: skipped, nobody waits. */
const EXPIRED = 'expired';
/** Outcome of a delivery whose caller cancelled it before it ran: skipped, nobody waits. */
const CANCELLED = 'cancelled';
/** Outcome of a run that ended without an answer (shutdown): the call goes back to the broker. */
const REQUEUED = 'requeued';

/** The pre-bound series of one method, handed to the code that serves it. */
export class MethodMetrics {
  readonly #handled: OutcomeChildren<CounterCell>;
  readonly #expired: CounterCell;
  readonly #cancelled: CounterCell;
  readonly #requeued: CounterCell;
  readonly #duration: HistogramCell;
  readonly #redeliveries: CounterCell;
  readonly #deadLetters: CounterCell;

  constructor(method: string, series: WorkerSeries, known: ReadonlySet<number>) {
    // Cells are made at 0: every method's ok, redelivery and dead-letter series exist from the start.
    this.#handled = new OutcomeChildren(known, (outcome) => series.handled.cell(method, outcome));
    this.#expired = series.handled.cell(method, EXPIRED);
    this.#cancelled = series.handled.cell(method, CANCELLED);
    this.#requeued = series.handled.cell(method, REQUEUED);
    this.#duration = series.duration.cell(method);
    this.#redeliveries = series.redeliveries.cell(method);
    this.#deadLetters = series.deadLetters.cell(method);
  }

  /** A run ended with this reply body; `start` is performance.now() when the handler's turn began. */
  handled(body: string, start: number): void {
    this.#duration.observe((performance.now() - start) / 1000);
    this.#handled.of(outcomeOfBody(body)).inc();
  }

  /** A run ended without an answer: the call goes back to the broker. */
  requeued(start: number): void {
    this.#duration.observe((performance.now() - start) / 1000);
    this.#requeued.inc();
  }

  expired(): void {
    this.#expired.inc();
  }

  /** Bound, so that it can be handed to the transport: a cancelled call it skipped. */
  readonly skippedCancelled = (): void => {
    this.#cancelled.inc();
  };

  /** A delivery of a call whose earlier deliveries ended without an answer. */
  redelivered(): void {
    this.#redeliveries.inc();
  }

  /** Bound, so that it can be handed to the transport as its dead-letter callback. */
  readonly deadLettered = (): void => {
    this.#deadLetters.inc();
  };
}

interface WorkerSeries {
  handled: CounterFamily<'method' | 'outcome'>;
  duration: HistogramFamily<'method'>;
  redeliveries: CounterFamily<'method'>;
  deadLetters: CounterFamily<'method'>;
}

export class WorkerMetrics {
  readonly registry: Registry;
  readonly #series: WorkerSeries;
  readonly #known: ReadonlySet<number>;

  constructor(registry: Registry, declaredCodes: readonly number[]) {
    this.registry = registry;
    this.#known = knownCodes(declaredCodes);
    this.#series = {
      handled: new CounterFamily({
        name: 'warren_worker_calls_total',
        help: 'Calls a worker ran, by method and outcome ("ok", a JSON-RPC error code, "other", "expired", "cancelled", "requeued")',
        labelNames: ['method', 'outcome'] as const,
        registry,
      }),
      duration: new HistogramFamily({
        name: 'warren_worker_handler_duration_seconds',
        help: 'Time a worker spent on a call: input validation, the handler, output validation, by method',
        labelNames: ['method'] as const,
        buckets: HANDLER_BUCKETS,
        registry,
      }),
      redeliveries: new CounterFamily({
        name: 'warren_worker_redeliveries_total',
        help: 'Deliveries of calls whose earlier deliveries ended without an answer, by method',
        labelNames: ['method'] as const,
        registry,
      }),
      deadLetters: new CounterFamily({
        name: 'warren_worker_dead_letters_total',
        help: 'Calls dead-lettered after failing on each of their maxDeliveries deliveries, by method',
        labelNames: ['method'] as const,
        registry,
      }),
    };
  }

  /** The series of one method, made when the worker starts serving it. */
  method(method: string): MethodMetrics {
    return new MethodMetrics(method, this.#series, this.#known);
  }
}
