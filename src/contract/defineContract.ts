/**
 * The contract API: a service's methods, events and declared errors, written once with zod.
 */
import { z } from 'zod';
import { isReservedCode } from 'warren-client/protocol';
import { isQueueType, type QueueType } from '../protocol/routing.ts';
import { resolveDelivery } from './eventDelivery.ts';
import { draft07, SDK_RESERVED_METHOD_NAMES, Unrepresentable } from './jsonSchema.ts';
import { paramsShapes, type ParamsSchema } from './params.ts';

/**
 * A method's params: a `z.object` takes named params; a `z.tuple` (with or without a rest
 * element) or a `z.array` positional ones; a `z.union` of one of each takes either.
 */
export type { ParamsSchema };

export interface MethodSpec<I extends ParamsSchema = ParamsSchema, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Deadline for one call, in milliseconds. @default the gateway's `defaultTimeoutMs` (10 000) */
  timeoutMs?: number;
  /**
   * Running the call twice has the same effect as once, so a client may resend it after a
   * reconnect. @default false
   */
  idempotent?: boolean;
  /** The caller's principal must hold one of these roles (`principal.roles`). @default anyone may call */
  roles?: readonly string[];
  /**
   * Most calls waiting in this method's queue; past it the broker refuses new calls and
   * callers get OVERLOADED. @default unbounded (calls still expire at their deadline)
   */
  maxQueueLength?: number;
  /**
   * The kind of this method's queue on RabbitMQ: `quorum` (replicated across a cluster's nodes,
   * so the calls in it survive the loss of a node) or `classic` (on one node). Set here, it wins
   * over the workers' deployment setting (`--queue-type`, AmqpTransport's `queueType`), so every
   * worker declares the queue alike. An existing queue keeps its type: changing it needs the
   * queue drained and deleted (docs/cluster.md). @default the deployment's, 'classic' unless set
   */
  queueType?: QueueType;
  /**
   * Calls with the same key run one after another, never two at once, in the order the gateway
   * received them; calls with other keys still spread over the workers. Runs on the gateway,
   * after validation, with the validated params; returns the key (for example the chat room).
   * Such a method is served from sharded quorum queues (docs/delivery.md, "Ordered calls"), so
   * it cannot also ask for `queueType: 'classic'`. Without it, calls have no order at all: they
   * run concurrently, on any worker. @default no order
   */
  // `never`, in method syntax (its parameter checked both ways), so that any key function fits a
  // spec typed only as ContractSpec: defineContract types each method's orderBy from that
  // method's input (OrderedMethods).
  orderBy?(input: never): string;
  /** The method is on its way out; clients should stop calling it. @default false */
  deprecated?: boolean;
  description?: string;
}

export interface EventSpec<P extends z.ZodType = z.ZodType> {
  payload: P;
  /**
   * How the event reaches subscribers. 'volatile' (default): to the sockets subscribed when it is
   * emitted, at most once. 'replayable': also stored in the broker for `retention`, so a subscriber
   * that comes back (on any gateway) resumes after the last event it saw.
   */
  delivery?: 'volatile' | 'replayable';
  /** Replayable events only: how much history is kept. At least one limit; @default { maxAge: '1D' } */
  retention?: { maxAge?: string; maxBytes?: number };
  /** The event is on its way out. @default false */
  deprecated?: boolean;
  description?: string;
}

export interface ErrorSpec<D extends z.ZodType = z.ZodType> {
  /** JSON-RPC code; must lie outside -32768..-32000, which JSON-RPC reserves. */
  code: number;
  message: string;
  data?: D;
  description?: string;
}

export interface ContractSpec {
  /** Service name: the first word of every wire name (`chat` in `chat.send`). */
  service: string;
  /**
   * Semver version of the contract (`1.4.0`). `warren check` lets breaking changes through when
   * its major goes up (below 1.0.0: its minor). @default unversioned
   */
  version?: string;
  description?: string;
  methods: Record<string, MethodSpec>;
  events?: Record<string, EventSpec>;
  errors?: Record<string, ErrorSpec>;
}

export type Contract<S extends ContractSpec = ContractSpec> = S & { readonly kind: 'warren.contract' };

/**
 * What a method's orderBy is given: the params its input schema validated (z.output, so after
 * transforms and defaults). A spec typed only as ContractSpec has no schema to tell: `never`,
 * so every key function fits it.
 */
type OrderByInput<I extends ParamsSchema> = ParamsSchema extends I ? never : z.output<I>;

/**
 * The per-method view of a spec that types each orderBy. It needs its own type parameter (the
 * methods' input schemas) beside the spec's: a spec holding an orderBy with an unannotated
 * parameter is context-sensitive, so TypeScript infers nothing from it as a whole until that
 * parameter is typed, but it does infer the input schemas through this mapped type first, and
 * then types the parameter from them. Each entry carries the rest of MethodSpec so that the
 * excess-property check against it knows every field, and is optional because TypeScript infers
 * the keys of a conditional `methods` from its first branch only.
 */
type OrderedMethods<I extends Record<string, ParamsSchema>> = {
  [M in keyof I]?: Omit<MethodSpec<I[M]>, 'orderBy'> & { orderBy?: (input: OrderByInput<I[M]>) => string };
};

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** MAJOR.MINOR.PATCH with an optional pre-release and build, as semver.org defines it. */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** The longest delay a Node or browser timer can wait; longer ones fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function checkName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new TypeError(`Invalid ${what} name "${name}": use letters, digits and _, starting with a letter`);
  }
}

/**
 * Refuses a message JSON Schema cannot describe (a z.date(), a z.map(), an output transform …),
 * naming it and the field: codegen, the contracts lock and the gateway's discovery document
 * all describe every message, so such a contract is refused where it is declared.
 */
function checkDescribable(message: string, schema: z.ZodType, io: 'input' | 'output'): void {
  try {
    draft07(schema, io);
  } catch (err) {
    if (!(err instanceof Unrepresentable)) throw err;
    const field = err.path === '' ? ' (at the root)' : ` at field "${err.path}"`;
    throw new TypeError(`${message}${field}: ${err.reason}`);
  }
}

/**
 * Declares a service contract. Checks names, schema kinds, that JSON Schema can describe every
 * message, each event's delivery and retention, and error codes at once, so a bad contract fails at import time with a message
 * naming the culprit. Each method's `orderBy` is typed from its input schema, like its handler.
 */
export function defineContract<
  const S extends ContractSpec,
  I extends Record<string, ParamsSchema> = Record<string, ParamsSchema>,
>(spec: S & { methods: OrderedMethods<I> }): Contract<S> {
  checkName('service', spec.service);
  // JSON-RPC 2.0 reserves `rpc.*` method names; the gateway answers them itself.
  if (spec.service === 'rpc') throw new TypeError('Invalid service name "rpc": JSON-RPC reserves rpc.* methods');
  if (spec.version !== undefined && !(typeof spec.version === 'string' && SEMVER.test(spec.version))) {
    throw new TypeError(`${spec.service}: version ${JSON.stringify(spec.version)} must be a semver version such as "1.0.0"`);
  }
  for (const [name, method] of Object.entries(spec.methods)) {
    checkName('method', name);
    const where = `${spec.service}.${name}`;
    if (SDK_RESERVED_METHOD_NAMES.has(name)) {
      throw new TypeError(`${where}: the method name "${name}" clashes with the generated SDK's api.${spec.service}.${name}: rename the method`);
    }
    if (!paramsShapes(method.input)) {
      throw new TypeError(
        `${where}: input must be a z.object (named params), a z.tuple or z.array (positional params), ` +
          'or a z.union of one positional and one named shape (either)',
      );
    }
    if (!(method.output instanceof z.ZodType)) throw new TypeError(`${where}: output must be a zod schema`);
    checkDescribable(`${where} input`, method.input, 'input');
    checkDescribable(`${where} output`, method.output, 'output');
    if (method.roles !== undefined && !(Array.isArray(method.roles) && method.roles.every((r) => typeof r === 'string' && r))) {
      throw new TypeError(`${where}: roles must be an array of non-empty strings`);
    }
    if (method.maxQueueLength !== undefined && !(Number.isInteger(method.maxQueueLength) && method.maxQueueLength > 0)) {
      throw new TypeError(`${where}: maxQueueLength must be a positive integer`);
    }
    if (method.queueType !== undefined && !isQueueType(method.queueType)) {
      throw new TypeError(`${where}: queueType must be 'classic' or 'quorum'`);
    }
    if (method.orderBy !== undefined) {
      if (typeof method.orderBy !== 'function') throw new TypeError(`${where}: orderBy must be a function of the input returning a string`);
      if (method.queueType === 'classic') {
        throw new TypeError(`${where}: orderBy needs quorum queues (a classic queue cannot keep a failed call ahead of the calls behind it); drop queueType: 'classic'`);
      }
    }
    const { timeoutMs } = method;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
      throw new TypeError(`${where}: timeoutMs must be a positive integer of at most ${MAX_TIMEOUT_MS}`);
    }
  }
  for (const [name, event] of Object.entries(spec.events ?? {})) {
    checkName('event', name);
    if (!(event.payload instanceof z.ZodType)) throw new TypeError(`${spec.service}.${name}: payload must be a zod schema`);
    checkDescribable(`${spec.service}.${name} payload`, event.payload, 'output');
    if (Object.hasOwn(spec.methods, name)) {
      throw new TypeError(`${spec.service}.${name}: an event and a method share this name`);
    }
    resolveDelivery(event, `${spec.service}.${name}`);
  }
  const codes = new Map<number, string>();
  for (const [name, error] of Object.entries(spec.errors ?? {})) {
    checkName('error', name);
    if (!Number.isInteger(error.code) || isReservedCode(error.code)) {
      throw new TypeError(`Error ${name}: code ${error.code} must be an integer outside -32768..-32000`);
    }
    if (error.data !== undefined) {
      if (!(error.data instanceof z.ZodType)) throw new TypeError(`${spec.service}.${name}: data must be a zod schema`);
      checkDescribable(`${spec.service}.${name} data`, error.data, 'output');
    }
    const clash = codes.get(error.code);
    if (clash) throw new TypeError(`Errors ${clash} and ${name} share code ${error.code}`);
    codes.set(error.code, name);
  }
  return Object.freeze({ ...spec, kind: 'warren.contract' as const });
}

/** True for a value made by defineContract. */
export function isContract(value: unknown): value is Contract {
  return typeof value === 'object' && value !== null && (value as Contract).kind === 'warren.contract';
}
