/**
 * What the gateway's status page shows, read from the gateway's own Prometheus registry: the
 * same series `/metrics` serves, never a second count. Once a second it keeps a reading of
 * the cumulative series; a report compares a fresh reading with the oldest one kept, a
 * window back, so its rates and quantiles are those of the last `windowMs`, as Prometheus'
 * `rate(…[10s])` and `histogram_quantile` would give (the arithmetic is window.ts).
 *
 * A reading asks prom-client for a handful of the gateway's series (not Node's process
 * metrics): the calls counter, the duration histogram and the gauges, all collected in one
 * turn of the event loop, so they agree with each other. Calls pay nothing for it.
 */
import type { Registry } from 'prom-client';
import { errorCodeName } from 'warren-client/protocol';
import { bucketDeltas, counterDelta, histogramQuantile, perSecond } from './window.ts';
import { GatewaySeries } from './GatewayMetrics.ts';

/** Options of the status page (GatewayOptions.status). */
export interface StatusOptions {
  /** The span rates and quantiles are computed over. @default 10000 */
  windowMs?: number;
}

export const STATUS_DEFAULTS = Object.freeze({ windowMs: 10_000 });

/** How often a reading is kept. */
export const SAMPLE_MS = 1000;

// The gateway's series (GatewayMetrics.ts), by name.
const { CALLS, DURATION, CONNECTIONS, IN_FLIGHT, SUBSCRIPTIONS, READY, RECONNECTS } = GatewaySeries;
const SERIES = [CALLS, DURATION, CONNECTIONS, IN_FLIGHT, SUBSCRIPTIONS, READY, RECONNECTS];

const OK = 'ok';
/** The calls label of a notification: a call, but not an answer. */
const NOTIFICATION = 'notification';

interface Value {
  value: number;
  labels: Record<string, string | number | undefined>;
  metricName?: string;
}

/** The cumulative series at one moment. */
interface Reading {
  /** performance.now() */
  at: number;
  /** method → code → calls */
  calls: Map<string, Map<string, number>>;
  /** Finite upper bounds of the duration buckets, ascending. */
  bounds: number[];
  /** method → cumulative bucket counts (le order, then +Inf) */
  buckets: Map<string, number[]>;
  gauges: Map<string, number>;
}

export interface MethodStatus {
  method: string;
  /** Calls in the window, notifications included. */
  calls: number;
  perSecond: number;
  /** Answers with an error in the window. */
  errors: number;
  /** Seconds, estimated from the duration buckets; null when no answer in the window. */
  p50: number | null;
  p99: number | null;
  /** Calls in the window by outcome: "ok", an error code, "other", "notification". */
  codes: Record<string, number>;
}

export interface CodeStatus {
  /** "ok", a JSON-RPC error code, or "other" (a code neither Warren's nor declared). */
  code: string;
  /** Warren's name of the code (INVALID_PARAMS), or the contract's name of a declared one. */
  name: string | null;
  answers: number;
  perSecond: number;
}

/** What `GET /status.json` answers. */
export interface StatusReport {
  /** The span the counts, rates and quantiles are over: up to the window, less just after start. */
  windowSeconds: number;
  transport: { kind: string; ready: boolean; reconnects: number; reconnectsInWindow: number };
  connections: number;
  inFlight: number;
  subscriptions: number;
  /** Every method's calls in the window. */
  calls: { count: number; perSecond: number };
  /** Methods with calls in the window, busiest first. */
  methods: MethodStatus[];
  /** Answers in the window by outcome, "ok" first, then the most frequent. */
  codes: CodeStatus[];
}

export interface GatewayStatusOptions {
  registry: Registry;
  windowMs: number;
  /** The transport's kind, shown beside its state. */
  transport: string;
  /** Names of the contracts' declared error codes. */
  codeNames: ReadonlyMap<number, string>;
}

export class GatewayStatus {
  readonly #registry: Registry;
  readonly #windowMs: number;
  readonly #transport: string;
  readonly #codeNames: ReadonlyMap<number, string>;
  /** Readings, oldest first: the first one is the newest that is at least a window old. */
  readonly #kept: Reading[] = [];

  constructor({ registry, windowMs, transport, codeNames }: GatewayStatusOptions) {
    this.#registry = registry;
    this.#windowMs = windowMs;
    this.#transport = transport;
    this.#codeNames = codeNames;
  }

  /** Keeps a reading, and drops those the window no longer needs. Run every SAMPLE_MS. */
  async sample(): Promise<void> {
    const reading = await this.#read();
    const kept = this.#kept;
    // Two readings in flight may finish out of order; the later-started one is kept.
    if (kept.length > 0 && kept[kept.length - 1]!.at > reading.at) return;
    kept.push(reading);
    while (kept.length > 1 && kept[1]!.at <= reading.at - this.#windowMs) kept.shift();
  }

  /** The window up to now. */
  async report(): Promise<StatusReport> {
    const now = await this.#read();
    const then = this.#kept[0] ?? now;
    const seconds = (now.at - then.at) / 1000;
    const methods: MethodStatus[] = [];
    const byCode = new Map<string, number>();
    let count = 0;
    for (const [method, codes] of now.calls) {
      const before = then.calls.get(method);
      const grown: Record<string, number> = {};
      let calls = 0;
      let errors = 0;
      for (const [code, value] of codes) {
        const delta = counterDelta(before?.get(code) ?? 0, value);
        if (delta === 0) continue;
        grown[code] = delta;
        calls += delta;
        if (code !== NOTIFICATION) byCode.set(code, (byCode.get(code) ?? 0) + delta);
        if (code !== OK && code !== NOTIFICATION) errors += delta;
      }
      if (calls === 0) continue;
      count += calls;
      const cumulative = now.buckets.get(method);
      const buckets = cumulative && bucketDeltas(then.buckets.get(method), cumulative);
      const quantile = (q: number) => (buckets ? (histogramQuantile(q, now.bounds, buckets) ?? null) : null);
      methods.push({ method, calls, perSecond: perSecond(calls, seconds), errors, p50: quantile(0.5), p99: quantile(0.99), codes: grown });
    }
    methods.sort((a, b) => b.calls - a.calls || (a.method < b.method ? -1 : 1));
    const codes = [...byCode]
      .map(([code, answers]) => ({ code, name: this.#nameOf(code), answers, perSecond: perSecond(answers, seconds) }))
      .sort((a, b) => Number(b.code === OK) - Number(a.code === OK) || b.answers - a.answers || (a.code < b.code ? -1 : 1));
    const gauge = (name: string) => now.gauges.get(name) ?? 0;
    const reconnects = gauge(RECONNECTS);
    return {
      windowSeconds: seconds,
      transport: {
        kind: this.#transport,
        ready: gauge(READY) === 1,
        reconnects,
        reconnectsInWindow: counterDelta(then.gauges.get(RECONNECTS) ?? 0, reconnects),
      },
      connections: gauge(CONNECTIONS),
      inFlight: gauge(IN_FLIGHT),
      subscriptions: gauge(SUBSCRIPTIONS),
      calls: { count, perSecond: perSecond(count, seconds) },
      methods,
      codes,
    };
  }

  #nameOf(code: string): string | null {
    const n = Number(code);
    if (!Number.isInteger(n)) return null;
    return errorCodeName(n) ?? this.#codeNames.get(n) ?? null;
  }

  async #read(): Promise<Reading> {
    const at = performance.now();
    // Every collect() runs before the first await: the series are read in one turn.
    const metrics = await Promise.all(SERIES.map((name) => this.#registry.getSingleMetric(name)?.get()));
    const reading: Reading = { at, calls: new Map(), bounds: [], buckets: new Map(), gauges: new Map() };
    metrics.forEach((metric, i) => {
      const values = (metric?.values ?? []) as Value[];
      const name = SERIES[i]!;
      if (name === CALLS) {
        for (const { labels, value } of values) {
          const method = String(labels.method);
          let codes = reading.calls.get(method);
          if (!codes) reading.calls.set(method, (codes = new Map()));
          codes.set(String(labels.code), value);
        }
      } else if (name === DURATION) {
        readBuckets(values, reading);
      } else {
        reading.gauges.set(name, values[0]?.value ?? 0);
      }
    });
    return reading;
  }
}

/** The `_bucket` samples of the duration histogram, by method, in `le` order. */
function readBuckets(values: readonly Value[], reading: Reading): void {
  const byMethod = new Map<string, [le: number, count: number][]>();
  for (const { metricName, labels, value } of values) {
    if (metricName !== `${DURATION}_bucket`) continue;
    const method = String(labels.method);
    let pairs = byMethod.get(method);
    if (!pairs) byMethod.set(method, (pairs = []));
    pairs.push([labels.le === '+Inf' ? Infinity : Number(labels.le), value]);
  }
  for (const [method, pairs] of byMethod) {
    pairs.sort((a, b) => a[0] - b[0]);
    if (reading.bounds.length === 0) reading.bounds = pairs.slice(0, -1).map(([le]) => le);
    reading.buckets.set(method, pairs.map(([, count]) => count));
  }
}
