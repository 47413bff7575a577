/**
 * How long, and how much, of a replayable event's history is kept. The forms are RabbitMQ's
 * stream arguments (`x-max-age`, `x-max-length-bytes`), so the AMQP transport passes them on
 * as they are, and the memory transport applies the same limits to its in-process log.
 */

export interface Retention {
  /** A positive integer and one unit: Y (365 days), M (30 days), D, h, m or s, e.g. '1h', '7D'. */
  maxAge?: string;
  /** Bytes of payload kept, at most. */
  maxBytes?: number;
}

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  D: 86_400_000,
  M: 30 * 86_400_000,
  Y: 365 * 86_400_000,
};

const MAX_AGE = /^([1-9][0-9]{0,9})([YMDhms])$/;

/** `maxAge` in ms; undefined for a string outside the form. */
export function maxAgeMs(maxAge: string): number | undefined {
  const match = MAX_AGE.exec(maxAge);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** The queue arguments of a replayable event's stream. */
export function streamArguments(retention: Retention): Record<string, string | number> {
  return {
    'x-queue-type': 'stream',
    ...(retention.maxAge === undefined ? {} : { 'x-max-age': retention.maxAge }),
    ...(retention.maxBytes === undefined ? {} : { 'x-max-length-bytes': retention.maxBytes }),
  };
}

/** The retention of an event declared `delivery: 'replayable'` without one. */
export const DEFAULT_RETENTION: Retention = { maxAge: '1D' };

/** A replayable event's retention, with the default applied; undefined for a volatile event. */
export function replayRetention(spec: object): Retention | undefined {
  const { delivery, retention } = spec as { delivery?: string; retention?: Retention };
  if (delivery !== 'replayable') return undefined;
  return retention ?? DEFAULT_RETENTION;
}
