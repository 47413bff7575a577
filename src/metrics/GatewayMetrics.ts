/**
 * The gateway's series. Every label value comes from the contracts (methods, events, declared
 * error codes) or from a fixed list (refusal reasons, close codes), never from a client's
 * frame: cells are bound once, here, and a method no contract declares is counted as
 * `(unknown)`. The gauges are read from the gateway when Prometheus scrapes, so they cost the
 * hot path nothing.
 */
import { Gauge, Counter, type Registry } from 'prom-client';
import { ErrorCode, type Id } from 'warren-client/protocol';
import { CounterFamily, HistogramFamily, type CounterCell, type HistogramCell } from './cells.ts';
import { OutcomeChildren, UNKNOWN, knownCodes, outcomeAt } from './registry.ts';

/** What the gateway is holding, read at scrape time. */
export interface GatewayGauges {
  connections(): number;
  inFlight(): number;
  subscriptions(): number;
  transportReady(): boolean;
  /** Broker connections made again after a loss, since start (0 on the memory transport). */
  reconnects(): number;
}

/** Why a frame was refused before any call in it ran. */
export type RefusalReason = 'too_big' | 'binary' | 'invalid_json' | 'invalid_request' | 'rate_limited';
const REASONS: readonly RefusalReason[] = ['too_big', 'binary', 'invalid_json', 'invalid_request', 'rate_limited'];

/** Close codes counted by their number; any other code a client sends is `other`. */
const CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011]);

/** Seconds; from a local answer (well under a millisecond) to a call's default deadline (10 s). */
export const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The `rpc.*` methods the gateway answers itself. */
export const BUILTIN_METHODS = ['rpc.subscribe', 'rpc.unsubscribe', 'rpc.ping', 'rpc.cancel', 'rpc.discover'];

const NOTIFICATION = 'notification';
/** `{"jsonrpc":"2.0","id":` — what comes before the id in every response. */
const ID_AT = 22;

/** The cells of one method. */
class MethodSeries {
  readonly calls: OutcomeChildren<CounterCell>;
  readonly notifications: CounterCell;
  readonly duration: HistogramCell;

  constructor(method: string, calls: CounterFamily<'method' | 'code'>, duration: HistogramFamily<'method'>, known: ReadonlySet<number>) {
    // The ok cell is made now, at 0, so that rate() and absent() see every method from the start.
    this.calls = new OutcomeChildren(known, (code) => calls.cell(method, code));
    this.notifications = calls.cell(method, NOTIFICATION);
    this.duration = duration.cell(method);
  }
}

/** The names of the gateway's series that its status page reads (GatewayStatus.ts) too. */
export const GatewaySeries = {
  CALLS: 'warren_gateway_calls_total',
  DURATION: 'warren_gateway_call_duration_seconds',
  CONNECTIONS: 'warren_gateway_connections',
  IN_FLIGHT: 'warren_gateway_calls_in_flight',
  SUBSCRIPTIONS: 'warren_gateway_subscriptions',
  READY: 'warren_gateway_transport_ready',
  RECONNECTS: 'warren_gateway_broker_reconnects_total',
} as const;

export interface GatewayMetricsOptions {
  registry: Registry;
  /** Wire names of the contracts' methods. */
  methods: readonly string[];
  /** Wire names of the contracts' events. */
  events: readonly string[];
  /** Error codes the contracts declare. */
  declaredCodes: readonly number[];
  gauges: GatewayGauges;
}

export class GatewayMetrics {
  readonly registry: Registry;
  readonly #methods = new Map<string, MethodSeries>();
  readonly #unknown: MethodSeries;
  readonly #overloaded: CounterCell;
  readonly #refused = new Map<RefusalReason, CounterCell>();
  readonly #events = new Map<string, CounterCell>();
  readonly #unknownEvent: CounterCell;
  readonly #opens: CounterCell;
  readonly #closes: CounterFamily<'code'>;

  constructor({ registry, methods, events, declaredCodes, gauges }: GatewayMetricsOptions) {
    this.registry = registry;
    const registers = [registry];
    const known = knownCodes(declaredCodes);
    const calls = new CounterFamily({
      name: GatewaySeries.CALLS,
      help: 'Calls answered (or, for notifications, published) by the gateway, by method and outcome code ("ok", a JSON-RPC error code, "other", "notification")',
      labelNames: ['method', 'code'] as const,
      registry,
    });
    const duration = new HistogramFamily({
      name: GatewaySeries.DURATION,
      help: 'Time from a request frame read off the socket to its answer written, by method',
      labelNames: ['method'] as const,
      buckets: CALL_BUCKETS,
      registry,
    });
    for (const method of [...methods, ...BUILTIN_METHODS]) this.#methods.set(method, new MethodSeries(method, calls, duration, known));
    this.#unknown = new MethodSeries(UNKNOWN, calls, duration, known);
    this.#overloaded = new CounterFamily({
      name: 'warren_gateway_overloaded_total',
      help: 'Answers with OVERLOADED (-32003): limits on calls in flight, subscriptions, rate, queue length',
      labelNames: [],
      registry,
    }).cell();
    const refused = new CounterFamily({ name: 'warren_gateway_frames_refused_total', help: 'Frames refused before any call in them ran, by reason', labelNames: ['reason'] as const, registry });
    for (const reason of REASONS) this.#refused.set(reason, refused.cell(reason));
    const pushed = new CounterFamily({ name: 'warren_gateway_events_pushed_total', help: 'Event notifications written to sockets, by event', labelNames: ['event'] as const, registry });
    for (const event of events) this.#events.set(event, pushed.cell(event));
    this.#unknownEvent = pushed.cell(UNKNOWN);
    this.#opens = new CounterFamily({ name: 'warren_gateway_connections_opened_total', help: 'WebSocket connections accepted', labelNames: [], registry }).cell();
    this.#closes = new CounterFamily({
      name: 'warren_gateway_connections_closed_total',
      help: 'WebSocket connections closed, by the close code received (1000-1011 by number, any other "other")',
      labelNames: ['code'] as const,
      registry,
    });
    for (const code of [1000, 1001, 1006]) this.#closeOf(code);
    new Gauge({ name: GatewaySeries.CONNECTIONS, help: 'Open WebSocket connections', registers, collect() { this.set(gauges.connections()); } });
    new Gauge({ name: GatewaySeries.IN_FLIGHT, help: 'Requests waiting for their authorization or their reply', registers, collect() { this.set(gauges.inFlight()); } });
    new Gauge({ name: GatewaySeries.SUBSCRIPTIONS, help: 'Subscriptions held by open connections', registers, collect() { this.set(gauges.subscriptions()); } });
    new Gauge({ name: GatewaySeries.READY, help: '1 while the transport can carry calls (the broker connection is up), else 0', registers, collect() { this.set(gauges.transportReady() ? 1 : 0); } });
    new Counter({
      name: GatewaySeries.RECONNECTS,
      help: 'Broker connections made again after one was lost',
      registers,
      collect() {
        this.reset();
        this.inc(gauges.reconnects());
      },
    });
  }

  #closeOf(code: number): CounterCell {
    return this.#closes.cell(CLOSE_CODES.has(code) ? String(code) : 'other');
  }

  /**
   * Counts one request from `start` (performance.now() when its frame was read) to its
   * answer: wraps the function that writes it. `method` is the request's method name, as the
   * client sent it; it becomes a label only if a contract declares it.
   */
  track(method: string | undefined, id: Id | undefined, start: number, done: (response: string | undefined) => void): (response: string | undefined) => void {
    const series = (method !== undefined && this.#methods.get(method)) || this.#unknown;
    return (response) => {
      done(response);
      if (response === undefined) return series.notifications.inc();
      series.duration.observe((performance.now() - start) / 1000);
      // The response is `{"jsonrpc":"2.0","id":<id>,"result"…` or `…,"error":{"code":N…`.
      const at = ID_AT + (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < 1e21 ? digitsOf(id) : JSON.stringify(id ?? null).length) + 1;
      const outcome = outcomeAt(response, at);
      if (outcome === ErrorCode.OVERLOADED) this.#overloaded.inc();
      series.calls.of(outcome).inc();
    };
  }

  refused(reason: RefusalReason): void {
    this.#refused.get(reason)!.inc();
  }

  /** Requests answered OVERLOADED outside a call's own way: the rate limit's refusals. */
  overloaded(count: number): void {
    this.#overloaded.inc(count);
  }

  opened(): void {
    this.#opens.inc();
  }

  closed(code: number): void {
    this.#closeOf(code).inc();
  }

  /** The counter of one event's pushes; for an event no contract declares, `(unknown)`'s. */
  pushes(event: string): CounterCell {
    return this.#events.get(event) ?? this.#unknownEvent;
  }
}

function digitsOf(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}
