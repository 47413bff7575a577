/**
 * Handlers for a contract, typed from its schemas: input is the parsed params,
 * the return value must satisfy the output schema.
 */
import type { z } from 'zod';
import type { WarrenError } from 'warren-client/protocol';
import type { Principal } from '../protocol/call.ts';
import type { Contract, ContractSpec, ErrorSpec } from './defineContract.ts';
import type { Logger } from './Logger.ts';

export type { Logger };

type Events<C extends ContractSpec> = NonNullable<C['events']>;
type Errors<C extends ContractSpec> = NonNullable<C['errors']>;

type ErrorData<E> = E extends ErrorSpec<infer D> ? (E extends { data: z.ZodType } ? z.input<D> : undefined) : never;

export interface Context<C extends ContractSpec = ContractSpec> {
  /** The caller, or null when anonymous. */
  principal: Principal | null;
  /** Fires when the call's deadline passes; long work should stop then. */
  signal: AbortSignal;
  /** Epoch milliseconds of the deadline. */
  deadline: number;
  /** True when the broker delivered this call before (a worker died holding it). */
  redelivered: boolean;
  /**
   * The same on every delivery of this call, so an effect recorded under it (in the same
   * transaction as the effect) runs once however often the call is redelivered. A client's own
   * resend after a lost connection is a new call: for that, put a key of the client's in the
   * params. Undefined for notifications.
   */
  callId: string | undefined;
  /** Wire name of the method being served. */
  method: string;
  /**
   * The worker's span of this call (docs/tracing.md): its trace id, the client's when the client
   * sent a `traceparent`, and its span id. Set without an OpenTelemetry SDK too, then carrying the
   * incoming context on; undefined when the call is part of no trace.
   */
  trace: { traceId: string; spanId: string } | undefined;
  /** The worker's logger; a pino logger gets the call's `trace_id` and `span_id` bound. */
  log: Logger;
  /** Publishes one of the contract's events to its subscribers. */
  emit<E extends keyof Events<C> & string>(
    event: E,
    payload: z.input<Events<C>[E]['payload']>,
    options?: { topic?: string },
  ): Promise<void>;
  /** Builds a declared error to throw: `throw ctx.error('RoomFull', { capacity: 10 })`. */
  error<K extends keyof Errors<C> & string>(
    name: K,
    ...data: ErrorData<Errors<C>[K]> extends undefined ? [] : [data: ErrorData<Errors<C>[K]>]
  ): WarrenError;
}

export type Handler<C extends ContractSpec, M extends keyof C['methods']> = (
  input: z.output<C['methods'][M]['input']>,
  ctx: Context<C>,
) => Promise<z.input<C['methods'][M]['output']>> | z.input<C['methods'][M]['output']>;

export type Handlers<C extends ContractSpec> = { [M in keyof C['methods']]: Handler<C, M> };

export interface Implementation<C extends Contract = Contract> {
  contract: C;
  handlers: Handlers<C>;
}

/** Binds handlers to a contract. Every method needs a handler, and no other key is allowed. */
export function implement<C extends Contract>(contract: C, handlers: Handlers<C>): Implementation<C> {
  for (const name of Object.keys(contract.methods)) {
    if (typeof (handlers as Record<string, unknown>)[name] !== 'function') {
      throw new TypeError(`${contract.service}.${name}: no handler`);
    }
  }
  for (const name of Object.keys(handlers)) {
    if (!Object.hasOwn(contract.methods, name)) throw new TypeError(`${contract.service}.${name}: not in the contract`);
  }
  return { contract, handlers };
}
