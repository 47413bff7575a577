/**
 * The Prometheus registry of a Warren process, and the outcome labels its series share.
 *
 * Warren never registers on prom-client's global default registry: an app that embeds a
 * gateway or a worker keeps its own registry as it was, and merges Warren's into it if it
 * wants one scrape (`Registry.merge([app, gateway.metrics])`), or passes its own registry in.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ErrorCode } from 'warren-client/protocol';

export { Registry };

/**
 * How a gateway or worker is told to keep metrics: `true` makes a registry of its own with
 * the default process metrics (see createMetricsRegistry); a Registry gets Warren's series
 * registered on it, and nothing else; `false` or absent keeps none.
 */
export type MetricsOption = boolean | Registry;

/** Label of every series whose method or event no contract declares: never the client's text. */
export const UNKNOWN = '(unknown)';

/** Outcome label of an answered call that returned a result. */
export const OK = 'ok';
/** Outcome label of an error code that is neither Warren's nor declared by a contract. */
export const OTHER = 'other';

/**
 * A registry for one process, with Node's default metrics: CPU, memory, heap, handles, GC and
 * event-loop lag (`process_*`, `nodejs_*`, `nodejs_eventloop_lag_seconds`). They keep
 * prom-client's standard names, without Warren's prefix, so dashboards made for them work.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return registry;
}

/** A prom-client Registry, also one of another copy of prom-client than Warren's. */
export function isRegistry(value: unknown): value is Registry {
  const r = value as Partial<Registry> | null;
  return typeof r === 'object' && r !== null && typeof r.metrics === 'function' && typeof r.registerMetric === 'function' && typeof r.contentType === 'string';
}

/** The registry an option asks for; undefined for none. */
export function registryOf(option: MetricsOption | undefined): Registry | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? createMetricsRegistry() : option;
}

/**
 * The error codes an outcome label may take: Warren's own, and those declared by the
 * contracts served. Anything else (a worker of another contract version, say) is `other`, so
 * the number of series is fixed by the contracts, not by what comes over the wire.
 */
export function knownCodes(declared: Iterable<number>): Set<number> {
  return new Set<number>([...Object.values(ErrorCode), ...declared]);
}

const ERROR_KEY = '"error":{"code":';
const RESULT_KEY = '"result":';

/**
 * The outcome of a JSON-RPC response or reply body at `at`, where its `"result"` or
 * `"error"` member starts: 'ok', or the error's code. NaN when neither is there.
 */
export function outcomeAt(text: string, at: number): number | 'ok' {
  if (text.startsWith(RESULT_KEY, at)) return OK;
  if (!text.startsWith(ERROR_KEY, at)) return Number.NaN;
  let i = at + ERROR_KEY.length;
  let sign = 1;
  if (text.charCodeAt(i) === 45 /* - */) {
    sign = -1;
    i++;
  }
  let code = 0;
  let digits = 0;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57 && digits < 10; c = text.charCodeAt(++i), digits++) code = code * 10 + (c - 48);
  return digits === 0 ? Number.NaN : sign * code;
}

/** A reply body's outcome: `{"result":…}` or `{"error":{"code":N,…}}`. */
export function outcomeOfBody(body: string): number | 'ok' {
  return outcomeAt(body, 1);
}

/** Pre-bound children of one labelled series, one per outcome, made as outcomes first occur. */
export class OutcomeChildren<T> {
  readonly #known: ReadonlySet<number>;
  readonly #make: (outcome: string) => T;
  readonly #byCode = new Map<number, T>();
  readonly ok: T;
  #other: T | undefined;

  constructor(known: ReadonlySet<number>, make: (outcome: string) => T) {
    this.#known = known;
    this.#make = make;
    this.ok = make(OK);
  }

  of(outcome: number | 'ok'): T {
    if (outcome === OK) return this.ok;
    let child = this.#byCode.get(outcome);
    if (child) return child;
    if (!this.#known.has(outcome)) return (this.#other ??= this.#make(OTHER));
    child = this.#make(String(outcome));
    this.#byCode.set(outcome, child);
    return child;
  }
}
