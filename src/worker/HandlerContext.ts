/**
 * The context a handler receives: one small object per call, its methods on the prototype.
 *
 * The deadline signal is made on first read. An AbortController (an EventTarget) and its
 * deadline timer cost more than a typical handler, and most handlers never look at the
 * signal; the worker checks the deadline by the clock when the handler returns instead.
 */
import type { Context, Logger } from '../contract/implement.ts';
import type { Contract } from '../contract/defineContract.ts';
import { ErrorCode, WarrenError } from 'warren-client/protocol';
import { DEFAULT_TOPIC, isValidTopic } from '../protocol/routing.ts';
import { replayRetention } from '../contract/eventDelivery.ts';
import type { Call, Principal } from '../protocol/call.ts';
import type { Delivery, Transport } from '../transport/Transport.ts';
import { MAX_TIMER_MS } from 'warren-client/protocol';

/** The abort reason when the worker stops before the handler finished. */
export const SHUTDOWN = new WarrenError(ErrorCode.UNAVAILABLE, 'Worker shutting down');

export interface ContextSource {
  contract: Contract;
  call: Call;
  delivery: Delivery;
  transport: Transport;
  log: Logger;
}

export class HandlerContext implements Context {
  readonly principal: Principal | null;
  readonly deadline: number;
  readonly redelivered: boolean;
  readonly callId: string | undefined;
  readonly method: string;
  readonly log: Logger;
  readonly #contract: Contract;
  readonly #transport: Transport;
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once stop() gave up waiting for this call. */
  #shutdown = false;
  #ended = false;

  constructor({ contract, call, delivery, transport, log }: ContextSource) {
    this.principal = call.principal;
    this.deadline = call.deadline;
    this.redelivered = delivery.redelivered;
    this.callId = delivery.callId;
    this.method = call.method;
    this.log = log;
    this.#contract = contract;
    this.#transport = transport;
  }

  /** Aborts with TIMEOUT at the deadline, or with UNAVAILABLE when the worker stops first. */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    if (this.#shutdown) controller.abort(SHUTDOWN);
    else if (!this.#ended) {
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) controller.abort(new WarrenError(ErrorCode.TIMEOUT));
      // Beyond setTimeout's range (~24.8 days) the deadline is as good as none.
      else if (remaining <= MAX_TIMER_MS) this.#timer = setTimeout(abortAtDeadline, remaining, controller);
    }
    return controller.signal;
  }

  /** True once stop() aborted this call: its outcome goes back to the queue unanswered. */
  get shutDown(): boolean {
    return this.#shutdown;
  }

  abortForShutdown(): void {
    this.#shutdown = true;
    clearTimeout(this.#timer);
    this.#controller?.abort(SHUTDOWN);
  }

  /** The handler finished: no timer may outlive it. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#timer);
  }

  async emit(event: string, payload: unknown, options: { topic?: string } = {}): Promise<void> {
    const contract = this.#contract;
    const spec = contract.events?.[event];
    if (!spec) throw new TypeError(`${contract.service}: no event named "${event}"`);
    const topic = options.topic ?? DEFAULT_TOPIC;
    if (!isValidTopic(topic)) throw new TypeError(`Invalid topic "${topic}": 1-200 UTF-8 bytes, no dots, *, # or whitespace`);
    const parsed = spec.payload.parse(payload);
    await this.#transport.publishEvent({ event: `${contract.service}.${event}`, topic, payload: JSON.stringify(parsed) }, replayRetention(spec));
  }

  error(name: string, ...rest: unknown[]): WarrenError {
    const spec = this.#contract.errors?.[name];
    if (!spec) throw new TypeError(`${this.#contract.service}: no error named "${name}"`);
    return new WarrenError(spec.code, spec.message, { data: rest[0] });
  }
}

function abortAtDeadline(controller: AbortController): void {
  controller.abort(new WarrenError(ErrorCode.TIMEOUT));
}
