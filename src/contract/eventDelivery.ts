/**
 * How an event reaches its subscribers, as a contract declares it (EventSpec's `delivery` and
 * `retention`), resolved with its defaults: what the runtime, codegen and `warren check` read.
 */

/** The contract's choice: `volatile` (the default) or `replayable`. */
export type DeliveryKind = 'volatile' | 'replayable';

import type { Retention } from '../protocol/retention.ts';

export type { Retention };

/** An event's delivery with the default applied: what `eventDelivery(spec)` returns. */
export type EventDelivery = { kind: 'volatile' } | { kind: 'replayable'; maxAge?: string; maxBytes?: number };

/** The retention of a replayable event that declares none. */
export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({ maxAge: '1D' });

/** The part of an EventSpec that says how it is delivered. */
export interface DeliverySpec {
  delivery?: DeliveryKind;
  retention?: Retention;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Milliseconds per `maxAge` unit. A year is 365 days and a month 30, as RabbitMQ counts them. */
const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  Y: 365 * DAY_MS,
  M: 30 * DAY_MS,
  D: DAY_MS,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
});

/** A positive integer without leading zeros, then exactly one unit. */
const MAX_AGE = /^([1-9][0-9]*)([YMDhms])$/;

const RETENTION_KEYS = new Set(['maxAge', 'maxBytes']);

/** The milliseconds of a `maxAge`, or undefined when it is outside the grammar or past 2^53 - 1 ms. */
function parseMaxAge(maxAge: unknown): number | undefined {
  if (typeof maxAge !== 'string') return undefined;
  const match = MAX_AGE.exec(maxAge);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * The milliseconds a `maxAge` stands for: n × its unit, with `Y` = 365 days and `M` = 30 days
 * (`'2h'` → 7 200 000). The grammar is RabbitMQ's `x-max-age`: a positive integer with no
 * leading zero, then one of `Y`, `M`, `D`, `h`, `m`, `s`; the result must be a safe integer.
 * @throws TypeError for anything else
 */
export function maxAgeMs(maxAge: string): number {
  const ms = parseMaxAge(maxAge);
  if (ms === undefined) throw new TypeError(badMaxAge(maxAge));
  return ms;
}

/** A value as a message shows it: numbers as written, strings quoted. */
function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}

function badMaxAge(maxAge: unknown): string {
  return (
    `retention.maxAge ${show(maxAge)} must be a positive integer followed by one unit of ` +
    "Y, M, D, h, m, s (such as '1h' or '7D'), of at most 2^53 - 1 ms"
  );
}

/**
 * Resolves an event's delivery, applying the defaults (`volatile`; for `replayable`, a
 * retention of `{ maxAge: '1D' }`). `where` names the event in the TypeError.
 * @throws TypeError for an unknown delivery, a retention on a volatile event, or a bad retention
 */
export function resolveDelivery(spec: DeliverySpec, where: string): EventDelivery {
  const { delivery = 'volatile', retention } = spec;
  if (delivery !== 'volatile' && delivery !== 'replayable') {
    throw new TypeError(`${where}: delivery ${show(delivery)} must be 'volatile' or 'replayable'`);
  }
  if (delivery === 'volatile') {
    if (retention !== undefined) {
      throw new TypeError(`${where}: retention is for replayable events only: add delivery: 'replayable', or remove retention`);
    }
    return { kind: 'volatile' };
  }
  if (retention === undefined) return { kind: 'replayable', ...DEFAULT_RETENTION };
  if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) {
    throw new TypeError(`${where}: retention must be an object such as { maxAge: '7D' } or { maxBytes: 1e9 }`);
  }
  const unknown = Object.keys(retention).filter((key) => !RETENTION_KEYS.has(key));
  if (unknown.length > 0) {
    throw new TypeError(`${where}: retention has unknown field ${JSON.stringify(unknown[0])}: use maxAge and/or maxBytes`);
  }
  const { maxAge, maxBytes } = retention;
  if (maxAge === undefined && maxBytes === undefined) {
    throw new TypeError(
      `${where}: retention sets no limit: give maxAge (such as '7D'), maxBytes, or both; ` +
        "leave retention out for the default { maxAge: '1D' }",
    );
  }
  if (maxAge !== undefined && parseMaxAge(maxAge) === undefined) throw new TypeError(`${where}: ${badMaxAge(maxAge)}`);
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new TypeError(`${where}: retention.maxBytes ${show(maxBytes)} must be a positive safe integer (bytes)`);
  }
  return { kind: 'replayable', ...(maxAge !== undefined ? { maxAge } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) };
}

/**
 * An event's delivery with the defaults applied: `{ kind: 'volatile' }`, or `{ kind: 'replayable' }`
 * with its retention limits (`{ maxAge: '1D' }` when it declares none). Pure: a new object each call.
 * @throws TypeError for a spec defineContract would refuse
 */
export function eventDelivery(spec: DeliverySpec): EventDelivery {
  return resolveDelivery(spec, 'event');
}

/** A replayable event's retention, with the default applied; undefined for a volatile event. */
export function replayRetention(spec: DeliverySpec): Retention | undefined {
  const delivery = eventDelivery(spec);
  if (delivery.kind === 'volatile') return undefined;
  return { ...(delivery.maxAge === undefined ? {} : { maxAge: delivery.maxAge }), ...(delivery.maxBytes === undefined ? {} : { maxBytes: delivery.maxBytes }) };
}
