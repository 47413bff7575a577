/**
 * A worker serves the methods of one or more implementations: for each call it validates
 * the input again (a broker is a trust boundary; see paramsOf), runs the handler with a
 * context, validates the output, and turns every outcome into exactly one reply body.
 * It never imports the gateway.
 */
import type { Implementation, Logger } from '../contract/implement.ts';
import type { MethodSpec, Contract } from '../contract/defineContract.ts';
import { validateParams } from '../contract/validateParams.ts';
import { ErrorCode, errorBody, resultBody, WarrenError } from 'warren-client/protocol';
import type { ReplyBody } from '../protocol/call.ts';
import type { Consumer, Delivery, Transport } from '../transport/Transport.ts';
import { DEFAULT_MAX_DELIVERIES, checkMaxDeliveries } from '../transport/deliveryPolicy.ts';
import { silentLogger } from '../log.ts';
import { HandlerContext, SHUTDOWN } from './HandlerContext.ts';

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
  log?: Logger;
}

const INTERNAL = errorBody({ code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' });
const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMEOUT = errorBody({ code: ErrorCode.TIMEOUT, message: 'Deadline exceeded' });

export class Worker {
  readonly #options: Required<Omit<WorkerOptions, 'log'>> & { log: Logger };
  readonly #consumers: Consumer[] = [];
  /** Contexts of the handlers running now, aborted when stop() runs out of time. */
  readonly #running = new Set<HandlerContext>();

  constructor(options: WorkerOptions) {
    const prefetch = options.prefetch ?? 32;
    if (!(Number.isInteger(prefetch) && prefetch > 0)) throw new TypeError('prefetch must be a positive integer');
    if (options.implementations.length === 0) throw new TypeError('implementations must not be empty');
    const maxDeliveries = checkMaxDeliveries(options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES);
    const shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    if (!(Number.isInteger(shutdownGraceMs) && shutdownGraceMs >= 0 && shutdownGraceMs <= MAX_TIMER_MS)) {
      throw new TypeError(`shutdownGraceMs must be an integer from 0 to ${MAX_TIMER_MS}, got ${shutdownGraceMs}`);
    }
    this.#options = { ...options, prefetch, maxDeliveries, shutdownGraceMs, log: options.log ?? silentLogger };
  }

  /** Starts consuming every method's queue. */
  async start(): Promise<void> {
    const { transport, implementations, prefetch, maxDeliveries } = this.#options;
    for (const implementation of implementations) {
      for (const [name, spec] of Object.entries(implementation.contract.methods)) {
        const wireName = `${implementation.contract.service}.${name}`;
        const handler = (implementation.handlers as Record<string, Function>)[name]!;
        const consumer = await transport.serve(
          wireName,
          (delivery) => this.#serve(implementation.contract, spec, handler, delivery),
          { prefetch, maxDeliveries, ...(spec.maxQueueLength === undefined ? {} : { maxQueueLength: spec.maxQueueLength }) },
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
        for (const ctx of this.#running) ctx.abortForShutdown();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #serve(contract: Contract, spec: MethodSpec, handler: Function, delivery: Delivery): Promise<ReplyBody | undefined> {
    const { call } = delivery;
    const log = this.#options.log;
    const remaining = call.deadline - Date.now();
    // Nobody waits for the answer any more: skip the work (the transport still acks).
    if (remaining <= 0) return undefined;

    const ctx = new HandlerContext({ contract, call, delivery, transport: this.#options.transport, log });
    this.#running.add(ctx);
    try {
      const input = paramsOf(spec, delivery);
      const output = await handler(input, ctx);
      // A handler that outlived its deadline gets the same answer as one that threw at it:
      // otherwise the caller sees TIMEOUT or a late result depending on which timer fired first.
      if (!ctx.shutDown && Date.now() >= call.deadline) return delivery.expectsReply ? TIMEOUT : undefined;
      const checked = spec.output.safeParse(output);
      if (!checked.success) {
        log.error({ method: call.method, issues: checked.error.issues }, 'handler returned a value outside its output schema');
        return delivery.expectsReply ? INTERNAL : undefined;
      }
      return delivery.expectsReply ? resultBody(checked.data) : undefined;
    } catch (thrown) {
      // Rejecting hands the call back to the broker for another worker (a counted delivery).
      if (ctx.shutDown) throw SHUTDOWN;
      if (!delivery.expectsReply) return undefined;
      // The deadline passed mid-handler: the caller already got TIMEOUT from its gateway.
      if (Date.now() >= call.deadline) return TIMEOUT;
      return this.#errorReply(contract, call.method, thrown);
    } finally {
      ctx.end();
      this.#running.delete(ctx);
    }
  }

  /** Declared errors keep their code and checked data; anything else is logged and hidden. */
  #errorReply(contract: Contract, method: string, thrown: unknown): ReplyBody {
    const log = this.#options.log;
    if (thrown instanceof WarrenError) {
      const declared = Object.values(contract.errors ?? {}).find((spec) => spec.code === thrown.code);
      if (declared) {
        if (declared.data) {
          const data = declared.data.safeParse(thrown.data);
          if (!data.success) {
            log.error({ method, code: thrown.code }, 'declared error thrown with data outside its schema');
            return INTERNAL;
          }
          return errorBody({ code: thrown.code, message: thrown.message, data: data.data });
        }
        return errorBody({ code: thrown.code, message: thrown.message });
      }
      // Warren's own codes (e.g. INVALID_PARAMS from re-validation, TIMEOUT) pass through.
      if (thrown.code <= -32000 && thrown.code >= -32768) return errorBody(thrown.toJSON());
    }
    log.error({ method, err: thrown }, 'handler failed');
    return INTERNAL;
  }
}

/**
 * The handler's input. A call that comes straight from a gateway in this process, checked by
 * this very schema, is taken as validated; anything from a broker is parsed and checked again,
 * and so is a redelivery (the first handler may have changed the object it was given).
 */
function paramsOf(spec: MethodSpec, delivery: Delivery): unknown {
  const { call } = delivery;
  if (delivery.attempts === 0 && call.validated?.schema === spec.input) return call.validated.value;
  return validateParams(spec.input, JSON.parse(call.params));
}
