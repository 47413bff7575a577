/**
 * A worker serves the methods of one or more implementations: for each call it validates
 * the input again (a broker is a trust boundary; see paramsOf), runs the handler with a
 * context, validates the output, and turns every outcome into exactly one reply body.
 * It never imports the gateway.
 */
import type { Implementation, Logger } from '../contract/implement.ts';
import type { MethodSpec, Contract, ErrorSpec } from '../contract/defineContract.ts';
import { validateParams } from '../contract/validateParams.ts';
import { resultBody } from 'warren-client/protocol';
import type { ReplyBody } from '../protocol/call.ts';
import { CANCELLED_BODY, handlerErrorReply, INTERNAL_BODY, TIMEOUT_BODY, type Hide } from '../protocol/errors.ts';
import type { Consumer, Delivery, Transport } from '../transport/Transport.ts';
import { resolveServeOptions } from '../transport/serveOptions.ts';
import { silentLogger } from '../log.ts';
import { HandlerContext, SHUTDOWN } from './HandlerContext.ts';
import { MAX_TIMER_MS } from 'warren-client/protocol';
import { registryOf, type MetricsOption, type Registry } from '../metrics/registry.ts';
import { WorkerMetrics, type MethodMetrics } from '../metrics/WorkerMetrics.ts';
import { endWorkerSpan, withSpan, workerTrace } from '../tracing/spans.ts';
import type { Span } from '@opentelemetry/api';

export interface WorkerOptions {
  transport: Transport;
  implementations: readonly Implementation[];
  /** Calls each method's consumer may hold at once. @default 32 */
  prefetch?: number;
  /**
   * Most deliveries of one call. A call whose every delivery ended without an answer (its
   * handler killed the worker, say) goes to the dead-letter queue `warren.dlq` and its caller
   * gets INTERNAL_ERROR, instead of being redelivered forever. @default 5
   */
  maxDeliveries?: number;
  /**
   * On stop(), how long calls in flight may take to finish before their handlers' signals are
   * aborted and the worker stops waiting; calls not answered by then go back to the queue
   * when the transport closes. @default 10000
   */
  shutdownGraceMs?: number;
  /**
   * Prometheus metrics (docs/metrics.md), on `worker.metrics`: `true` keeps them in a registry
   * of the worker's own, with Node's process metrics; a prom-client Registry gets the worker's
   * series registered on it (and nothing else). Serve it with serveMetrics().
   * @default false
   */
  metrics?: MetricsOption;
  log?: Logger;
}

/** One method this worker serves, as each of its calls needs it. */
interface Served {
  contract: Contract;
  /** The contract's declared errors by code: the only application errors a caller may see. */
  declared: ReadonlyMap<number, ErrorSpec>;
  spec: MethodSpec;
  handler: Function;
  /** The method's series, when the worker keeps metrics. */
  metrics: MethodMetrics | undefined;
}

export class Worker {
  readonly #options: Required<Omit<WorkerOptions, 'log' | 'metrics'>> & { log: Logger };
  readonly #metrics: WorkerMetrics | undefined;
  readonly #consumers: Consumer[] = [];
  /**
   * Contexts of the handlers running now, by their delivery: aborted when stop() runs out of
   * time, or one of them when its caller cancels it (the transport's onCancel).
   */
  readonly #running = new Map<Delivery, HandlerContext>();

  constructor(options: WorkerOptions) {
    // The options it hands to every transport.serve(), resolved and checked as the transport does.
    const { prefetch, maxDeliveries } = resolveServeOptions({ prefetch: options.prefetch, maxDeliveries: options.maxDeliveries });
    if (options.implementations.length === 0) throw new TypeError('implementations must not be empty');
    const shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    if (!(Number.isInteger(shutdownGraceMs) && shutdownGraceMs >= 0 && shutdownGraceMs <= MAX_TIMER_MS)) {
      throw new TypeError(`shutdownGraceMs must be an integer from 0 to ${MAX_TIMER_MS}, got ${shutdownGraceMs}`);
    }
    const { metrics, ...rest } = options;
    this.#options = { ...rest, prefetch, maxDeliveries, shutdownGraceMs, log: options.log ?? silentLogger };
    const registry = registryOf(metrics);
    const declared = options.implementations.flatMap(({ contract }) => Object.values(contract.errors ?? {}).map((error) => error.code));
    this.#metrics = registry && new WorkerMetrics(registry, declared);
  }

  /** The Prometheus registry of the worker's series; undefined unless the `metrics` option asked for them. */
  get metrics(): Registry | undefined {
    return this.#metrics?.registry;
  }

  /** Starts consuming every method's queue. */
  async start(): Promise<void> {
    const { transport, implementations, prefetch, maxDeliveries } = this.#options;
    for (const { contract, handlers } of implementations) {
      const declared = new Map(Object.values(contract.errors ?? {}).map((error) => [error.code, error]));
      for (const [name, spec] of Object.entries(contract.methods)) {
        const wireName = `${contract.service}.${name}`;
        const metrics = this.#metrics?.method(wireName);
        const served: Served = { contract, declared, spec, handler: (handlers as Record<string, Function>)[name]!, metrics };
        const consumer = await transport.serve(
          wireName,
          (delivery) => this.#serve(served, delivery),
          {
            prefetch,
            maxDeliveries,
            ...(spec.maxQueueLength === undefined ? {} : { maxQueueLength: spec.maxQueueLength }),
            // Unset: the transport's own queue type, the deployment's choice.
            ...(spec.queueType === undefined ? {} : { queueType: spec.queueType }),
            ...(spec.orderBy === undefined ? {} : { ordered: true }),
            ...(metrics ? { onDeadLetter: metrics.deadLettered, onSkipCancelled: metrics.skippedCancelled } : {}),
            onCancel: this.#onCancel,
          },
        );
        this.#consumers.push(consumer);
      }
    }
  }

  /**
   * Stops taking calls and waits for the ones in flight to be answered and acked, for at most
   * `shutdownGraceMs`. Past that it aborts their signals and resolves; the transport's close
   * then hands whatever is still unanswered back to the broker for another worker.
   */
  async stop(): Promise<void> {
    const cancelled = Promise.all(this.#consumers.splice(0).map((consumer) => consumer.cancel()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#options.shutdownGraceMs);
    });
    try {
      if (await Promise.race([cancelled.then(() => false), late])) {
        this.#options.log.warn({ running: this.#running.size }, 'calls still running at the end of the shutdown grace; aborting them');
        for (const ctx of this.#running.values()) ctx.abortForShutdown();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The caller cancelled a call running here: its handler's signal aborts with CANCELLED. */
  readonly #onCancel = (delivery: Delivery): void => {
    this.#running.get(delivery)?.cancel();
  };

  async #serve({ contract, declared, spec, handler, metrics }: Served, delivery: Delivery): Promise<ReplyBody | undefined> {
    const { call } = delivery;
    const log = this.#options.log;
    if (delivery.attempts > 0) metrics?.redelivered();
    const remaining = call.deadline - Date.now();
    // Nobody waits for the answer any more: skip the work (the transport still acks).
    if (remaining <= 0) {
      metrics?.expired();
      return undefined;
    }
    const start = metrics ? performance.now() : 0;

    const { span, carried: trace } = workerTrace(call, delivery);
    const ctx = new HandlerContext({ contract, call, delivery, transport: this.#options.transport, log, trace });
    this.#running.set(delivery, ctx);
    let outcome: Outcome;
    try {
      outcome = await this.#run(spec, declared, handler, delivery, ctx, span);
    } catch (err) {
      metrics?.requeued(start);
      if (span) endWorkerSpan(span, undefined, 'worker stopped before the handler finished');
      throw err;
    } finally {
      ctx.end();
      this.#running.delete(delivery);
    }
    // Events are part of a call's successful outcome: published once the handler has returned
    // a result, before that result goes back to the transport (which then replies and acks). If
    // they cannot all be published, this rejects and the call goes back to the broker unacked;
    // its next run emits the same ids, and gateways drop the copies they already delivered.
    metrics?.handled(outcome.outcome, start);
    if (outcome.succeeded) {
      try {
        await ctx.publishEvents();
      } catch (err) {
        if (span) endWorkerSpan(span, undefined, 'events not published');
        throw err;
      }
    }
    // The reply carries the trace on from the worker's span.
    if (trace) delivery.replyTrace = trace;
    if (span) endWorkerSpan(span, outcome.outcome);
    return outcome.body;
  }

  /**
   * Runs the handler and turns its outcome into a reply body; rejects only on shutdown. With a
   * span, the handler runs with it active, so the spans it makes (a database client's) are its children.
   */
  async #run(spec: MethodSpec, declared: Served['declared'], handler: Function, delivery: Delivery, ctx: HandlerContext, span: Span | undefined): Promise<Outcome> {
    const { call } = delivery;
    const log = this.#options.log;
    const reply = (body: ReplyBody): Outcome => ({ body: delivery.expectsReply ? body : undefined, outcome: body, succeeded: false });
    try {
      const input = paramsOf(spec, delivery);
      const output = await (span ? withSpan(span, () => handler(input, ctx)) : handler(input, ctx));
      // Its caller was answered CANCELLED already, and nobody waits for this outcome.
      if (ctx.cancelled) return CANCELLED_OUTCOME;
      // A handler that outlived its deadline gets the same answer as one that threw at it:
      // otherwise the caller sees TIMEOUT or a late result depending on which timer fired first.
      if (!ctx.shutDown && Date.now() >= call.deadline) return reply(TIMEOUT_BODY);
      const checked = spec.output.safeParse(output);
      if (!checked.success) {
        log.error({ method: call.method, issues: checked.error.issues }, 'handler returned a value outside its output schema');
        return reply(INTERNAL_BODY);
      }
      return { body: delivery.expectsReply ? resultBody(checked.data) : undefined, outcome: OK_BODY, succeeded: true };
    } catch (thrown) {
      if (ctx.cancelled) return CANCELLED_OUTCOME;
      // Rejecting hands the call back to the broker for another worker (a counted delivery).
      if (ctx.shutDown) throw SHUTDOWN;
      if (!delivery.expectsReply) return reply(INTERNAL_BODY);
      // The deadline passed mid-handler: the caller already got TIMEOUT from its gateway.
      if (Date.now() >= call.deadline) return reply(TIMEOUT_BODY);
      const hide: Hide = (err, why) => log.error({ method: call.method, err, why }, 'handler failed');
      return reply(handlerErrorReply(thrown, declared, hide));
    }
  }
}

/** The outcome of a successful run, for metrics: a result body without the result. */
const OK_BODY = '{"result":null}';

/** A run its caller cancelled: nothing is sent back, no event is published. */
const CANCELLED_OUTCOME: Outcome = { body: undefined, outcome: CANCELLED_BODY, succeeded: false };

/** What a run of a handler came to: the reply body, and whether its events are published. */
interface Outcome {
  body: ReplyBody | undefined;
  /** What the reply says, also for a notification, which gets none: `{"result"…` or `{"error"…` (metrics). */
  outcome: ReplyBody;
  /** The handler returned a valid result in time. */
  succeeded: boolean;
}

/**
 * The handler's input. A call that comes straight from a gateway in this process, checked by
 * this very schema, is taken as validated; anything from a broker is parsed and checked again,
 * and so is a redelivery (the first handler may have changed the object it was given).
 */
function paramsOf(spec: MethodSpec, delivery: Delivery): unknown {
  const { validated } = delivery;
  if (delivery.attempts === 0 && validated?.schema === spec.input) return validated.value;
  return validateParams(spec.input, JSON.parse(delivery.call.params));
}
